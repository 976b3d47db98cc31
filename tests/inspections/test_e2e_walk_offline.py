"""End-to-end on a phone-sized Chromium: the walk form keeps a walk made without a connection
and sends it when the connection is back; the walk then shows with its finding on its page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from conftest import login, screenshot
from perron.store.db import make_engine
from perron.store.tables.inspections import InspectionFinding, InspectionWalk

pytestmark = pytest.mark.e2e


def test_a_walk_made_offline_is_sent_when_back_online(browser, live_server) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        login(page, live_server, next="/inspections/walk/new")
        page.wait_for_selector("[data-testid=walk-form-page]")
        page.fill("#f-station", "UT")
        page.fill("#f-time", "22:30")
        page.select_option("#f-group", "women_night")
        page.fill("#f-team", "ProRail, NS, 3 reizigsters")
        for code, value in (("lighting", 1), ("people", 2), ("feeling", 1)):
            page.click(f"label.score-opt:has(input[name='score-{code}'][value='{value}'])")
        page.click("label.score-opt:has(input[name='check-sightlines'][value='issue'])")
        page.click("[data-testid=add-finding]")
        page.select_option(".finding [data-k=kind]", "dark_corner")
        page.select_option(".finding [data-k=zone]", "bicycle_parking")
        page.select_option(".finding [data-k=severity]", "high")
        page.fill(".finding [data-k=description]", "achterin de stalling geen licht")
        screenshot(page, "inspections-walk-form-phone")

        context.set_offline(True)
        page.click("[data-testid=walk-submit]")
        status = page.locator("[data-testid=queue-status]")
        page.wait_for_function(
            "document.querySelector('[data-testid=queue-status]').textContent"
            ".includes('Geen verbinding')"
        )
        queued = json.loads(page.evaluate("localStorage.getItem('perron.walkQueue.v1')"))
        assert len(queued) == 1 and queued[0]["findings"][0]["kind"] == "dark_corner"
        engine = make_engine(live_server.db_url)
        try:
            with engine.connect() as conn:
                stored = conn.execute(
                    select(InspectionWalk.id).where(
                        InspectionWalk.client_ref == queued[0]["client_ref"]
                    )
                ).first()
            assert stored is None  # nothing reached the server
            screenshot(page, "inspections-walk-form-offline")

            context.set_offline(False)
            page.evaluate("window.dispatchEvent(new Event('online'))")
            page.wait_for_selector("[data-testid=sent-link]")
            assert "Verzonden" in status.inner_text()
            assert page.evaluate("localStorage.getItem('perron.walkQueue.v1')") == "[]"
            with engine.connect() as conn:
                walk_id = conn.execute(
                    select(InspectionWalk.id).where(
                        InspectionWalk.client_ref == queued[0]["client_ref"]
                    )
                ).scalar_one()
                kinds = (
                    conn.execute(
                        select(InspectionFinding.kind).where(InspectionFinding.walk_id == walk_id)
                    )
                    .scalars()
                    .all()
                )
            assert kinds == ["dark_corner"]
        finally:
            engine.dispose()
        with page.expect_navigation():
            page.click("[data-testid=sent-link]")
        page.wait_for_selector("[data-testid=findings-table]")
        assert "Donkere hoek" in page.locator("[data-testid=findings-table]").inner_text()
        page.wait_for_selector("#walk-map .leaflet-interactive")
        screenshot(page, "inspections-walk-page-phone")
    finally:
        context.close()

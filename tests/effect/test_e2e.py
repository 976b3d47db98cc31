"""End-to-end: an evaluation page in a real Chromium — the event-study chart is drawn, the
donor stations are on the map, the verdict is in words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import login, screenshot
from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.effect import Panel, evaluate_panel, make_panel, panel_digest, save_evaluation
from perron.store.db import make_engine, transaction
from perron.store.tables.reference import Station

pytestmark = pytest.mark.e2e


def test_evaluation_page_draws_the_chart_and_the_donor_map(page, live_server) -> None:
    actor = Principal(0, "tester", "x", "prorail", Role.ADMIN)
    engine = make_engine(live_server.db_url)
    try:
        with transaction(engine) as s:
            codes = list(s.scalars(select(Station.code).order_by(Station.code).limit(50)))
            p = make_panel(
                units=50, periods=60, treated=1, first_start=40, last_start=40, level=30, seed=3
            )
            panel = Panel(
                codes,
                p.periods,
                p.y,
                p.start,
                counts=True,
                synthetic=True,
                source="synthetic end-to-end panel",
            )
            ev = evaluate_panel(actor, panel)
            stored = save_evaluation(
                s,
                actor,
                ev,
                title="E2E één station",
                source="demo",
                panel_sha256=panel_digest(panel),
            )
    finally:
        engine.dispose()
    assert ev.method == "synthetic_control"
    login(page, live_server, next=f"/effect/{stored.id}")
    page.locator("#effect-event svg").wait_for()
    page.locator("#effect-donors svg").wait_for()
    markers = page.locator("#effect-donor-map path.leaflet-interactive")
    markers.first.wait_for()
    assert markers.count() == len(ev.donors) + 1  # the donors and the treated station
    assert page.locator("[data-testid=synthetic-label]").is_visible()
    assert "Oordeel" in page.inner_text("section.effect")
    screenshot(page, "effect-page")
    page.goto(f"{live_server}/effect", wait_until="domcontentloaded")
    assert "E2E één station" in page.inner_text("[data-testid=effect-list]")

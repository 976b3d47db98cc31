"""End-to-end: an operator takes an alert from new to resolved in the console in a real
Chromium, and a new high-severity alert appears without reloading the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import assert_clean_console, login, screenshot, watch_console
from live.alertkit import change
from perron.live.alerts import apply_changes
from perron.live.units import create_unit
from perron.store.db import make_engine, transaction

pytestmark = pytest.mark.e2e


def _add(db_url: str, changes, unit: str | None = None) -> list[int]:
    engine = make_engine(db_url)
    try:
        with transaction(engine) as s:
            if unit:
                create_unit(
                    s,
                    code=unit,
                    name="ProRail team",
                    party="prorail",
                    kind="security",
                    lat=52.3790,
                    lng=4.9010,
                )
            return apply_changes(s, changes, now=datetime.now(UTC), synthetic=True)
    finally:
        engine.dispose()


def test_operator_takes_an_alert_from_new_to_resolved(page, live_server):
    now = datetime.now(UTC)
    (aid,) = _add(
        live_server.db_url,
        [change(station="ASD", zone="hall", severity="medium", at=now, rule="e2e_console")],
        unit="PR-E2E-1",
    )
    login(page, live_server, next="/live")
    item = page.locator(f"[data-alert-id='{aid}']")
    item.wait_for()
    page.wait_for_selector("[data-testid=feed-status].ok")

    # a new high-severity alert appears live, with the visible cue
    (bid,) = _add(
        live_server.db_url,
        [change(station="ASD", zone="platform", severity="high", at=now, rule="e2e_console_live")],
    )
    page.locator(f"[data-alert-id='{bid}']").wait_for(timeout=10_000)
    banner = page.locator("[data-testid=high-banner]")
    assert "is-on" in (banner.get_attribute("class") or "")
    assert "Amsterdam Centraal" in banner.inner_text()
    screenshot(page, "live-console-new-alert")

    item.click()
    detail = page.locator("[data-testid=alert-detail]")
    detail.locator("button[data-action=acknowledge]").click()
    page.wait_for_selector("[data-testid=detail-state]:has-text('bevestigd')")
    page.locator("#unit-select").select_option("PR-E2E-1")
    detail.locator("button[data-action=dispatch]").click()
    page.wait_for_selector("[data-testid=detail-state]:has-text('eenheid gestuurd')")
    page.wait_for_selector("[data-unit='PR-E2E-1'][data-status=dispatched]")
    detail.locator("button[data-action=on-scene]").click()
    page.wait_for_selector("[data-testid=detail-state]:has-text('ter plaatse')")
    page.fill("#outcome-note", "Twee personen uit elkaar gehaald")
    screenshot(page, "live-console-on-scene")
    detail.locator("button[data-action=resolve]").first.click()
    page.wait_for_selector("[data-testid=detail-state]:has-text('afgehandeld')")
    # resolved alerts leave the open list; the unit is available again
    page.locator(f"[data-alert-id='{aid}']").wait_for(state="detached")
    page.wait_for_selector("[data-unit='PR-E2E-1'][data-status=available]")
    assert "Twee personen uit elkaar gehaald" in detail.inner_text()
    screenshot(page, "live-console-resolved")
    # leave the shared server without open alerts for the other pages' tests
    from perron.live.alerts import transition

    engine = make_engine(live_server.db_url)
    with transaction(engine) as s:
        transition(s, bid, "resolved", actor="test", outcome="false_alarm")
    engine.dispose()


def test_field_unit_on_a_phone_accepts_arrives_and_closes(browser, live_server):
    from perron.access.accounts import create_user
    from perron.live.alerts import transition

    engine = make_engine(live_server.db_url)
    with transaction(engine) as s:
        user = create_user(s, "veld-e2e", "veld-password-1", "prorail", "field_unit", "Veld 1")
        create_unit(
            s,
            code="PR-VELD-1",
            name="ProRail veldteam 1",
            party="prorail",
            kind="security",
            lat=52.0899,
            lng=5.1105,
            user_id=user.user_id,
        )
        (aid,) = apply_changes(
            s,
            [change(station="UT", zone="tunnel", rule="e2e_field", at=datetime.now(UTC))],
            now=datetime.now(UTC),
            synthetic=True,
        )
        transition(s, aid, "acknowledged", actor="op")
        transition(s, aid, "dispatched", actor="op", unit="PR-VELD-1")
    engine.dispose()

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        is_mobile=True,
    )
    page = context.new_page()
    watch_console(page)
    try:
        login(page, live_server, "veld-e2e", "veld-password-1", next="/field")
        card = page.locator("[data-testid=field-alert]")
        assert card.get_attribute("data-state") == "dispatched"
        assert "Utrecht Centraal" in card.inner_text()
        screenshot(page, "live-field-dispatched")
        with page.expect_navigation():
            page.click("text=Opdracht aannemen")
        assert page.locator("text=Opdracht aannemen").count() == 0
        with page.expect_navigation():
            page.click("button:has-text('Ter plaatse')")
        assert card.get_attribute("data-state") == "on_scene"
        page.fill("#note", "Niemand aangetroffen")
        screenshot(page, "live-field-on-scene")
        with page.expect_navigation():
            page.click("button:has-text('Afsluiten: loos alarm')")
        page.locator("[data-testid=field-idle]").wait_for()
        assert_clean_console(page)
    finally:
        context.close()
    engine = make_engine(live_server.db_url)
    with transaction(engine) as s:
        from perron.store.tables.live import Alert

        alert = s.get(Alert, aid)
        assert (alert.state, alert.outcome, alert.outcome_note) == (
            "resolved",
            "false_alarm",
            "Niemand aangetroffen",
        )
    engine.dispose()

"""End-to-end: a planner fills in a request in Chromium and sees map, chart and impact."""

from __future__ import annotations

import pytest

from conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_planner_enters_a_request_and_sees_route_chart_and_impact(page, live_server) -> None:
    # the first plan of a fresh server loads the network and pattern: allow for a loaded machine
    page.set_default_timeout(180_000)
    page.set_default_navigation_timeout(180_000)
    login(page, live_server, next="/military")
    page.wait_for_selector("[data-testid=military-form]")
    page.fill("input[name=origin]", "VS")
    page.fill("input[name=destination]", "ZV")
    page.fill("input[name=earliest]", "2026-12-08T21:00")
    page.fill("input[name=length_m]", "740")
    page.fill("input[name=mass_t]", "2400")
    with page.expect_navigation():
        page.click("[data-testid=military-submit]")
    assert "/military?id=" in page.url
    page.wait_for_selector("#military-map path.leaflet-interactive")
    page.wait_for_selector("#military-chart svg")
    assert page.locator("#military-chart svg path").count() > 5
    slot = page.locator("[data-testid=military-slot]").inner_text()
    assert "Vertrek" in slot and "Aankomst" in slot
    assert page.locator("[data-testid=military-alternatives] tbody tr").count() >= 2
    assert "met de hand samengesteld" in page.locator("[data-testid=military-label]").inner_text()
    screenshot(page, "military")
    page.set_viewport_size({"width": 1400, "height": 2200})
    screenshot(page, "military-full")

"""The network page in a real Chromium against a real server."""

import pytest
from sqlalchemy import select

from conftest import allow_console_error, login, screenshot
from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.network import service
from perron.store.db import make_engine, transaction
from perron.store.tables.accounts import User

pytestmark = pytest.mark.e2e


@pytest.fixture
def cleared(live_server_db):
    engine = make_engine(live_server_db)
    with transaction(engine) as s:
        user = s.scalar(select(User).where(User.username == "tester"))
        who = Principal(user.id, user.username, user.display_name, user.party_code, Role(user.role))
        if service.clearance_of(s, who) is None:
            service.grant_clearance(s, who, "tester", "edit")
            service.add_threat(s, who, "link", "MP-ZL", "extreme_weather", 3, 5, "storm test")
    engine.dispose()


def test_network_map_scenario_and_register(cleared, page, live_server):
    login(page, live_server)
    page.goto(f"{live_server}/network", timeout=240_000)
    page.wait_for_function(
        "document.querySelectorAll('#network-map path.leaflet-interactive').length >= 433",
        timeout=60_000,
    )
    assert "SCHATTING" in page.locator("[data-testid=network-estimate]").inner_text()
    assert page.locator("[data-testid=network-links] tbody tr").count() == 20
    screenshot(page, "network-map")
    page.fill("[data-testid=scenario-links]", "MP-ZL, UT-UTZL")
    page.dispatch_event("[data-testid=scenario-links]", "change")
    page.click("[data-testid=scenario-run]")
    figures = page.locator("[data-testid=scenario-figures]")
    figures.wait_for(timeout=60_000)
    text = figures.inner_text()
    assert "GN" in text and "Reizigersuren verloren" in text
    page.locator("#scenario").scroll_into_view_if_needed()
    screenshot(page, "network-scenario")
    page.fill("[data-testid=scenario-links]", "X-Y")
    page.click("[data-testid=scenario-run]")
    error = page.locator("[data-testid=scenario-error]")
    error.wait_for(timeout=60_000)
    assert "'X-Y'" in error.inner_text()
    allow_console_error(page, "/api/network/scenarios")  # the 422 of the unknown link, on purpose
    assert page.locator("[data-testid=risk-matrix]").is_visible()
    assert page.locator("[data-testid=hand-compiled]").count() >= 1
    page.locator("#register").scroll_into_view_if_needed()
    screenshot(page, "network-register")

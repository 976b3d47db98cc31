"""The monitor page and the station section in a real Chromium against a real server."""

import pytest

from conftest import login, screenshot
from perron.access.actors import installation
from perron.monitor import service
from perron.monitor.generator import Targets
from perron.store.db import make_engine, transaction

pytestmark = pytest.mark.e2e

SMALL = Targets(
    responses_per_year=10000,
    evening_national={2024: 6.9},
    below_threshold={2023: 6},
    overall_national={2023: 7.2},
    overall_range={},
)


@pytest.fixture
def survey(live_server_db):
    engine = make_engine(live_server_db)
    with transaction(engine) as s:
        service.generate_into(s, installation("cli:test"), 4, [2023, 2024], targets=SMALL)
    engine.dispose()


def test_monitor_page_charts_map_and_list(survey, page, live_server):
    login(page, live_server)
    page.goto(f"{live_server}/monitor", timeout=60_000)
    assert page.locator("[data-testid=synthetic-badge]").is_visible()
    page.wait_for_selector("#chart-gender svg.marks", timeout=60_000)
    width = page.eval_on_selector("#chart-gender svg.marks", "e => e.getBoundingClientRect().width")
    assert width > 200
    assert page.locator("[data-testid=kpi-national] .monitor-kpi__value").inner_text() == "6,9"
    page.wait_for_function(
        "document.querySelectorAll('path.monitor-marker').length >= 397", timeout=60_000
    )
    suppressed = page.locator("path.monitor-marker--suppressed").count()
    assert suppressed > 0  # small stations: too few responses, drawn grey
    rows = page.locator("[data-testid=below-table] tbody tr")
    assert rows.count() >= 1
    assert (
        page.locator("[data-testid=below-table]").get_by_text("blijvend").count()
        + page.locator("[data-testid=below-table]").get_by_text("nieuw").count()
        >= 1
    )
    screenshot(page, "monitor")


def test_station_page_shows_the_monitor_section(survey, page, live_server):
    login(page, live_server)
    page.goto(f"{live_server}/stations/UT", timeout=60_000)
    section = page.locator("#section-monitor")
    # the first request reads and weights every year: allow for a busy machine
    section.locator("[data-testid=station-monitor-trend]").wait_for(timeout=60_000)
    assert section.is_visible()
    assert "synthetisch" in section.inner_text()
    assert section.locator("tr[data-item]").count() == 6
    screenshot(page, "station-UT-monitor")

"""The monitor page and the station fragment (SQLite; the queries are the API's)."""

import pytest

from perron.access import accounts
from perron.access.actors import installation
from perron.monitor import service
from perron.monitor.generator import Targets
from perron.store.db import make_engine, transaction

ACTOR = installation("cli:test")

SMALL = Targets(
    responses_per_year=8000,
    evening_national={2024: 6.9},
    below_threshold={2023: 4},
    overall_national={2023: 7.2},
    overall_range={},
)


@pytest.fixture
def db_url(sqlite_url):
    return sqlite_url


def _login(client, db_url, generate=True):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        if generate:
            service.generate_into(s, ACTOR, 9, [2023, 2024], targets=SMALL)
        accounts.create_user(s, "kijker", "kijker-password-1", "ns", "viewer", "Kijker")
    engine.dispose()
    r = client.post("/api/auth/login", json={"username": "kijker", "password": "kijker-password-1"})
    assert r.status_code == 200


def test_monitor_page_shows_headline_figures_labelled_synthetic(client, db_url):
    assert client.get("/monitor", follow_redirects=False).status_code == 303
    _login(client, db_url)
    page = client.get("/monitor")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="synthetic-badge"' in html and "synthetisch" in html
    assert "6,9" in html  # national evening safety 2024, Dutch number format
    below = service.below_threshold  # the list on the page is the service's list
    engine = make_engine(db_url)
    with transaction(engine) as s:
        report = below(s, ACTOR, "analysis", 2024)
    engine.dispose()
    assert html.count('<tr data-status="') == len(report["stations"]) + len(report["improved"])
    assert f"4 in 2023 → {report['count']} in 2024" in html
    for key in ("vrouwen", "mannen", "middelgroot", "monitor-map", "chart-gender"):
        assert key in html
    english = client.get("/monitor?year=2023&lang=en").text
    assert "synthetic" in english and "Stations below 6.0 after 19:00 in 2023" in english


def test_station_fragment_has_intervals_trend_and_suppression(client, db_url):
    _login(client, db_url)
    ut = client.get("/monitor/stations/UT/fragment")
    assert ut.status_code == 200
    assert 'data-testid="station-monitor-trend"' in ut.text and "95%-bi" in ut.text
    assert "synthetisch" in ut.text
    # a station with very few travellers: every item suppressed, never a number
    small = client.get("/monitor/stations/ZB/fragment")  # Zuidbroek
    if small.status_code == 200:
        assert small.text.count('data-suppressed="1"') == 6
    assert client.get("/monitor/stations/NOPE/fragment").status_code == 404


def test_empty_survey_page_explains_what_to_do(client, db_url):
    _login(client, db_url, generate=False)
    page = client.get("/monitor")
    assert page.status_code == 200 and "perron monitor generate" in page.text
    assert client.get("/monitor/stations/UT/fragment").status_code == 404

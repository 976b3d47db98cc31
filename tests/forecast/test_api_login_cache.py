"""The forecast API needs a login, answers compactly and serves repeated calls from a cache."""

from pathlib import Path

import pytest

from forecast.synth import write_synthetic
from perron.access import accounts
from perron.config import Settings, get_settings
from perron.store.db import make_engine, transaction


@pytest.fixture(scope="module")
def synth_file(tmp_path_factory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("fcapi") / "d.csv", "2019-01-01", 760)


@pytest.fixture
def api(synth_file, tmp_path, monkeypatch, sqlite_url):
    from fastapi.testclient import TestClient

    from perron.api.app import create_app

    monkeypatch.setenv("PERRON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PERRON_FORECAST_DATA", str(synth_file))
    get_settings.cache_clear()
    engine = make_engine(sqlite_url)
    with transaction(engine) as s:
        accounts.create_user(s, "an1", "analyst-password-1", "prorail", "analyst", "An Alist")
    engine.dispose()
    settings = Settings(data_dir=tmp_path / "data", database_url=sqlite_url)
    with TestClient(create_app(settings)) as c:
        yield c
    get_settings.cache_clear()


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_forecast_api_needs_a_login(api):
    for path in (
        "/api/forecast/tonight?date=2000-01-01",
        "/api/forecast/tonight",
        "/api/forecast/week",
        "/api/forecast/backtest",
    ):
        r = api.get(path)
        assert r.status_code == 401, (path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_week_is_compact_and_cached(api, monkeypatch):
    from perron.forecast import service

    r = api.post("/api/auth/login", json={"username": "an1", "password": "analyst-password-1"})
    assert r.status_code == 200
    first = api.get("/api/forecast/week", params={"source": "disruptions", "start": "2021-01-04"})
    assert first.status_code == 200
    wk = first.json()
    names = {s["code"]: s["name"] for s in wk["stations"]}
    assert len(wk["cells"]) == len(names) * 42
    assert all("name" not in c for c in wk["cells"])  # names once, in "stations"
    with_drivers = [c for c in wk["cells"] if c.get("drivers")]
    assert with_drivers and all(c["rank"] <= wk["drivers_top"] for c in with_drivers)

    night = api.get(
        "/api/forecast/tonight", params={"source": "disruptions", "date": "2021-01-04", "top": 5}
    )
    assert night.status_code == 200 and len(night.json()["stations"]) == 5

    # a second call is served without computing the forecast again
    def boom(*a, **k):
        raise AssertionError("computed again")

    monkeypatch.setattr(service, "forecast_cells", boom)
    again = api.get("/api/forecast/week", params={"source": "disruptions", "start": "2021-01-04"})
    assert again.status_code == 200 and again.content == first.content
    again_night = api.get(
        "/api/forecast/tonight", params={"source": "disruptions", "date": "2021-01-04", "top": 5}
    )
    assert again_night.content == night.content

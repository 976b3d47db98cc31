"""The CLI, API and web page of the forecast, on a small synthetic disruption file."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forecast.synth import write_synthetic
from perron.access import accounts
from perron.access.actors import installation
from perron.config import Settings, get_settings
from perron.store.db import make_engine, transaction

ACTOR = installation("cli:test")


@pytest.fixture(scope="module")
def synth_file(tmp_path_factory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("fcfront") / "d.csv", "2019-01-01", 760)


@pytest.fixture
def env(synth_file, tmp_path, monkeypatch):
    monkeypatch.setenv("PERRON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PERRON_FORECAST_DATA", str(synth_file))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def _cli(*args):
    from perron.cli import app

    res = CliRunner().invoke(app, ["forecast", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_cli_backtest_train_week_tonight_json(env, synth_file):
    rep = _cli(
        "backtest",
        "--data",
        str(synth_file),
        "--from",
        "2020-12-01",
        "--to",
        "2020-12-21",
        "--json",
    )
    assert rep["weeks"] == 3 and rep["to"] == "2020-12-21"
    names = {m["name"]: m for m in rep["models"]}
    assert {
        "historical_average",
        "last_4_weeks",
        "seasonal_naive_week",
        "poisson_glm",
        "gradient_boosting",
        "self_exciting",
        "hindsight_bound",
    } <= set(names)
    for m in rep["models"]:
        assert m["kind"] in ("baseline", "model", "bound")
        assert set(m["hit_rate"]) == set(m["pai"]) == {"5", "10", "20"}
        assert isinstance(m["deviance"], float)
    assert json.loads((env / "forecast" / "backtest.json").read_text())["weeks"] == 3

    meta = _cli("train", "--data", str(synth_file), "--until", "2021-01-04", "--json")
    assert meta["trained_until"] == "2021-01-04" and Path(meta["path"]).exists()
    assert meta["model"] == "blend"  # the default: the best model in the backtest
    assert str(env) in meta["path"]  # artefacts live in the data directory

    wk = _cli("week", "--data", str(synth_file), "--start", "2021-01-04", "--json")
    assert wk["start"] == "2021-01-04" and wk["trained_until"] == "2021-01-04"
    assert wk["model"] == "blend"
    assert all(c["drivers"] for c in wk["cells"] if c["rank"] <= 100)
    assert len(wk["cells"]) == len(wk["stations"]) * 7 * 6
    top = min(wk["cells"], key=lambda c: c["rank"])
    assert top["station"] in {"AMF", "ZL", "GN", "EHV"}  # the busiest synthetic stations
    assert top["drivers"] and top["drivers"][0]["text"]

    night = _cli(
        "tonight", "--data", str(synth_file), "--date", "2021-01-05", "--json", "--lang", "en"
    )
    assert night["date"] == "2021-01-05" and len(night["stations"]) == 15
    assert night["stations"][0]["expected"] >= night["stations"][-1]["expected"]


def test_every_interface_offers_the_same_models():
    from typing import get_args

    from perron.api import forecast as api
    from perron.cli import forecast as cli
    from perron.forecast.service import DEFAULT_MODEL, PRODUCTION_MODELS

    assert DEFAULT_MODEL == "blend"
    assert set(PRODUCTION_MODELS) == {
        "poisson_glm",
        "gradient_boosting",
        "empirical_bayes",
        "blend",
    }
    assert set(cli.MODELS) == set(get_args(api.Model)) == set(PRODUCTION_MODELS)
    assert cli.DEFAULT_MODEL == api.DEFAULT_MODEL == DEFAULT_MODEL
    from perron.cli import app

    res = CliRunner().invoke(app, ["forecast", "week", "--help"])
    assert all(m in res.output for m in PRODUCTION_MODELS)


def test_blend_forecast_is_the_geometric_mean_of_its_parts(env, synth_file):
    from perron.forecast.service import week

    got = {
        m: week(ACTOR, "analysis", synth_file, "2021-01-04", model=m, lang="en")
        for m in ("blend", "gradient_boosting", "empirical_bayes")
    }
    exp = {m: np.array([c["expected"] for c in r["cells"]]) for m, r in got.items()}
    # expected counts are rounded to 5 decimals (and floored at 1e-4, as in the blend)
    np.testing.assert_allclose(
        exp["blend"], np.sqrt(exp["gradient_boosting"] * exp["empirical_bayes"]), atol=2e-5
    )
    assert exp["blend"].max() > 0.01
    for m, r in got.items():
        assert r["model"] == m
        top = min(r["cells"], key=lambda c: c["rank"])
        assert top["drivers"] and all(d["text"] for d in top["drivers"])
    words = {d["factor"] for c in got["empirical_bayes"]["cells"] for d in c["drivers"]}
    assert words <= {"station_level", "history", "recent", "time"} and "station_level" in words
    blend_words = {d["factor"] for c in got["blend"]["cells"] for d in c["drivers"]}
    assert {"station_level", "time"} <= blend_words


def test_cli_bad_input_is_named(env, tmp_path):
    from perron.cli import app

    bad = tmp_path / "bad.csv"
    bad.write_text("rdt_id,start_time\n1,2021-01-01 00:00:00\n")
    res = CliRunner().invoke(app, ["forecast", "week", "--data", str(bad), "--json"])
    assert res.exit_code != 0
    assert "missing field" in res.output and "bad.csv" in res.output


@pytest.fixture
def client(env, sqlite_url):
    from fastapi.testclient import TestClient

    from perron.api.app import create_app

    settings = Settings(data_dir=env, database_url=sqlite_url)
    engine = make_engine(sqlite_url)
    with transaction(engine) as s:
        accounts.create_user(s, "an1", "analyst-password", "prorail", "analyst", "An Alist")
    engine.dispose()
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_api_and_web_page(client, synth_file):
    assert client.get("/api/forecast/backtest").status_code == 401
    assert client.get("/forecast", follow_redirects=False).status_code in (302, 303, 401)
    client.post("/login", data={"username": "an1", "password": "analyst-password"})
    assert client.get("/api/forecast/backtest").status_code == 404
    # the default source is the registry: an empty store says what to import, never a 500
    empty = client.get("/api/forecast/tonight")
    assert empty.status_code == 422, empty.text
    assert "perron incidents import-disruptions" in empty.json()["detail"]
    assert "perron incidents import-disruptions" in client.get("/forecast").text
    night = client.get(
        "/api/forecast/tonight", params={"source": "disruptions", "date": "2021-01-04", "top": 5}
    ).json()
    assert len(night["stations"]) == 5 and night["stations"][0]["drivers"]
    assert night["model"] == "blend"
    for m in ("blend", "empirical_bayes"):
        got = client.get(
            "/api/forecast/tonight",
            params={"source": "disruptions", "date": "2021-01-04", "model": m},
        )
        assert got.status_code == 200 and got.json()["model"] == m
        assert got.json()["stations"][0]["drivers"]
    assert (
        client.get(
            "/api/forecast/week", params={"source": "disruptions", "model": "ensemble"}
        ).status_code
        == 422
    )
    wk = client.get(
        "/api/forecast/week",
        params={"source": "disruptions", "start": "2021-01-04", "station": "ZL"},
    ).json()
    assert {c["station"] for c in wk["cells"]} == {"ZL"} and len(wk["cells"]) == 42
    bad = client.get("/api/forecast/week", params={"source": "disruptions", "station": "XXXX"})
    assert bad.status_code == 404
    assert bad.headers["content-type"].startswith("application/problem+json")

    page = client.get("/forecast", params={"source": "disruptions", "start": "2021-01-04"})
    assert page.status_code == 200
    assert "Vanavond" in page.text and 'data-testid="forecast-map"' in page.text
    assert "Model blend;" in page.text and 'data-testid="forecast-models"' in page.text
    eb = client.get(
        "/forecast",
        params={"source": "disruptions", "start": "2021-01-04", "model": "empirical_bayes"},
    )
    assert "Model empirical_bayes;" in eb.text
    assert 'data-testid="forecast-heat"' in page.text
    assert 'data-testid="backtest-missing"' in page.text
    en = client.get(
        "/forecast", params={"source": "disruptions", "start": "2021-01-04", "lang": "en"}
    )
    assert "Tonight" in en.text
    frag = client.get("/forecast/stations/ZL/fragment?source=disruptions")
    assert frag.status_code == 200 and 'data-testid="station-forecast"' in frag.text

    # with a stored report the API serves it and the page shows the table and the charts
    from perron.forecast import run_backtest, save_backtest

    rep = run_backtest(synth_file, "2020-12-07", "2020-12-13")
    save_backtest(rep, client.app.state.settings)
    got = client.get("/api/forecast/backtest").json()
    assert got["weeks"] == 1 and {m["kind"] for m in got["models"]} == {
        "baseline",
        "model",
        "bound",
    }
    page = client.get("/forecast", params={"source": "disruptions", "start": "2021-01-04"})
    assert 'data-testid="backtest-table"' in page.text and "hindsight_bound" in page.text
    assert 'id="chart-pai"' in page.text and 'id="chart-calibration"' in page.text


def test_the_pages_read_the_remembered_week_while_other_callers_get_a_copy(env, synth_file):
    from perron.forecast.service import week, week_view

    shared = week_view(ACTOR, "analysis", synth_file, "2021-01-04")
    assert (
        week_view(ACTOR, "analysis", synth_file, "2021-01-04") is shared
    )  # no copy per page request
    mine = week(ACTOR, "analysis", synth_file, "2021-01-04")
    assert mine is not shared and mine["cells"] == shared["cells"]
    first = shared["cells"][0]["expected"]
    mine["cells"][0]["expected"] = -1.0
    mine["cells"].clear()
    assert shared["cells"] and shared["cells"][0]["expected"] == first
    assert week(ACTOR, "analysis", synth_file, "2021-01-04")["cells"][0]["expected"] == first

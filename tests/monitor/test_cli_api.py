"""The interface the acceptance checks use: CLI JSON and the API (login required)."""

import json

import pytest
from typer.testing import CliRunner

from perron.access import accounts
from perron.access.actors import installation
from perron.config import get_settings
from perron.monitor import service
from perron.monitor.generator import Targets
from perron.store.db import make_engine, transaction

ACTOR = installation("cli:test")


@pytest.fixture
def cli_env(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PERRON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PERRON_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def invoke(*args):
    from perron.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def _estimate_shape(entry):
    assert {"mean", "ci_low", "ci_high", "ci", "n", "suppressed"} <= set(entry)
    assert entry["ci_low"] < entry["mean"] < entry["ci_high"] and entry["n"] > 0


@pytest.mark.slow
def test_generate_scores_and_below_threshold_through_the_cli(cli_env):
    """Full size, default years, on SQLite: the published figures come back from the store."""
    out = json.loads(invoke("monitor", "generate", "--seed", "7", "--json").stdout)
    assert out["per_year"] == {"2023": 83000, "2024": 83000, "2025": 83000}
    assert out["synthetic"] is True

    scores = json.loads(invoke("monitor", "scores", "--year", "2025", "--json").stdout)
    assert scores["synthetic"] is True
    _estimate_shape(scores["national"])
    assert scores["national"]["mean"] == pytest.approx(6.9, abs=0.01)
    assert set(scores["by_gender"]) == {"man", "vrouw", "anders"}
    assert set(scores["by_size_class"]) == {"small", "medium", "large"}
    for entry in [*scores["by_gender"].values(), *scores["by_size_class"].values()]:
        _estimate_shape(entry)
        assert set(entry["items"]) >= {"safe_evening", "overall"}

    below = json.loads(invoke("monitor", "below-threshold", "--year", "2024", "--json").stdout)
    assert (below["count"], below["previous_count"], below["change"]) == (55, 50, 5)
    assert len(below["stations"]) == 55 and below["synthetic"] is True
    assert {e["status"] for e in below["stations"]} <= {"new", "persisting"}
    assert all(e["mean"] < 6.0 and e["n"] >= 30 for e in below["stations"])
    assert all(e["status"] == "improved" and e["mean"] >= 6.0 for e in below["improved"])
    assert below["new"] + below["persisting"] == 55

    first = json.loads(invoke("monitor", "below-threshold", "--year", "2023", "--json").stdout)
    assert first["count"] == 50 and first["previous_count"] is None  # no 2022 data

    station = json.loads(
        invoke("monitor", "scores", "--year", "2024", "--station", "ut", "--json").stdout
    )
    assert station["station"]["code"] == "UT" and station["station"]["n"] > 1000


def test_cli_import_reports_errors_and_exits_non_zero(cli_env, tmp_path):
    from perron.cli import app

    path = tmp_path / "x.csv"
    path.write_text(
        "station,date,part_of_day,gender,age_band,frequency\nZZZ,2024-01-01,avond,man,16-24,daily\n"
    )
    result = CliRunner().invoke(app, ["monitor", "import", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] == [
        {"file": "x.csv", "row": 2, "field": "station", "reason": "unknown station code 'ZZZ'"}
    ]


SMALL = Targets(
    responses_per_year=8000,
    evening_national={2024: 6.9},
    below_threshold={2023: 4},
    overall_national={2023: 7.2},
    overall_range={},
)


@pytest.fixture
def survey_db(db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        service.generate_into(s, ACTOR, 3, [2023, 2024], targets=SMALL)
        accounts.create_user(s, "analist", "analist-password-1", "prorail", "viewer", "Analist")
    engine.dispose()
    return db_url


def test_api_requires_login_and_answers(survey_db, client):
    assert client.get("/api/monitor/scores").status_code == 401
    r = client.post(
        "/api/auth/login", json={"username": "analist", "password": "analist-password-1"}
    )
    assert r.status_code == 200
    years = client.get("/api/monitor/years").json()
    assert years == {"years": [2023, 2024], "responses": 16000, "synthetic": True}

    scores = client.get("/api/monitor/scores").json()  # the latest year by default
    assert scores["period"]["year"] == 2024
    assert scores["national"]["mean"] == pytest.approx(6.9, abs=0.01)
    _estimate_shape(scores["by_gender"]["vrouw"])

    below = client.get("/api/monitor/below-threshold", params={"year": 2024}).json()
    assert below["previous_count"] == 4 and below["count"] == len(below["stations"])

    trend = client.get("/api/monitor/stations/ut").json()
    assert set(trend["years"]) == {"2023", "2024"} and trend["synthetic"] is True
    _estimate_shape(trend["years"]["2024"]["safe_evening"])

    small = client.get("/api/monitor/map", params={"year": 2024}).json()
    suppressed = [s for s in small["stations"] if s["suppressed"]]
    assert suppressed and all(s["mean"] is None for s in suppressed)

    missing = client.get("/api/monitor/stations/NOPE")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    bad = client.get("/api/monitor/scores", params={"item": "happiness"})
    assert bad.status_code == 422

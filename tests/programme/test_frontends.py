"""The acceptance interface through the CLI (exactly as written in the issue), the API and the
web pages, on a fresh database with reference data only (no survey, no incidents)."""

import json

import pytest
from typer.testing import CliRunner

from perron.access import accounts
from perron.store.db import make_engine, transaction

INSTANCE = {
    "budget": 3500000,
    "stations": [{"code": "ASDL", "harm": 120.0, "applicable": ["cctv", "lighting"]}],
    "measures": [{"code": "cctv", "cost": 250000, "effect": 0.16}],
}


def _cli(*args, code=0):
    from perron.cli import app

    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res


def test_cli_optimise_instance_and_measures(settings, tmp_path):
    f = tmp_path / "inst.json"
    f.write_text(json.dumps(INSTANCE))
    out = json.loads(_cli("programme", "optimise", "--instance", str(f), "--json").stdout)
    assert out["status"] == "optimal" and out["objective"] == pytest.approx(19.2)
    assert out["cost"] == 250000 and out["choices"] == [
        {**out["choices"][0], "station": "ASDL", "measures": ["cctv"]}
    ]
    cat = json.loads(_cli("measures", "list", "--json").stdout)
    assert {"code", "cost", "effect", "source"} <= set(cat[0])
    bad = tmp_path / "bad.json"
    bad.write_text('{"budget": -3, "stations": [], "measures": []}')
    res = _cli("programme", "optimise", "--instance", str(bad), "--json", code=2)
    assert "budget" in res.output
    bad.write_text("{not json")
    res = _cli("programme", "optimise", "--instance", str(bad), code=2)
    assert "not valid JSON" in res.output and "line 1" in res.output


def test_cli_need_index_on_an_empty_store_says_what_is_missing(settings):
    out = json.loads(_cli("programme", "need-index", "--json", "--resamples", "20").stdout)
    items = out["items"] if isinstance(out, dict) else out
    assert len(items) == 397
    assert sorted(i["rank"] for i in items) == list(range(1, 398))
    first = items[0]
    assert {"station", "score", "rank", "components"} <= set(first)
    assert {"evening_safety", "harm_per_traveller", "evening_share"} <= set(first["components"])
    assert {"evening_safety", "gender_gap", "harm_per_traveller"} <= set(out["missing_components"])
    assert first["components"]["evening_share"] is not None
    assert first["why_nl"] and first["why_en"]
    assert all(0 <= i["stability"] <= 1 for i in items)


def test_cli_report_progress_pdf(settings, tmp_path):
    from perron.programme.demo import prepare

    prepare(settings)
    out = tmp_path / "report" / "voortgang.pdf"
    _cli("report", "progress", "--out", str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    html_out = tmp_path / "voortgang.html"
    _cli("report", "progress", "--out", str(html_out), "--lang", "en")
    text = html_out.read_text()
    assert "Progress report" in text and "data:image/png;base64," in text
    _cli("report", "progress", "--out", str(tmp_path / "x.doc"), code=2)


def _token(db_url, username, party, role):
    with transaction(make_engine(db_url)) as s:
        accounts.create_user(s, username, "a-long-password-1", party, role)
        p = accounts.authenticate(s, username, "a-long-password-1")
        return accounts.create_api_token(s, p, "test")


def test_api_deals_rights_and_errors(client, settings, db_url):
    from perron.programme.demo import prepare

    prepare(settings)
    admin = {"Authorization": f"Bearer {_token(db_url, 'ienw-admin', 'ienw', 'admin')}"}
    viewer = {"Authorization": f"Bearer {_token(db_url, 'ns-viewer', 'ns', 'viewer')}"}
    assert client.get("/api/programme/deals").status_code == 401
    deals = client.get("/api/programme/deals", headers=viewer).json()
    assert len(deals) == 7 and all(d["synthetic"] for d in deals)
    body = {
        "code": "SD-API-1",
        "title": "Stationsdeal Utrecht Centraal",
        "stations": ["UT"],
        "parties": [{"party": "ienw", "role": "funder", "budget_share_eur": 100000}],
        "reason": "test",
    }
    assert client.post("/api/programme/deals", json=body, headers=viewer).status_code == 403
    r = client.post("/api/programme/deals", json=body, headers=admin)
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/programme/deals/SD-API-1/measures",
        json={"measure_code": "lighting", "station": "UT", "zone": "tunnel",
              "owner_party": "ienw", "cost_eur": 10**15, "reason": "x"},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 422
    r = client.post(
        "/api/programme/deals/SD-API-1/measures",
        json={"measure_code": "lighting", "station": "UT", "zone": "tunnel",
              "owner_party": "ienw", "cost_eur": 150000, "reason": "plan"},
        headers=admin,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    r = client.patch(
        "/api/programme/deals/SD-API-1", json={"status": "completed", "reason": "x"}, headers=admin
    )
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    r = client.patch(
        "/api/programme/deals/SD-API-1",
        json={"title": "x", "version": 1, "reason": "x"},
        headers=admin,
    )
    assert r.status_code == 409  # the measure moved the deal to version 2
    got = client.get(f"/api/programme/deal-measures/{mid}", headers=viewer).json()
    assert got["stations"] == ["UT"] and got["deal_code"] == "SD-API-1"
    assert client.get("/api/programme/deals/NOPE", headers=viewer).status_code == 404
    budget = client.get("/api/programme/budget", headers=viewer).json()
    assert {x["code"] for x in budget["lines"]} == {
        "programme",
        "stationsagenda",
        "bodycams",
        "maarheeze",
    }
    r = client.post("/api/programme/optimise", json=INSTANCE, headers=viewer)
    assert r.status_code == 200 and r.json()["objective"] == pytest.approx(19.2)
    r = client.post("/api/programme/optimise", json={"budget": "x"}, headers=viewer)
    assert r.status_code == 422


def test_web_pages(web_client, settings):
    from perron.programme.demo import prepare

    prepare(settings)
    r = web_client.get("/programme")
    assert r.status_code == 200 and 'data-testid="programme-map"' in r.text
    assert "SD-2026-ASDL" in r.text and "synthetisch" in r.text.lower()
    r = web_client.get("/programme/deals/SD-2026-ASDL?lang=en")
    assert r.status_code == 200 and "History" in r.text and "demo: deal running" in r.text
    assert web_client.get("/programme/deals/NOPE").status_code == 404
    r = web_client.get("/programme/optimiser?budget=2000000")
    assert r.status_code == 200 and 'data-testid="portfolio-table"' in r.text
    r = web_client.get("/programme/optimiser?budget=-5")
    assert r.status_code == 200 and 'role="alert"' in r.text

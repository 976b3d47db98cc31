"""The contract of ``perron effect evaluate`` (a panel file, a deal measure), the service rules
(who may evaluate and store, a party sees only its own), the API and the web page."""

import json
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import set_csrf_header
from perron.access import accounts
from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.effect import (
    Forbidden,
    NotFound,
    evaluate_panel,
    get_evaluation,
    list_evaluations,
    make_panel,
    panel_digest,
    save_evaluation,
)
from perron.store.db import make_engine, transaction

CONTRACT = {
    "method",
    "att",
    "ci_low",
    "ci_high",
    "relative",
    "relative_ci_low",
    "relative_ci_high",
    "pre_trend_p",
    "credible",
}


@pytest.fixture(scope="module")
def panel_file(tmp_path_factory):
    p = make_panel(units=60, periods=40, treated=20, effect=-0.2, seed=21)
    path = tmp_path_factory.mktemp("effect panel with spaces") / "panel.csv"
    path.write_text(p.to_csv())
    return path


def _check_contract(out):
    assert set(out) >= CONTRACT
    assert isinstance(out["credible"], bool)
    for k in CONTRACT - {"method", "credible"}:
        assert isinstance(out[k], float), k
    assert out["ci_low"] <= out["att"] <= out["ci_high"]
    assert out["relative_ci_low"] <= out["relative"] <= out["relative_ci_high"]


def test_cli_panel_contract_through_the_installed_command(panel_file, tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "perron.cli",
            "effect",
            "evaluate",
            "--panel",
            str(panel_file),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "40", "PERRON_DATA_DIR": str(tmp_path)},
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    _check_contract(out)
    assert out["method"] == "imputation_poisson"
    assert out["relative_ci_low"] <= -0.2 <= out["relative_ci_high"]
    assert out["relative"] == pytest.approx(out["att"] / out["counterfactual"], rel=1e-6)


def test_cli_panel_errors_name_file_row_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,period,outcome,treated_from\nA,2020-01,1,\nA,2020-02,oops,\n")
    res = CliRunner().invoke(_app(), ["effect", "evaluate", "--panel", str(bad), "--json"])
    assert res.exit_code == 2
    assert "row 3, field outcome" in res.output and "bad.csv" in res.output
    res = CliRunner().invoke(_app(), ["effect", "evaluate", "--json"])
    assert res.exit_code == 2 and "--panel" in res.output


def _app():
    from perron.cli import app

    return app


ADMIN = Principal(0, "cli:prorail", "x", "prorail", Role.ADMIN)
OTHER = Principal(0, "cli:ns", "x", "ns", Role.ADMIN)
OPERATOR = Principal(0, "op", "x", "prorail", Role.OPERATOR)
VIEWER = Principal(0, "vw", "x", "prorail", Role.VIEWER)


def test_service_rules_store_list_and_party_isolation(engine):
    from perron.store.tables.access import AuditEntry

    panel = make_panel(units=30, periods=30, treated=10, seed=2)
    with pytest.raises(Forbidden):
        evaluate_panel(OPERATOR, panel)
    ev = evaluate_panel(VIEWER, panel, options=None)
    with transaction(engine) as s:
        with pytest.raises(Forbidden):
            save_evaluation(s, VIEWER, ev, title="t", source="panel", panel_sha256="x")
        before = s.scalar(select(func.count()).select_from(AuditEntry))
        stored = save_evaluation(
            s, ADMIN, ev, title="Test", source="panel", panel_sha256=panel_digest(panel)
        )
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    with transaction(engine) as s:
        got = get_evaluation(s, ADMIN, stored.id)
        assert got.result["att"] == pytest.approx(ev.att)
        assert got.synthetic and got.result["synthetic"]
        assert [e.id for e in list_evaluations(s, ADMIN)] == [stored.id]
        assert list_evaluations(s, OTHER) == []
        with pytest.raises(NotFound):
            get_evaluation(s, OTHER, stored.id)
        with pytest.raises(NotFound):
            get_evaluation(s, ADMIN, 10**12)


def _measure_db(db_url):
    """Registry incidents for 2023–2024 and a deal measure (cameras at UT from 2024-07)."""
    from perron.programme import DealInput, MeasureInput, PartyShare, add_measure, create_deal
    from perron.registry.synthetic import generate

    engine = make_engine(db_url)
    try:
        for year in (2023, 2024):
            with transaction(engine) as s:
                generate(s, year, seed=4, scale=0.3)
        with transaction(engine) as s:
            create_deal(
                s,
                ADMIN,
                DealInput(
                    "T-1",
                    "Test deal",
                    ["UT"],
                    [PartyShare("prorail", "lead")],
                    status="running",
                    synthetic=True,
                ),
                "test",
            )
            m = add_measure(
                s,
                ADMIN,
                "T-1",
                MeasureInput(
                    "cctv",
                    "UT",
                    "platform",
                    "prorail",
                    100_000,
                    status="in_progress",
                    actual_start=date(2024, 7, 1),
                ),
                "test",
            )
            accounts.create_user(s, "an1", "analyst-password", "prorail", "analyst", "An")
            accounts.create_user(s, "ns1", "analyst-password", "ns", "analyst", "Ns")
        return int(m["id"])
    finally:
        engine.dispose()


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_measure_cli_api_and_web(settings, db_url, client, panel_file):
    mid = _measure_db(db_url)
    runner = CliRunner()
    res = runner.invoke(_app(), ["effect", "evaluate", "--measure", str(mid), "--json", "--save"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    _check_contract(out)
    assert out["method"] == "synthetic_control" and out["treated_units"] == 1
    assert out["measure"]["stations"] == ["UT"] and out["measure"]["actual_start"] == "2024-07-01"
    assert out["last_period"] == "2024-12"
    assert out["synthetic"]  # a synthetic deal is labelled so
    assert out["donors"] and out["first_period"] == "2023-01"
    eid = out["evaluation_id"]
    evid = runner.invoke(_app(), ["effect", "evidence", "--json"])
    assert evid.exit_code == 0, evid.output
    rows = json.loads(evid.stdout)
    assert [(r["measure_code"], r["evaluation_id"]) for r in rows] == [("cctv", eid)]
    assert rows[0]["relative"] == pytest.approx(out["relative"])
    # the programme's progress report has a section on the effect of measures
    from perron.programme.report import progress_report, render_html

    engine = make_engine(db_url)
    try:
        with transaction(engine) as s:
            rep = progress_report(s, ADMIN, "en")
    finally:
        engine.dispose()
    assert [e["title"] for e in rep["effects"]] == ["cctv at UT (T-1)"]
    assert "Effect of measures" in render_html(rep)
    missing = runner.invoke(_app(), ["effect", "evaluate", "--measure", "999999", "--json"])
    assert missing.exit_code == 2 and "no deal measure" in missing.output

    # API: a panel as CSV, errors as problems, a party sees only its own
    assert client.post("/api/effect/evaluate", content=b"x").status_code == 401
    client.post("/login", data={"username": "an1", "password": "analyst-password"})
    set_csrf_header(client)
    r = client.post(
        "/api/effect/evaluate",
        content=panel_file.read_bytes(),
        params={"replicates": 49, "placebos": 9},
    )
    assert r.status_code == 200, r.text
    _check_contract(r.json())
    bad = client.post("/api/effect/evaluate", content=b"unit,period,outcome,treated_from\nA,x,1,\n")
    assert bad.status_code == 422 and "row 2, field period" in bad.json()["detail"]
    assert bad.headers["content-type"].startswith("application/problem+json")
    m = client.post(f"/api/effect/measures/{mid}/evaluate", params={"save": "true"})
    assert m.status_code == 200 and m.json()["measure"]["measure_id"] == mid
    assert client.post("/api/effect/measures/0/evaluate").status_code == 404
    ids = [e["id"] for e in client.get("/api/effect/evaluations").json()]
    assert eid in ids and m.json()["evaluation_id"] in ids
    assert client.get(f"/api/effect/evaluations/{eid}").json()["result"]["method"] == (
        "synthetic_control"
    )
    # the web page as a person reads it
    page = client.get(f"/effect/{eid}")
    assert page.status_code == 200
    for needle in (
        'data-testid="effect-event"',
        'data-testid="donor-map"',
        'data-testid="verdict"',
        'data-testid="synthetic-label"',
        "Effect:",
    ):
        assert needle in page.text
    en = client.get(f"/effect/{eid}", params={"lang": "en"})
    assert "Effect by month since the start" in en.text
    assert client.get("/effect").status_code == 200
    client.post("/logout")
    client.headers.pop("X-CSRF-Token", None)
    client.cookies.clear()  # another user at another browser
    client.post("/login", data={"username": "ns1", "password": "analyst-password"})
    set_csrf_header(client)
    assert client.get(f"/api/effect/evaluations/{eid}").status_code == 404
    assert client.get(f"/effect/{eid}").status_code == 404

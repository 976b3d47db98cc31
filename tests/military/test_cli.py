"""The command-line contract: ``perron military plan ... --json``."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

BASE = ["--earliest", "2026-12-08T20:30", "--length-m", "600", "--mass-t", "2000"]


def _run(*args: str):
    from perron.cli import app

    return CliRunner().invoke(app, ["military", "plan", *args])


def _plan(*args: str) -> dict:
    res = _run(*args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def vs_zv() -> dict:
    return _plan("--from", "VS", "--to", "ZV", *BASE)


def test_plan_json_contract(vs_zv):
    out = vs_zv
    assert out["route"][0] == "VS" and out["route"][-1] == "ZV"
    dep = datetime.fromisoformat(out["departure"])
    arr = datetime.fromisoformat(out["arrival"])
    assert datetime(2026, 12, 8, 20, 30) <= dep < arr
    ci = out["civil_impact"]
    assert isinstance(ci["trains_affected"], int) and ci["trains_affected"] >= 0
    assert isinstance(ci["series"], list)
    assert isinstance(out["alternatives"], list) and out["alternatives"]
    for alt in out["alternatives"]:
        assert alt["route"][0] == "VS" and alt["route"][-1] == "ZV"
        assert {"departure", "arrival", "civil_impact", "rank"} <= set(alt)
    # consecutive codes are adjacent stations of the network
    from perron.military.data import network

    net = network()
    for a, b in zip(out["route"], out["route"][1:], strict=False):
        assert net.link(a, b) is not None
    assert "compiled by hand" in out["reference_label"] or "met de hand" in out["reference_label"]
    assert any("not in the data" in a for a in out["assumptions"])


def test_avoid_changes_the_route(vs_zv):
    route = vs_zv["route"]
    link = f"{route[len(route) // 2]}-{route[len(route) // 2 + 1]}"
    other = _plan("--from", "VS", "--to", "ZV", *BASE, "--avoid", link)
    assert other["route"] != route
    a, b = link.split("-")
    pairs = set(zip(other["route"], other["route"][1:], strict=False))
    assert (a, b) not in pairs and (b, a) not in pairs
    assert other["route"][0] == "VS" and other["route"][-1] == "ZV"


def test_rotterdam_to_oldenzaal():
    out = _plan("--from", "RTZ", "--to", "ODZ", *BASE)
    assert out["route"][0] == "RTZ" and out["route"][-1] == "ODZ"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            [
                "--from",
                "VS",
                "--to",
                "ZV",
                "--earliest",
                "2026-12-08T20:30",
                "--length-m",
                "800",
                "--mass-t",
                "2000",
            ],
            "length_m",
        ),
        (["--from", "VS", "--to", "QQQ", *BASE], "destination"),
        (["--from", "XX1", "--to", "ZV", *BASE], "origin"),
        (["--from", "VS", "--to", "ZV", *BASE, "--avoid", "VS-VSS"], "avoid"),
        (["--from", "VS", "--to", "ZV", *BASE, "--avoid", "VS-EEM"], "avoid"),
        (["--from", "VS", "--to", "ZV", *BASE, "--avoid", "VS-VS"], "avoid"),
        (
            [
                "--from",
                "VS",
                "--to",
                "ZV",
                "--earliest",
                "tomorrow",
                "--length-m",
                "600",
                "--mass-t",
                "2000",
            ],
            "earliest",
        ),
        (
            [
                "--from",
                "VS",
                "--to",
                "ZV",
                "--earliest",
                "2026-12-08T20:30",
                "--length-m",
                "600",
                "--mass-t",
                "-5",
            ],
            "mass_t",
        ),
    ],
)
def test_impossible_or_malformed_requests_fail_clearly(args, needle):
    res = _run(*args, "--json")
    assert res.exit_code != 0
    assert res.stdout == ""
    assert needle in res.stderr


def test_the_avoid_set_that_disconnects_says_so():
    res = _run("--from", "VS", "--to", "ZV", *BASE, "--avoid", "VS-VSS", "--json")
    assert "no route" in res.stderr and "disconnect" in res.stderr


def test_electric_trains_keep_off_lines_without_wire_diesel_may_use_them():
    from perron.military.rules import NON_ELECTRIFIED

    res = _run("--from", "RTZ", "--to", "EEM", *BASE, "--json")
    assert res.exit_code != 0 and "traction" in res.stderr
    out = _plan("--from", "RTZ", "--to", "EEM", *BASE, "--traction", "diesel")
    assert out["route"][-1] == "EEM"
    unwired = set().union(*NON_ELECTRIFIED.values())
    assert unwired & set(out["route"])
    electric = _plan("--from", "VS", "--to", "ZV", *BASE)
    assert not unwired & set(electric["route"][1:-1])


def test_real_plans_obey_headways_closures_and_wait_rules(vs_zv):
    from perron.military.model import Settings
    from perron.military.occupancy import civil_trains
    from perron.military.planner import parse_request, shipped_inputs
    from perron.military.rules import closures, may_wait

    inputs = shipped_inputs()
    req = parse_request(vs_zv["request"], inputs.network)
    settings = Settings()
    t0 = req.earliest
    closed = {frozenset((c.a, c.b)) for c in closures(req, inputs.context)}
    for plan in [vs_zv] + [a for a in vs_zv["alternatives"] if a["kind"] == "conflict_free"]:
        links = list(zip(plan["route"], plan["route"][1:], strict=False))
        windows = {w: dict(inputs.occupancy(w)) for w in (1, 4)}
        civil = civil_trains(links, windows, t0, settings.horizon_h * 60, settings)
        for w in plan["waits"]:
            assert may_wait(w["station"], req, inputs.context)
        for leg in plan["legs"]:
            assert frozenset((leg["from"], leg["to"])) not in closed
            te = (datetime.fromisoformat(leg["enter"]) - t0).total_seconds() / 60
            tx = (datetime.fromisoformat(leg["exit"]) - t0).total_seconds() / 60
            for c in civil[(leg["from"], leg["to"])]:
                follows = te >= c.enter + 3 - 1e-6 and tx >= c.exit + 3 - 1e-6
                leads = te + 3 <= c.enter + 1e-6 and tx + 3 <= c.exit + 1e-6
                assert follows or leads, (leg, c)


def test_dangerous_goods_keep_off_the_schiphol_tunnel():
    plain = _plan("--from", "HFD", "--to", "ASDZ", *BASE)
    assert "SHL" in plain["route"]
    rid = _plan("--from", "HFD", "--to", "ASDZ", *BASE, "--rid-class", "1.4")
    assert "SHL" not in rid["route"]
    assert rid["request"]["dangerous_goods"] is True


def test_save_list_show_pdf_and_decide_through_the_cli(settings, tmp_path):
    from perron.cli import app

    runner = CliRunner()
    out = _plan("--from", "RTZ", "--to", "ODZ", *BASE, "--save", "--reference", "exercise 7")
    rid = out["request_id"]
    res = runner.invoke(app, ["military", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows[0]["id"] == rid and rows[0]["reference"] == "exercise 7"
    pdf = tmp_path / "briefing.pdf"
    res = runner.invoke(app, ["military", "show", str(rid), "--pdf", str(pdf), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["plan"]["route"] == out["route"]
    assert pdf.read_bytes().startswith(b"%PDF-1.4")
    res = runner.invoke(
        app, ["military", "show", str(rid), "--party", "ns", "--role", "admin", "--json"]
    )
    assert res.exit_code != 0 and "may not read" in res.stderr
    res = runner.invoke(app, ["military", "decide", str(rid), "approved", "--rank", "0", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["status"] == "approved"


def test_avoiding_a_section_between_stations_that_are_not_adjacent(vs_zv):
    from perron.military.data import network

    net = network()
    route = vs_zv["route"]
    i = len(route) // 3
    a, b = route[i], route[i + 2]
    assert net.link(a, b) is None
    other = _plan("--from", "VS", "--to", "ZV", *BASE, "--avoid", f"{a}-{b}")
    assert len(other["request"]["avoid"]) >= 2
    pairs = {frozenset(p) for p in zip(other["route"], other["route"][1:], strict=False)}
    for link in other["request"]["avoid"]:
        assert frozenset(link.split("-")) not in pairs


def test_passenger_minutes_come_from_the_travellers_estimate_of_each_link():
    from perron.military.planner import _estimated_load, _travellers

    load = _estimated_load()
    assert load["RTZ-RTB"] == load["RTB-RTZ"] > 0
    out = _plan(
        "--from",
        "RTZ",
        "--to",
        "ODZ",
        "--earliest",
        "2026-12-08T17:00",
        "--length-m",
        "740",
        "--mass-t",
        "2400",
        "--urgent",
    )
    priority = [a for a in [out, *out["alternatives"]] if a["civil_impact"]["displaced"]]
    assert priority, "an urgent evening transport out of Rotterdam displaces civil trains"
    for plan in priority:
        ci = plan["civil_impact"]
        expected = sum(
            (load.get(d["link"]) or _travellers(d["product"]))
            * (30.0 if d["action"] != "wait" else d["delay_minutes"])
            for d in ci["displaced"]
        )
        assert ci["passenger_minutes"] == round(expected)
    assert any("travellers estimate" in a for a in out["assumptions"])

"""Access rules, audit and the threat register on SQLite and PostgreSQL, and the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from perron.access import accounts
from perron.network import service
from perron.network.model import NetworkDataError
from perron.network.threats import (
    THREATS,
    ThreatKind,
    impact_class,
    likelihood_class,
    register_threat,
)
from perron.registry.disruptions import import_disruptions
from perron.store.tables.access import AuditEntry
from perron.store.tables.network import NetworkThreat

HEADER = (
    "rdt_id,ns_lines,rdt_lines,rdt_lines_id,rdt_station_names,rdt_station_codes,cause_nl,"
    "cause_en,statistical_cause_nl,statistical_cause_en,cause_group,start_time,end_time,"
    "duration_minutes\n"
)


def _row(i: int, code: str, cause: str, year: int) -> str:
    return (
        f'{i},x,"x",1,"x","{code}",{cause},x,{cause},x,external,'
        f"{year}-03-01 03:00:00,{year}-03-01 05:00:00,120"
    )


def _users(session):
    made = {}
    for name, party, role in (
        ("pr-admin", "prorail", "admin"),
        ("pr-analyst", "prorail", "analyst"),
        ("police", "politie", "analyst"),
        ("ns-analyst", "ns", "analyst"),
        ("gemeente", "gm0344", "analyst"),
    ):
        made[name] = accounts.create_user(session, name, "a-long-password-1", party, role)
    session.flush()
    return made


def _actions(session):
    return [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_criticality_and_scenarios_are_restricted_and_audited(session):
    u = _users(session)
    crit = service.criticality_for(session, u["ns-analyst"], "evening")
    assert crit.window == "evening" and len(crit.links) == 433
    with pytest.raises(service.NetworkAccessDenied, match="gm0344"):
        service.criticality_for(session, u["gemeente"])
    result, saved = service.run_scenario(
        session, u["pr-analyst"], ["MP-ZL"], [], "day", 2.0, "noord afgesneden"
    )
    assert saved is not None and "GN" in result.isolated_stations
    assert [s.name for s in service.list_scenarios(session, u["pr-admin"])] == ["noord afgesneden"]
    assert service.list_scenarios(session, u["ns-analyst"]) == []  # other parties' scenarios
    with pytest.raises(NetworkDataError, match="'X-Y'"):
        service.run_scenario(session, u["pr-analyst"], ["X-Y"], [])
    session.commit()
    actions = _actions(session)
    assert actions.count("network.criticality.read") == 1
    assert actions.count("network.scenario.run") == 1


def test_threat_register_needs_a_clearance_and_every_read_is_audited(session, tmp_path):
    u = _users(session)
    rows = [_row(i, "ZL", "koperdiefstal", 2012 + i % 10) for i in range(1, 41)]
    rows += [_row(100 + i, "ASD", "vandalisme", 2015) for i in range(3)]
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    import_disruptions(session, path)
    session.flush()
    with pytest.raises(service.NetworkAccessDenied, match="clearance"):
        service.read_register(session, u["pr-admin"])
    with pytest.raises(service.NetworkAccessDenied, match="ProRail admin"):
        service.grant_clearance(session, u["pr-analyst"], "police", "read")
    with pytest.raises(service.NetworkAccessDenied, match="gm0344"):
        service.grant_clearance(session, u["pr-admin"], "gemeente", "read")
    with pytest.raises(service.NetworkAccessDenied, match="only ProRail"):
        service.grant_clearance(session, u["pr-admin"], "police", "edit")
    service.grant_clearance(session, u["pr-admin"], "pr-admin", "edit")
    service.grant_clearance(session, u["pr-admin"], "police", "read")
    summary = service.compute_register(session, u["pr-admin"])
    assert summary["created"] > 0
    with pytest.raises(service.NetworkAccessDenied, match="edit"):
        service.compute_register(session, u["police"])
    reg = service.read_register(session, u["police"], "copper_theft")
    zl = [e for e in reg.entries if e.asset_kind == "station" and e.asset_ref == "ZL"]
    assert len(zl) == 1
    # 40 incidents over the 10 years of history → 4 a year → likelihood 5
    assert zl[0].incidents == 40 and zl[0].likelihood == 5
    assert zl[0].impact == impact_class(
        next(
            s for s in service.analysis.criticality("day").stations if s.code == "ZL"
        ).passenger_hours_lost_per_hour
    )
    links = {e.asset_ref for e in reg.entries if e.asset_kind == "link"}
    assert "DV-ZL" in links or any("ZL" in x.split("-") for x in links)
    assert sum(map(sum, reg.matrix)) >= len(reg.entries)
    new_id = service.add_threat(
        session, u["pr-admin"], "link", "zl-mp", "extreme_weather", 3, 5, "storm"
    )
    mid = service.add_measure(session, u["pr-admin"], new_id, "bus bridge", "prorail")
    assert mid > 0
    with pytest.raises(NetworkDataError, match="already in the register"):
        service.add_threat(session, u["pr-admin"], "link", "MP-ZL", "extreme_weather", 3, 5, "x")
    with pytest.raises(NetworkDataError, match="likelihood 9"):
        service.add_threat(session, u["pr-admin"], "station", "UT", "cyber", 9, 5, "x")
    with pytest.raises(service.NotFound):
        service.add_measure(session, u["pr-admin"], 999_999, "x", "prorail")
    full = service.read_register(session, u["pr-admin"])
    hand = [e for e in full.entries if e.hand_compiled]
    assert len(hand) == 1 and hand[0].asset_ref == "MP-ZL" and hand[0].status == "mitigating"
    assert hand[0].likelihood_basis.startswith("compiled by hand")
    assert hand[0].measures[0]["description"] == "bus bridge"
    # recomputing keeps the hand-compiled entry
    service.compute_register(session, u["pr-admin"])
    row = session.scalar(select(NetworkThreat).where(NetworkThreat.id == new_id))
    assert row is not None and row.hand_compiled and row.likelihood == 3
    session.commit()
    actions = _actions(session)
    assert actions.count("network.register.read") == 2
    assert actions.count("network.register.denied") >= 2
    assert "network.clearance.grant" in actions


def test_threat_kinds_are_a_registry():
    assert {"sabotage", "copper_theft", "cable_fire", "cyber", "extreme_weather"} <= set(THREATS)
    with pytest.raises(ValueError, match="already registered"):
        register_threat(ThreatKind("cyber", "x", "x", ()))
    assert [likelihood_class(r) for r in (0, 0.1, 0.5, 1, 3)] == [1, 2, 3, 4, 5]


def test_api_needs_login_register_hidden_and_bad_input_is_422(web_client):
    c = web_client
    r = c.get("/api/network/criticality?window=evening")
    assert r.status_code == 200 and r.json()["window"] == "evening"
    assert len(r.json()["edges"]) == 433
    r = c.post("/api/network/scenarios", json={"links": ["X-Y"]})
    assert r.status_code == 422 and "'X-Y'" in r.json()["detail"]
    r = c.post("/api/network/scenarios", json={"links": ["UT-UTZL"], "name": "a"})
    assert r.status_code == 200 and r.json()["id"] and r.json()["passenger_hours_lost_per_hour"] > 0
    r = c.post("/api/network/scenarios", json={"links": ["UT-UTZL"], "duration_hours": 10**9})
    assert r.status_code == 422
    r = c.get("/api/network/register")
    assert r.status_code == 403 and "clearance" in r.json()["detail"]
    paths = c.get("/openapi.json").json()["paths"]
    assert "/api/network/criticality" in paths
    assert not any(p.startswith("/api/network/register") for p in paths)
    page = c.get("/network")
    assert page.status_code == 200
    assert 'data-testid="network-map"' in page.text and "SCHATTING" in page.text
    assert 'data-testid="register-denied"' in page.text
    c.cookies.clear()
    assert c.get("/api/network/criticality").status_code == 401

"""Stored requests and plans, the access policy and the audit trail, on SQLite and PostgreSQL;
the API on top of them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.military import (
    MilitaryAccessDenied,
    NotFound,
    PlanningError,
    decide,
    get_request,
    list_requests,
    plan_transport,
)
from perron.store.tables.access import AuditEntry
from perron.store.tables.military import MilitaryPlan, MilitaryRequest

REQ = {
    "origin": "VS",
    "destination": "ZV",
    "earliest": "2026-12-08T21:00",
    "length_m": 600,
    "mass_t": 2000,
}
PLANNER = Principal(1, "planner", "Planner", "prorail", Role.OPERATOR)
DEFENCE = Principal(2, "defence", "Defence", "defensie", Role.OPERATOR)
NS = Principal(3, "ns-admin", "NS", "ns", Role.ADMIN)
ILT = Principal(4, "ilt", "ILT", "ilt", Role.ANALYST)
IENW_VIEWER = Principal(5, "ienw-viewer", "IenW", "ienw", Role.VIEWER)


def _audit(session, action):
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_plan_is_stored_with_alternatives_and_audited(session):
    planned = plan_transport(session, DEFENCE, REQ)
    session.commit()
    row = session.get(MilitaryRequest, planned.request_id)
    assert row.party_code == "defensie" and row.created_by == "defence"
    plans = session.scalars(
        select(MilitaryPlan).where(MilitaryPlan.request_id == row.id).order_by(MilitaryPlan.rank)
    ).all()
    assert len(plans) == 1 + len(planned.plan["alternatives"])
    assert plans[0].route.split() == planned.plan["route"]
    (entry,) = _audit(session, "military.plan")
    assert entry.actor == "defence" and entry.subject == f"military_request:{row.id}"

    detail = get_request(session, ILT, row.id)
    assert detail["plan"]["route"] == planned.plan["route"]
    assert len(detail["plan"]["alternatives"]) == len(planned.plan["alternatives"])
    assert [e.party for e in _audit(session, "military.read")] == ["ilt"]
    rows = list_requests(session, PLANNER)
    assert rows[0]["id"] == row.id and rows[0]["departure"] == planned.plan["departure"]

    with pytest.raises(MilitaryAccessDenied):
        decide(session, DEFENCE, row.id, "approved")
    out = decide(session, PLANNER, row.id, "approved", 1, "take the first alternative")
    assert out["status"] == "approved" and out["chosen_rank"] == 1
    with pytest.raises(PlanningError):
        decide(session, PLANNER, row.id, "rejected")
    session.commit()
    assert [e.actor for e in _audit(session, "military.approved")] == ["planner"]


@pytest.mark.parametrize("actor", [NS, IENW_VIEWER])
def test_other_parties_and_roles_are_refused_and_nothing_is_written(session, actor):
    with pytest.raises(MilitaryAccessDenied):
        plan_transport(session, actor, REQ)
    with pytest.raises(MilitaryAccessDenied):
        list_requests(session, actor)
    assert session.scalars(select(MilitaryRequest)).all() == []


def test_invalid_request_writes_nothing(session):
    with pytest.raises(PlanningError) as err:
        plan_transport(session, PLANNER, REQ | {"length_m": 741})
    assert err.value.field == "length_m"
    with pytest.raises(NotFound):
        get_request(session, PLANNER, 999)
    assert session.scalars(select(MilitaryRequest)).all() == []
    assert _audit(session, "military.plan") == []


def test_api_plan_read_pdf_decide_and_refusals(client, db_url):
    from perron.access import accounts
    from perron.store.db import make_engine, transaction

    engine = make_engine(db_url)
    with transaction(engine) as s:
        planner = accounts.create_user(s, "planner", "planner-password-1", "prorail", "operator")
        nsuser = accounts.create_user(s, "nsuser", "nsuser-password-1", "ns", "admin")
        tok = accounts.create_api_token(s, planner, "test")
        ns_tok = accounts.create_api_token(s, nsuser, "test")
    engine.dispose()
    auth = {"Authorization": f"Bearer {tok}"}
    r = client.post("/api/military/plans", json=REQ | {"avoid": ["GDM-TPSW"]}, headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["route"][0] == "VS" and body["route"][-1] == "ZV"
    assert "met de hand" in body["reference_label"]
    rid = body["request_id"]
    r = client.get(f"/api/military/plans/{rid}", headers=auth)
    assert r.status_code == 200 and r.json()["plan"]["route"] == body["route"]
    r = client.get(f"/api/military/plans/{rid}/pdf", headers=auth)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-1.4")
    assert b"compiled by hand" in r.content
    r = client.post(f"/api/military/plans/{rid}/decision", json={"decision": "maybe"}, headers=auth)
    assert r.status_code == 422 and r.json()["field"] == "decision"
    r = client.post(
        f"/api/military/plans/{rid}/decision", json={"decision": "approved"}, headers=auth
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    bad = client.post("/api/military/plans", json=REQ | {"length_m": 900}, headers=auth)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["field"] == "length_m"
    unknown = client.post("/api/military/plans", json=REQ | {"origin": "ZZZ"}, headers=auth)
    assert unknown.status_code == 422 and unknown.json()["field"] == "origin"
    huge = client.post("/api/military/plans", json=REQ | {"avoid": ["A-B"] * 60}, headers=auth)
    assert huge.status_code == 422
    assert client.get("/api/military/plans/99999", headers=auth).status_code == 404
    ns = {"Authorization": f"Bearer {ns_tok}"}
    assert client.get(f"/api/military/plans/{rid}", headers=ns).status_code == 403
    assert client.post("/api/military/plans", json=REQ, headers=ns).status_code == 403
    assert client.get("/api/military/plans").status_code == 401
    ref = client.get("/api/military/reference", headers=auth).json()
    assert len(ref["sites"]) == 28 and "compiled by hand" in ref["reference_label_en"]


def test_demo_prepares_two_labelled_transports_once(settings, session):
    from perron.military.demo import prepare

    first = prepare(settings)
    assert "2 demo transports planned" in first
    assert "present" in prepare(settings)
    rows = session.scalars(select(MilitaryRequest)).all()
    assert len(rows) == 2 and all(r.demo for r in rows)
    assert {(r.origin, r.destination) for r in rows} == {("VS", "ZV"), ("RTZ", "ODZ")}
    assert any(r.urgent for r in rows)

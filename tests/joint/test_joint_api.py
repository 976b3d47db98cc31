"""Agreements through the API and the pages: who may propose, approve, read; other parties'
agreements stay invisible; bad input is a 422 naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import set_csrf_header
from perron.access import accounts
from perron.store.db import transaction
from perron.store.tables.access import AuditEntry

PASSWORD = "joint figures need a passphrase 42"


def _client(app, engine, username: str, party: str, role: str) -> TestClient:
    with transaction(engine) as s:
        principal = accounts.create_user(s, username, PASSWORD, party, role, username)
        token = accounts.create_api_token(s, principal, "test")
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


PROPOSAL = {
    "title": "Incidenten 2024",
    "parties": ["ns", "prorail", "politie"],
    "addresses": ["ns.example:7301", "prorail.example:7302", "politie.example:7303"],
    "since": "2024-01-01",
    "until": "2024-12-31",
}


@pytest.fixture
def clients(app, engine):
    return {
        "analyst": _client(app, engine, "pr-analyst", "prorail", "analyst"),
        "admin": _client(app, engine, "pr-admin", "prorail", "admin"),
        "viewer": _client(app, engine, "pr-viewer", "prorail", "viewer"),
        "other": _client(app, engine, "gm-admin", "gm0344", "admin"),
    }


def test_propose_approve_and_withdraw(clients, engine):
    r = clients["analyst"].post("/api/joint/agreements", json=PROPOSAL)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["status"] == "awaiting approval" and a["stations"] == 397
    again = clients["analyst"].post("/api/joint/agreements", json=PROPOSAL)
    assert again.status_code == 422 and "already" in again.json()["detail"]
    # only the admin signs off
    denied = clients["analyst"].post(f"/api/joint/agreements/{a['id']}/approve")
    assert denied.status_code == 403
    ok = clients["admin"].post(f"/api/joint/agreements/{a['id']}/approve")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    # a party not in the agreement does not see it at all
    assert clients["other"].get("/api/joint/agreements").json() == []
    assert clients["other"].post(f"/api/joint/agreements/{a['id']}/approve").status_code == 404
    out = clients["admin"].post(f"/api/joint/agreements/{a['id']}/withdraw")
    assert out.json()["status"] == "withdrawn"
    run = clients["admin"].post(f"/api/joint/agreements/{a['id']}/run", json={"index": 1})
    assert run.status_code == 422 and "withdrawn" in run.json()["detail"]
    with transaction(engine) as s:
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("joint.%"))
        ).all()
    assert actions == ["joint.propose", "joint.approve", "joint.withdraw"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parties": ["ns", "prorail"]}, "parties"),
        ({"addresses": ["a:1", "b:2", "c:3"]}, "port"),
        ({"until": "2023-12-31"}, "until"),
        ({"since": "2020-01-01"}, "36 months"),
        ({"privacy": "noisy"}, "epsilon"),
        ({"privacy": "noisy", "epsilon": 11}, "epsilon"),
        ({"parties": ["ns", "gm0344", "politie"]}, "your party"),
        ({"title": "x" * 300}, "title"),
    ],
)
def test_bad_proposals_are_422_naming_the_field(clients, change, field):
    r = clients["analyst"].post("/api/joint/agreements", json={**PROPOSAL, **change})
    assert r.status_code == 422, r.text
    assert field in r.text


def test_a_viewer_reads_but_does_not_propose(clients):
    assert clients["viewer"].get("/api/joint/agreements").status_code == 200
    assert clients["viewer"].post("/api/joint/agreements", json=PROPOSAL).status_code == 403
    assert clients["viewer"].get("/api/joint/budget").status_code == 403


def test_nothing_without_login(app):
    client = TestClient(app)
    assert client.get("/api/joint/agreements").status_code == 401
    assert client.get("/api/joint/runs/1").status_code == 401


def test_the_page_lists_agreements_and_approves_with_a_form(clients, app, engine):
    clients["analyst"].post("/api/joint/agreements", json=PROPOSAL)
    page = TestClient(app)
    r = page.post(
        "/login",
        data={"username": "pr-admin", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    set_csrf_header(page)
    html = page.get("/joint").text
    assert "Incidenten 2024" in html and "wacht op akkoord" in html
    ids = clients["admin"].get("/api/joint/agreements").json()
    r = page.post(f"/joint/agreements/{ids[0]['id']}/approve", follow_redirects=True)
    assert r.status_code == 200 and "akkoord" in r.text
    assert clients["admin"].get("/api/joint/agreements").json()[0]["status"] == "approved"
    assert page.get("/joint/runs/999").status_code == 404

"""API tokens: a bounded lifetime, minted only from a web session, listed and revoked through the
API and the CLI, every mint and revocation audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from typer.testing import CliRunner

from perron.access import accounts
from perron.store.db import make_engine, transaction
from perron.store.tables.access import AuditEntry
from perron.store.tables.accounts import ApiToken

PASSWORD = "operator-password-1"


def _users(db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        accounts.create_user(s, "op1", PASSWORD, "prorail", "operator", "Op One")
        accounts.create_user(s, "op2", PASSWORD, "prorail", "operator", "Op Two")
    engine.dispose()


def _login(client, username="op1"):
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json().get("csrf_token", "")


def _actions(db_url):
    engine = make_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(select(AuditEntry.action, AuditEntry.actor).order_by(AuditEntry.seq))
        out = [tuple(r) for r in rows]
    engine.dispose()
    return out


def test_tokens_expire_and_the_lifetime_is_bounded(client, db_url):
    _users(db_url)
    _login(client)
    r = client.post("/api/auth/tokens", json={"name": "script"})
    assert r.status_code == 200, r.text
    body = r.json()
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    r = client.post("/api/auth/tokens", json={"name": "forever", "days": 100_000})
    assert r.status_code == 422
    assert "at most" in r.json()["detail"]
    token = body["token"]
    engine = make_engine(db_url)
    with transaction(engine) as s:
        s.execute(
            update(ApiToken)
            .where(ApiToken.id == body["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    engine.dispose()
    client.cookies.clear()
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_a_token_cannot_mint_tokens(client, db_url):
    _users(db_url)
    _login(client)
    token = client.post("/api/auth/tokens", json={"name": "script"}).json()["token"]
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    r = client.post(
        "/api/auth/tokens", json={"name": "child"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403, r.text
    assert "web session" in r.json()["detail"]


def test_list_and_revoke_through_the_api(client, db_url):
    _users(db_url)
    _login(client, "op2")
    other = client.post("/api/auth/tokens", json={"name": "theirs"}).json()
    client.cookies.clear()
    _login(client)
    mine = client.post("/api/auth/tokens", json={"name": "mine", "days": 7}).json()
    listed = client.get("/api/auth/tokens").json()["tokens"]
    assert [t["name"] for t in listed] == ["mine"]
    assert "token" not in listed[0] and listed[0]["revoked_at"] is None
    assert client.delete(f"/api/auth/tokens/{other['id']}").status_code == 404
    r = client.delete(f"/api/auth/tokens/{mine['id']}")
    assert r.status_code == 200 and r.json()["revoked_at"]
    bearer = {"Authorization": f"Bearer {mine['token']}"}
    client.cookies.clear()
    assert client.get("/api/auth/me", headers=bearer).status_code == 401
    assert (
        client.get("/api/auth/me", headers={"Authorization": f"Bearer {other['token']}"}).json()[
            "username"
        ]
        == "op2"
    )
    actions = _actions(db_url)
    assert ("token.create", "op2") in actions and ("token.create", "op1") in actions
    assert ("token.revoke", "op1") in actions


def test_logout_ends_the_session_but_not_the_tokens(client, db_url):
    _users(db_url)
    _login(client)
    token = client.post("/api/auth/tokens", json={"name": "script"}).json()["token"]
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").status_code == 401
    client.cookies.clear()
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_cli_lists_and_revokes(client, db_url, settings):
    from perron.cli import app

    _users(db_url)
    _login(client)
    made = client.post("/api/auth/tokens", json={"name": "gateway"}).json()
    runner = CliRunner()
    res = runner.invoke(app, ["tokens", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["id"], r["user"], r["name"], r["active"]) for r in rows] == [
        (made["id"], "op1", "gateway", True)
    ]
    assert {"created_at", "expires_at", "last_used_at", "revoked_at"} <= set(rows[0])
    res = runner.invoke(app, ["tokens", "revoke", str(made["id"])])
    assert res.exit_code == 0, res.output
    rows = json.loads(runner.invoke(app, ["tokens", "list", "--json"]).stdout)
    assert rows[0]["active"] is False and rows[0]["revoked_at"]
    res = runner.invoke(app, ["tokens", "revoke", "999"])
    assert res.exit_code != 0 and "no token 999" in res.output
    client.cookies.clear()
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {made['token']}"})
    assert r.status_code == 401
    assert ("token.revoke", "cli") in _actions(db_url)

from perron.access import accounts
from perron.store.db import make_engine, transaction


def _make_user(db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        accounts.create_user(s, "op1", "operator-password", "prorail", "operator", "Op One")
    engine.dispose()


def test_login_sets_a_session_and_me_answers(client, db_url):
    _make_user(db_url)
    assert client.get("/api/auth/me").status_code == 401
    response = client.post(
        "/api/auth/login", json={"username": "op1", "password": "operator-password"}
    )
    assert response.status_code == 200
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    assert client.get("/api/auth/me").json() == {
        "username": "op1",
        "display_name": "Op One",
        "party": "prorail",
        "role": "operator",
    }
    client.post("/api/auth/logout")
    assert client.get("/api/auth/me").status_code == 401


def test_api_tokens_work_as_bearer_and_unknown_tokens_are_refused(client, db_url):
    _make_user(db_url)
    r = client.post("/api/auth/login", json={"username": "op1", "password": "operator-password"})
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    token = client.post("/api/auth/tokens", json={"name": "script"}).json()["token"]
    client.cookies.clear()
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "op1"
    bad = client.get("/api/auth/me", headers={"Authorization": "Bearer prn_nope"})
    assert bad.status_code == 401
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_failed_logins_are_rate_limited(client, db_url):
    _make_user(db_url)
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        r = client.post("/api/auth/login", json={"username": "op1", "password": "wrong"})
        assert r.status_code == 401
    r = client.post("/api/auth/login", json={"username": "op1", "password": "operator-password"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "too many" in r.json()["detail"]

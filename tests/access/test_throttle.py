"""Login throttling slows a password guesser down (per account and address, and per address)
with a growing delay, but never locks the owner out on another client; X-Forwarded-For counts
only from a configured proxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from perron.access import accounts
from perron.config import Settings
from perron.store.db import make_engine, transaction
from perron.store.tables.accounts import LoginAttempt

PASSWORD = "operator-password-1"


def _user(db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        accounts.create_user(s, "op1", PASSWORD, "prorail", "operator", "Op One")
    engine.dispose()


def _client(app, host):
    return TestClient(app, client=(host, 50000))


def _fail(c, n, headers=None, username="op1"):
    for _ in range(n):
        r = c.post(
            "/api/auth/login", json={"username": username, "password": "wrong"}, headers=headers
        )
        assert r.status_code == 401, r.text


def _ok(c, headers=None):
    return c.post(
        "/api/auth/login", json={"username": "op1", "password": PASSWORD}, headers=headers
    )


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_the_owner_logs_in_from_another_client_while_an_attacker_is_slowed(app, db_url):
    _user(db_url)
    attacker, owner = _client(app, "203.0.113.9"), _client(app, "198.51.100.7")
    _fail(attacker, accounts.FREE_FAILURES_PER_ACCOUNT)
    r = _ok(attacker)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert _ok(owner).status_code == 200  # not locked out


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(app, db_url, settings):
    _user(db_url)
    local = _client(app, "127.0.0.1")
    for i in range(accounts.FREE_FAILURES_PER_ACCOUNT):
        _fail(local, 1, headers={"X-Forwarded-For": f"10.9.9.{i}"})
    assert _ok(local, headers={"X-Forwarded-For": "10.9.9.200"}).status_code == 429

    from perron.api.app import create_app

    proxied = create_app(Settings(**{**settings.__dict__, "trusted_proxies": ("127.0.0.0/8",)}))
    via_proxy = _client(proxied, "127.0.0.1")
    _fail(via_proxy, accounts.FREE_FAILURES_PER_ACCOUNT, {"X-Forwarded-For": "10.1.1.1"})
    assert _ok(via_proxy, {"X-Forwarded-For": "10.1.1.1"}).status_code == 429
    # behind the proxy another client address is another client
    assert _ok(via_proxy, {"X-Forwarded-For": "6.6.6.6, 10.2.2.2"}).status_code == 200


def test_the_delay_grows_with_the_failures_and_is_bounded(session):
    _user(session.get_bind().url.render_as_string(hide_password=False))
    now = datetime.now(UTC)

    def wait_after(n: int, remote: str) -> int:
        for i in range(n):
            session.add(
                LoginAttempt(
                    username="op1", remote=remote, at=now - timedelta(seconds=n - i), success=False
                )
            )
        session.flush()
        with pytest.raises(accounts.TooManyAttempts) as exc:
            accounts.authenticate(session, "op1", PASSWORD, remote)
        return exc.value.retry_after

    waits = [wait_after(n, f"192.0.2.{n}") for n in (5, 6, 8, 12)]
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert wait_after(40, "192.0.2.99") <= accounts.MAX_DELAY.total_seconds()
    # the owner elsewhere is let in
    assert accounts.authenticate(session, "op1", PASSWORD, "192.0.2.250").username == "op1"


def test_one_address_guessing_many_accounts_is_slowed(session):
    now = datetime.now(UTC)
    for i in range(accounts.FREE_FAILURES_PER_REMOTE):
        session.add(LoginAttempt(username=f"user{i}", remote="192.0.2.1", at=now, success=False))
    session.flush()
    with pytest.raises(accounts.TooManyAttempts):
        accounts.authenticate(session, "someone-else", "whatever-password", "192.0.2.1")


def test_client_address():
    from perron.access.accounts import client_address

    assert client_address("127.0.0.1", "6.6.6.6", ()) == "127.0.0.1"
    trusted = ("127.0.0.1", "10.0.0.0/8")
    assert client_address("127.0.0.1", "6.6.6.6", trusted) == "6.6.6.6"
    assert client_address("127.0.0.1", "1.1.1.1, 6.6.6.6, 10.0.0.3", trusted) == "6.6.6.6"
    assert client_address("8.8.8.8", "6.6.6.6", trusted) == "8.8.8.8"
    assert client_address("127.0.0.1", "garbage", trusted) == "127.0.0.1"

"""Webhooks: delivery from the outbox to a real local HTTP server, with retries and backoff."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from live.alertkit import T0, change
from perron.live import webhooks
from perron.live.alerts import apply_changes
from perron.store.tables.live import WebhookDelivery


class _Flaky(BaseHTTPRequestHandler):
    """Fails the first two requests with 503, then accepts."""

    received: list[tuple[dict, bytes]] = []
    calls = 0

    def do_POST(self):  # noqa: N802
        cls = type(self)
        cls.calls += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if cls.calls <= 2:
            self.send_response(503)
        else:
            cls.received.append((dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Flaky.received, _Flaky.calls = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_delivery_retries_with_backoff_until_accepted(session, receiver):
    sub = webhooks.subscribe(session, party="ns", url=receiver, secret="s3cret")
    other = webhooks.subscribe(session, party="gm0363", url=receiver)  # not its alert
    (aid,) = apply_changes(session, [change()], now=T0)
    session.commit()
    rows = list(session.scalars(select(WebhookDelivery)))
    assert [(r.subscription_id, r.event, r.status) for r in rows] == [
        (sub.id, "alert.created", "pending")
    ]
    assert other.id not in {r.subscription_id for r in rows}

    run = webhooks.deliver_due(session, now=T0)
    assert (run.delivered, run.retried) == (0, 1)
    row = rows[0]
    assert row.attempts == 1 and row.next_attempt_at == T0 + timedelta(seconds=2)
    assert row.last_error == "HTTP 503"
    # not due yet: nothing is tried
    assert webhooks.deliver_due(session, now=T0 + timedelta(seconds=1)).retried == 0
    run = webhooks.deliver_due(session, now=T0 + timedelta(seconds=2))
    assert run.retried == 1 and row.next_attempt_at == T0 + timedelta(seconds=6)  # 2 + 4 s
    session.commit()  # the outbox survives: a new run in a new transaction picks it up
    run = webhooks.deliver_due(session, now=T0 + timedelta(seconds=6))
    session.commit()
    assert run.delivered == 1 and row.status == "delivered" and row.attempts == 3
    headers, body = _Flaky.received[0]
    assert headers["X-Perron-Event"] == "alert.created"
    assert headers["X-Perron-Signature"] == webhooks.signature("s3cret", body)
    assert json.loads(body)["id"] == aid


def test_backoff_and_giving_up(session):
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert webhooks.backoff(30) == timedelta(hours=1)
    webhooks.subscribe(session, party="ns", url="http://127.0.0.1:9/nothing-listens")
    apply_changes(session, [change()], now=T0)
    now = T0
    for _ in range(webhooks.MAX_ATTEMPTS):
        webhooks.deliver_due(session, now=now)
        now += timedelta(hours=2)
    row = session.scalar(select(WebhookDelivery))
    assert row.status == "failed" and row.attempts == webhooks.MAX_ATTEMPTS
    assert "ConnectError" in row.last_error


def test_cap_and_ngsi_formats_are_sent_as_such(session):
    webhooks.subscribe(session, party="ns", url="http://127.0.0.1:9/x", fmt="cap")
    webhooks.subscribe(session, party="ns", url="http://127.0.0.1:9/y", fmt="ngsi-ld")
    apply_changes(session, [change()], now=T0)
    rows = list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
    assert rows[0].content_type == "application/cap+xml" and "<alert" in rows[0].body
    assert rows[1].content_type == "application/ld+json"
    assert json.loads(rows[1].body)["type"] == "Alert"
    with pytest.raises(webhooks.WebhookError, match="unknown format"):
        webhooks.subscribe(session, party="ns", url="http://x", fmt="xml")

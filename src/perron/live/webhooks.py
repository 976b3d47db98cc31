"""Webhooks: parties subscribe a URL; every alert created or updated for them is written to an
outbox in the same transaction as the change, and delivered from there with retries.

Delivery: HTTP POST of the alert (``json``: the API form; ``cap``: CAP 1.2 XML; ``ngsi-ld``:
the NGSI-LD ``Alert`` entity) with headers ``X-Perron-Event`` (alert.created | alert.updated),
``X-Perron-Delivery`` (the outbox id, for de-duplication at the receiver) and
``X-Perron-Signature: sha256=<hex HMAC-SHA256 of the body with the subscription's secret>``.
A 2xx answer is success; anything else (or no answer within 10 s) is retried after
2, 4, 8, … seconds (at most 1 hour apart), up to 10 attempts, then marked failed. The outbox
survives restarts: pending rows are picked up by the next delivery run.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from perron.interop.exporters import alert_formats, export_alert, exporter
from perron.live.views import parties_of
from perron.store.tables.accounts import Party
from perron.store.tables.live import WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from perron.store.tables.live import Alert

BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 10
TIMEOUT_S = 10.0


class WebhookError(ValueError):
    pass


def subscribe(
    session: Session,
    *,
    party: str,
    url: str,
    fmt: str = "json",
    only_responsible: bool = True,
    secret: str | None = None,
) -> WebhookSubscription:
    """Add a subscription; returns it (its ``secret`` signs the deliveries)."""
    if fmt not in alert_formats():
        raise WebhookError(f"unknown format {fmt!r}; choose one of {', '.join(alert_formats())}")
    if not url.startswith(("http://", "https://")):
        raise WebhookError(f"url {url!r} must start with http:// or https://")
    if session.get(Party, party) is None:
        raise WebhookError(f"unknown party {party!r}")
    sub = WebhookSubscription(
        party_code=party,
        url=url,
        secret=secret or secrets.token_urlsafe(32),
        format=fmt,
        only_responsible=only_responsible,
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(sub)
    session.flush()
    return sub


def enqueue(session: Session, alert: Alert, kind: str, *, now: datetime | None = None) -> int:
    """Write one outbox row per matching active subscription; returns how many."""
    subs = session.info.get("perron_webhook_subs")
    if subs is None:
        subs = list(session.scalars(select(WebhookSubscription).where(WebhookSubscription.active)))
        # cached for the transaction: the live engine enqueues for many alerts per batch
        session.info["perron_webhook_subs"] = subs
    if not subs:
        return 0
    now = now or datetime.now(UTC)
    parties = parties_of(alert)
    n = 0
    for sub in subs:
        if sub.only_responsible and sub.party_code not in parties:
            continue
        session.add(
            WebhookDelivery(
                subscription_id=sub.id,
                alert_id=alert.id,
                event=kind,
                content_type=exporter(sub.format, "alert").media_type,
                body=export_alert(sub.format, session, alert).decode("utf-8"),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        n += 1
    return n


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_subscriptions(session: Session, *_args) -> None:
    session.info.pop("perron_webhook_subs", None)


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 2 s, 4 s, 8 s, … at most one hour."""
    return min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class DeliveryRun:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(
    session: Session,
    *,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    limit: int = 100,
) -> DeliveryRun:
    """Try every pending delivery that is due; the caller commits. Returns the counts."""
    now = now or datetime.now(UTC)
    run = DeliveryRun()
    rows = list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )
    if not rows:
        return run
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT_S)
    try:
        for row in rows:
            sub = session.get(WebhookSubscription, row.subscription_id)
            if sub is None or not sub.active:
                row.status, row.last_error = "failed", "subscription removed or inactive"
                run.failed += 1
                continue
            body = row.body.encode()
            error = None
            try:
                resp = http.post(
                    sub.url,
                    content=body,
                    headers={
                        "Content-Type": row.content_type,
                        "X-Perron-Event": row.event,
                        "X-Perron-Delivery": str(row.id),
                        "X-Perron-Signature": signature(sub.secret, body),
                    },
                )
                if not 200 <= resp.status_code < 300:
                    error = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            row.attempts += 1
            if error is None:
                row.status, row.delivered_at, row.last_error = "delivered", now, None
                run.delivered += 1
            elif row.attempts >= MAX_ATTEMPTS:
                row.status, row.last_error = "failed", error
                run.failed += 1
            else:
                row.last_error = error
                row.next_attempt_at = now + backoff(row.attempts)
                run.retried += 1
    finally:
        if own:
            http.close()
    return run

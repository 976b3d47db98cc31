"""Tables of the live capability."""


# --- Alerts, response units, lifecycle transitions and webhooks (alerts half of live) --------

from datetime import datetime as _dt  # noqa: E402
from typing import Any

from sqlalchemy import JSON as _JSON  # noqa: E402
from sqlalchemy import Boolean as _Boolean  # noqa: E402
from sqlalchemy import Float as _Float  # noqa: E402
from sqlalchemy import ForeignKey as _FK  # noqa: E402
from sqlalchemy import Index as _Index  # noqa: E402
from sqlalchemy import Integer as _Integer  # noqa: E402
from sqlalchemy import String as _String  # noqa: E402
from sqlalchemy import Text as _Text  # noqa: E402
from sqlalchemy.orm import Mapped as _Mapped  # noqa: E402
from sqlalchemy.orm import mapped_column as _col  # noqa: E402

from perron.store.base import Base as _Base  # noqa: E402
from perron.store.types import UTCDateTime as _UTC  # noqa: E402


class ResponseUnit(_Base):
    """A team that can be sent to an alert: boa's, security staff or police, with position and
    status (available, dispatched, on_scene, off_duty)."""

    __tablename__ = "response_unit"

    id: _Mapped[int] = _col(_Integer, primary_key=True)
    code: _Mapped[str] = _col(_String(40), unique=True)
    name: _Mapped[str] = _col(_String(120))
    party_code: _Mapped[str] = _col(_FK("party.code"), index=True)
    kind: _Mapped[str] = _col(_String(20))  # boa | security | police
    status: _Mapped[str] = _col(_String(20), index=True)
    lat: _Mapped[float] = _col(_Float)
    lng: _Mapped[float] = _col(_Float)
    home_station_code: _Mapped[str | None] = _col(_FK("station.code"), nullable=True)
    user_id: _Mapped[int | None] = _col(
        _FK("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    synthetic: _Mapped[bool] = _col(_Boolean, default=False)
    updated_at: _Mapped[_dt] = _col(_UTC())


class Alert(_Base):
    """One situation at a station: opened by a correlation rule, updated while it lasts, and
    taken through the lifecycle new → acknowledged → dispatched → on scene → resolved."""

    __tablename__ = "alert"
    __table_args__ = (
        _Index("ix_alert_dedup_open", "dedup_key", "state"),
        _Index("ix_alert_updated", "updated_at", "id"),
    )

    id: _Mapped[int] = _col(_Integer, primary_key=True)
    dedup_key: _Mapped[str] = _col(_String(120))
    rule_id: _Mapped[str] = _col(_String(48), index=True)
    station_code: _Mapped[str] = _col(_FK("station.code"), index=True)
    zone: _Mapped[str | None] = _col(_String(20), nullable=True)
    domain: _Mapped[str] = _col(_String(20))  # station | surroundings
    severity: _Mapped[str] = _col(_String(10))
    initial_severity: _Mapped[str] = _col(_String(10))
    subcategory: _Mapped[str] = _col(_String(30))
    title_nl: _Mapped[str] = _col(_String(120))
    title_en: _Mapped[str] = _col(_String(120))
    state: _Mapped[str] = _col(_String(20), index=True)
    responsible_party: _Mapped[str] = _col(_FK("party.code"), index=True)
    escalation_level: _Mapped[int] = _col(_Integer, default=0)
    trigger_count: _Mapped[int] = _col(_Integer, default=1)
    event_ids: _Mapped[list[Any]] = _col(_JSON)
    detail: _Mapped[dict[str, Any]] = _col(_JSON)
    unit_id: _Mapped[int | None] = _col(_FK("response_unit.id", ondelete="SET NULL"), nullable=True)
    outcome: _Mapped[str | None] = _col(_String(20), nullable=True)
    outcome_note: _Mapped[str | None] = _col(_Text, nullable=True)
    synthetic: _Mapped[bool] = _col(_Boolean, default=False)
    first_event_at: _Mapped[_dt] = _col(_UTC())
    last_event_at: _Mapped[_dt] = _col(_UTC())
    created_at: _Mapped[_dt] = _col(_UTC(), index=True)
    updated_at: _Mapped[_dt] = _col(_UTC())
    ack_due_at: _Mapped[_dt | None] = _col(_UTC(), nullable=True)
    acknowledged_at: _Mapped[_dt | None] = _col(_UTC(), nullable=True)
    dispatched_at: _Mapped[_dt | None] = _col(_UTC(), nullable=True)
    on_scene_at: _Mapped[_dt | None] = _col(_UTC(), nullable=True)
    resolved_at: _Mapped[_dt | None] = _col(_UTC(), nullable=True)


class AlertTransition(_Base):
    """Every change of an alert's state (and every escalation), with time and actor."""

    __tablename__ = "alert_transition"

    id: _Mapped[int] = _col(_Integer, primary_key=True)
    alert_id: _Mapped[int] = _col(_FK("alert.id", ondelete="CASCADE"), index=True)
    from_state: _Mapped[str | None] = _col(_String(20), nullable=True)
    to_state: _Mapped[str] = _col(_String(20))
    at: _Mapped[_dt] = _col(_UTC())
    actor: _Mapped[str] = _col(_String(80))
    note: _Mapped[str | None] = _col(_Text, nullable=True)


class WebhookSubscription(_Base):
    """A party's URL that receives every alert created or updated for it (or for all, when the
    party filter is empty), signed with HMAC-SHA256 of a shared secret."""

    __tablename__ = "webhook_subscription"

    id: _Mapped[int] = _col(_Integer, primary_key=True)
    party_code: _Mapped[str] = _col(_FK("party.code"), index=True)
    url: _Mapped[str] = _col(_String(500))
    secret: _Mapped[str] = _col(_String(128))
    format: _Mapped[str] = _col(_String(10))  # json | cap | ngsi-ld
    only_responsible: _Mapped[bool] = _col(_Boolean, default=True)
    active: _Mapped[bool] = _col(_Boolean, default=True)
    created_at: _Mapped[_dt] = _col(_UTC())


class WebhookDelivery(_Base):
    """The outbox: one row per message to deliver; survives restarts, retried with backoff."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (_Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: _Mapped[int] = _col(_Integer, primary_key=True)
    subscription_id: _Mapped[int] = _col(
        _FK("webhook_subscription.id", ondelete="CASCADE"), index=True
    )
    alert_id: _Mapped[int] = _col(_FK("alert.id", ondelete="CASCADE"), index=True)
    event: _Mapped[str] = _col(_String(20))  # alert.created | alert.updated
    content_type: _Mapped[str] = _col(_String(60))
    body: _Mapped[str] = _col(_Text)
    status: _Mapped[str] = _col(_String(12))  # pending | delivered | failed
    attempts: _Mapped[int] = _col(_Integer, default=0)
    next_attempt_at: _Mapped[_dt] = _col(_UTC())
    last_error: _Mapped[str | None] = _col(_Text, nullable=True)
    created_at: _Mapped[_dt] = _col(_UTC())
    delivered_at: _Mapped[_dt | None] = _col(_UTC(), nullable=True)


# --- Sensor events and the camera registry (ingest half of live) ----------------------------

from sqlalchemy import UniqueConstraint as _Unique  # noqa: E402


class SensorEvent(_Base):
    """One sensed event as stored: metadata only (label, score, zone, counts, times). The id is
    stable per source message, so a redelivered message is recognised and ignored."""

    __tablename__ = "sensor_event"

    id: _Mapped[str] = _col(_String(160), primary_key=True)
    source: _Mapped[str] = _col(_String(20))
    kind: _Mapped[str] = _col(_String(20))
    label: _Mapped[str] = _col(_String(40))
    score: _Mapped[float | None] = _col(_Float, nullable=True)
    station_code: _Mapped[str] = _col(_String(10))
    zone: _Mapped[str | None] = _col(_String(20), nullable=True)
    camera: _Mapped[str | None] = _col(_String(80), nullable=True)
    count: _Mapped[int | None] = _col(_Integer, nullable=True)
    value: _Mapped[float | None] = _col(_Float, nullable=True)
    phase: _Mapped[str | None] = _col(_String(10), nullable=True)
    attributes: _Mapped[dict[str, Any]] = _col(_JSON)
    occurred_at: _Mapped[_dt] = _col(_UTC(), index=True)
    received_at: _Mapped[_dt] = _col(_UTC())


class CameraMapping(_Base):
    """The camera registry: a camera (and optionally one of its Frigate zones; '' maps the whole
    camera) belongs to a station zone."""

    __tablename__ = "camera_mapping"
    __table_args__ = (_Unique("camera", "frigate_zone", name="uq_camera_mapping"),)

    id: _Mapped[int] = _col(_Integer, primary_key=True)
    camera: _Mapped[str] = _col(_String(80))
    frigate_zone: _Mapped[str] = _col(_String(80))
    station_code: _Mapped[str] = _col(_FK("station.code"), index=True)
    zone: _Mapped[str] = _col(_String(20))
    updated_at: _Mapped[_dt] = _col(_UTC())

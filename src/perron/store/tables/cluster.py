"""Tables of the live cluster: leases of live workers, their health, and the dead letters.

On PostgreSQL several ``perron live`` workers share one database: each station is owned by one
worker at a time through a row of ``live_lease`` (owner, expiry, and an epoch that grows on every
change of owner and that every write of the owner checks). ``live_worker`` holds each worker's
heartbeat and health; ``live_dead_letter`` keeps the messages no worker could read, with the
reason, for inspection.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime


class LiveLease(Base):
    """A lease: ``station:<code>`` for the stations of the live engine, ``leader:<name>`` for a
    task that must run once across processes (see :mod:`perron.live.cluster`)."""

    __tablename__ = "live_lease"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LiveWorker(Base):
    """One live worker (by its MQTT client id): heartbeat and health."""

    __tablename__ = "live_worker"

    client_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(120))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_commit_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lag_s: Mapped[float] = mapped_column(Float, default=0.0)
    stations: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class LiveDeadLetter(Base):
    """A message kept aside: malformed, oversized, from an unknown camera or station."""

    __tablename__ = "live_dead_letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    client_id: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(20), index=True)
    detail: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # the first bytes, as text

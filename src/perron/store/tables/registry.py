"""Tables of the incident registry: incidents (current state), their versions, and links
between reports of the same event."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime

PERSONAL = {"personal": True}


def _now() -> datetime:
    return datetime.now(UTC)


class Incident(Base):
    """One incident as it stands now: the facts of its newest version, kept beside the versions
    so lists and aggregates need no join. Written only together with a new version."""

    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("party_code", "party_ref"),
        Index("ix_incident_station_occurred", "station_code", "occurred_at"),
        Index("ix_incident_category_occurred", "category", "occurred_at"),
        Index("ix_incident_party_occurred", "party_code", "occurred_at"),
        Index("ix_incident_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_code: Mapped[str] = mapped_column(ForeignKey("party.code"))
    party_ref: Mapped[str | None] = mapped_column(String(80), nullable=True)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    station_code: Mapped[str | None] = mapped_column(ForeignKey("station.code"), nullable=True)
    zone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    line_section: Mapped[str | None] = mapped_column(String(160), nullable=True)
    level_crossing_id: Mapped[int | None] = mapped_column(
        ForeignKey("level_crossing.id"), nullable=True
    )
    other_stations: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    victim_role: Mapped[str | None] = mapped_column(String(12), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True, info=PERSONAL)
    person_ref: Mapped[str | None] = mapped_column(
        String(40), nullable=True, index=True, info=PERSONAL
    )
    status: Mapped[str] = mapped_column(String(12), default="open")
    source: Mapped[str] = mapped_column(String(12), default="party")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: set when an analyst confirmed that this report is the same event as another: figures
    #: count only incidents without it, so a confirmed duplicate counts once
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


class IncidentVersion(Base):
    """Every registration and every correction of an incident: never updated, never deleted
    (personal fields excepted, which retention and erasure blank)."""

    __tablename__ = "incident_version"
    __table_args__ = (UniqueConstraint("incident_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    recorded_by: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    station_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    zone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    line_section: Mapped[str | None] = mapped_column(String(160), nullable=True)
    level_crossing_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    victim_role: Mapped[str | None] = mapped_column(String(12), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True, info=PERSONAL)
    person_ref: Mapped[str | None] = mapped_column(
        String(40), nullable=True, index=True, info=PERSONAL
    )
    status: Mapped[str] = mapped_column(String(12), default="open")


class IncidentLink(Base):
    """A proposed or decided link between two reports of the same event."""

    __tablename__ = "incident_link"
    __table_args__ = (UniqueConstraint("incident_id", "linked_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    linked_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="duplicate")
    status: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

"""Tables of the inspections capability: station walk-throughs (schouwen), their findings and
photos, actions with their evidence, the safety-recommendations register and one history table
of every change to an action, a finding or a recommendation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime


class InspectionPhoto(Base):
    """A photo of a place, re-encoded without metadata (no EXIF, no GPS) and bounded in size."""

    __tablename__ = "inspection_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    party_code: Mapped[str] = mapped_column(ForeignKey("party.code"), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionWalk(Base):
    """One walk through a station with one target group, by day or after dark."""

    __tablename__ = "inspection_walk"
    __table_args__ = (Index("ix_inspection_walk_station_day", "station_code", "walked_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_ref: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"))
    walked_on: Mapped[date] = mapped_column(Date)
    start_time: Mapped[str] = mapped_column(String(5))  # HH:MM, local time
    light: Mapped[str] = mapped_column(String(10))  # day | night
    group: Mapped[str] = mapped_column(String(30), index=True)
    template_version: Mapped[str] = mapped_column(String(20))
    team: Mapped[str] = mapped_column(String(300))
    party_code: Mapped[str] = mapped_column(ForeignKey("party.code"), index=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    feeling: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionFinding(Base):
    """Something a walk found in one zone: kind, severity, place, an optional photo and the
    measure it suggests (a code of the measure catalogue)."""

    __tablename__ = "inspection_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_walk.id", ondelete="CASCADE"), index=True
    )
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    zone: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    measure_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_photo.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SafetyRecommendation(Base):
    """A recommendation of the Dutch Safety Board (OvV), the inspectorate (ILT) or an internal
    audit, with its response deadline, the response, its assessment and the follow-up status."""

    __tablename__ = "safety_recommendation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(60), unique=True)
    issuer: Mapped[str] = mapped_column(String(80), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    addressee: Mapped[str] = mapped_column(String(120))
    addressee_party: Mapped[str | None] = mapped_column(
        ForeignKey("party.code"), nullable=True, index=True
    )
    monitor_party: Mapped[str | None] = mapped_column(ForeignKey("party.code"), nullable=True)
    title: Mapped[str] = mapped_column(String(500))
    response_due: Mapped[date] = mapped_column(Date, index=True)
    responded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    assessment: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    source_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    compiled_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionAction(Base):
    """What a party will do about a finding or a recommendation: owner, due date, status."""

    __tablename__ = "inspection_action"
    __table_args__ = (Index("ix_inspection_action_owner_status", "owner_party", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_finding.id"), nullable=True, index=True
    )
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("safety_recommendation.id"), nullable=True, index=True
    )
    station_code: Mapped[str | None] = mapped_column(
        ForeignKey("station.code"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    owner_party: Mapped[str] = mapped_column(ForeignKey("party.code"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # open | in_progress | closed
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionEvidence(Base):
    """Evidence for closing an action or a recommendation: a note, a link, a photo or a later
    walk that no longer finds the problem."""

    __tablename__ = "inspection_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_action.id"), nullable=True, index=True
    )
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("safety_recommendation.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # note | link | photo | rewalk
    note: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_photo.id"), nullable=True)
    walk_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_walk.id"), nullable=True)
    party_code: Mapped[str] = mapped_column(ForeignKey("party.code"))
    added_by: Mapped[str] = mapped_column(String(80))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionHistory(Base):
    """One change of an action, a finding or a recommendation: who, when, what and why."""

    __tablename__ = "inspection_history"
    __table_args__ = (Index("ix_inspection_history_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))  # action | recommendation | finding
    subject_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(80))
    party_code: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

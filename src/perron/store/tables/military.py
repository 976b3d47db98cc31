"""Tables of the military capability: transport requests and the plans made for them.

Military plans are sensitive: only the parties and roles of :mod:`perron.military.access` read
them, and every read and write goes to the audit trail. No names of persons are stored; the
requester is a user id of the accounts table and a party code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime


class MilitaryRequest(Base):
    """One request for a military train path, as the planner entered it, and its decision."""

    __tablename__ = "military_request"
    __table_args__ = (Index("ix_military_request_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))  # username of the requester
    party_code: Mapped[str] = mapped_column(String(40), index=True)
    reference: Mapped[str] = mapped_column(String(80))
    origin: Mapped[str] = mapped_column(String(8))
    destination: Mapped[str] = mapped_column(String(8))
    earliest: Mapped[str] = mapped_column(String(19))  # local time, Europe/Amsterdam
    latest_arrival: Mapped[str | None] = mapped_column(String(19))
    urgent: Mapped[bool] = mapped_column(Boolean)
    dangerous_goods: Mapped[bool] = mapped_column(Boolean)
    request_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # planned|approved|rejected
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(500))
    chosen_rank: Mapped[int | None] = mapped_column(Integer)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class MilitaryPlan(Base):
    """A plan for a request: rank 0 is the proposed plan, 1.. the ranked alternatives."""

    __tablename__ = "military_plan"
    __table_args__ = (Index("ix_military_plan_request_rank", "request_id", "rank", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("military_request.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # conflict_free|priority
    reason: Mapped[str] = mapped_column(String(20))  # best|other_route|later_departure|priority...
    departure: Mapped[str] = mapped_column(String(19))
    arrival: Mapped[str] = mapped_column(String(19))
    route: Mapped[str] = mapped_column(Text)  # station codes separated by spaces
    km: Mapped[float] = mapped_column(Float)
    trains_affected: Mapped[int] = mapped_column(Integer)
    plan_json: Mapped[str] = mapped_column(Text)

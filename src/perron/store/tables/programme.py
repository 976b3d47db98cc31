"""Tables of the programme: budget lines, station deals (stationsdeals) with their stations,
parties, measures, milestones and documents, and the history of every change to a deal.

Amounts are whole euros. A deal measure's ``id`` is stable for its whole life: effect evaluation
refers to it. Changes are never written over silently: each one adds a ``deal_change`` row with
who, when, why and the values before and after.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
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


class BudgetLine(Base):
    """A source of money: the programme (€ 20 M), the Stationsagenda, bodycams, Maarheeze, ..."""

    __tablename__ = "budget_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    funder_party: Mapped[str] = mapped_column(ForeignKey("party.code"))
    amount_eur: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class StationDeal(Base):
    """A station deal: agreements between parties on measures at and around stations."""

    __tablename__ = "station_deal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_line.id"), nullable=True)
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DealStation(Base):
    __tablename__ = "deal_station"
    __table_args__ = (UniqueConstraint("deal_id", "station_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("station_deal.id"), index=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)


class DealParty(Base):
    """A party in a deal with its role and the share of the budget it brings."""

    __tablename__ = "deal_party"
    __table_args__ = (UniqueConstraint("deal_id", "party_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("station_deal.id"), index=True)
    party_code: Mapped[str] = mapped_column(ForeignKey("party.code"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # lead, funder, executor, partner
    budget_share_eur: Mapped[int] = mapped_column(BigInteger, default=0)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_line.id"), nullable=True)


class DealMeasure(Base):
    """One measure of a deal, in one zone of one station; its ``id`` never changes."""

    __tablename__ = "deal_measure"
    __table_args__ = (Index("ix_deal_measure_station_status", "station_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("station_deal.id"), index=True)
    measure_code: Mapped[str] = mapped_column(String(40), index=True)  # catalogue code
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"))
    zone: Mapped[str] = mapped_column(String(20))
    domain: Mapped[str] = mapped_column(String(20))  # station | surroundings (from the zone)
    owner_party: Mapped[str] = mapped_column(ForeignKey("party.code"))
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_line.id"), nullable=True)
    cost_eur: Mapped[int] = mapped_column(BigInteger)
    spent_eur: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20))  # planned, in_progress, completed, cancelled
    planned_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    planned_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    actual_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    actual_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class DealMilestone(Base):
    __tablename__ = "deal_milestone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("station_deal.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class DealDocument(Base):
    __tablename__ = "deal_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("station_deal.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))


class DealChange(Base):
    """One change to a deal or one of its parts: who, when, why, before and after (JSON)."""

    __tablename__ = "deal_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("station_deal.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    party: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(20))  # deal, measure, party, station, ...
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)

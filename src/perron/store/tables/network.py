"""Tables of the network capability: saved scenarios and the threat register.

The threat register is sensitive (it lists where the network is weakest and what is done about
it): only users with a clearance (:class:`NetworkClearance`) may read it, and every read is
written to the audit trail by :mod:`perron.network.service`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime


class NetworkScenario(Base):
    """A saved outage or sabotage scenario with its computed result (JSON)."""

    __tablename__ = "network_scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    party_code: Mapped[str] = mapped_column(ForeignKey("party.code"), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window: Mapped[str] = mapped_column(String(10))
    duration_hours: Mapped[float] = mapped_column(Float)
    removed_links: Mapped[str] = mapped_column(Text)  # JSON list of "A-B"
    removed_stations: Mapped[str] = mapped_column(Text)  # JSON list of codes
    passenger_hours_lost_per_hour: Mapped[float] = mapped_column(Float)
    result: Mapped[str] = mapped_column(Text)  # JSON of the scenario result


class NetworkClearance(Base):
    """A user's clearance for the threat register: ``read`` or ``edit``."""

    __tablename__ = "network_clearance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    level: Mapped[str] = mapped_column(String(8))
    granted_by: Mapped[str] = mapped_column(String(80))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NetworkThreat(Base):
    """One threat to one asset (link ``A-B``, station code, level crossing id)."""

    __tablename__ = "network_threat"
    __table_args__ = (
        UniqueConstraint("asset_kind", "asset_ref", "threat", name="uq_network_threat_asset"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_kind: Mapped[str] = mapped_column(String(16))  # link|station|level_crossing
    asset_ref: Mapped[str] = mapped_column(String(40), index=True)
    threat: Mapped[str] = mapped_column(String(32))
    likelihood: Mapped[int] = mapped_column(SmallInteger)  # 1..5
    likelihood_basis: Mapped[str] = mapped_column(Text)
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    impact: Mapped[int] = mapped_column(SmallInteger)  # 1..5
    impact_basis: Mapped[str] = mapped_column(Text)
    owner_party: Mapped[str] = mapped_column(ForeignKey("party.code"))
    status: Mapped[str] = mapped_column(String(16))  # open|mitigating|accepted|closed
    hand_compiled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NetworkMeasure(Base):
    """A measure against a threat, with its owner and status."""

    __tablename__ = "network_measure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    threat_id: Mapped[int] = mapped_column(ForeignKey("network_threat.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_party: Mapped[str] = mapped_column(ForeignKey("party.code"))
    status: Mapped[str] = mapped_column(String(16))  # planned|in_progress|done
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    hand_compiled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

"""Tables of joint computations: agreements, approvals, runs and the privacy-budget ledger.

Every party keeps these in its own database: an agreement is proposed in one installation and
the same text (same hash) is approved by each party's admin in its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime


class JointAgreement(Base):
    """One joint computation that the parties agree to: query, parties, purpose, output."""

    __tablename__ = "joint_agreement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spec_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    addresses: Mapped[list[Any]] = mapped_column(JSON)
    parties: Mapped[list[Any]] = mapped_column(JSON)  # party codes, in the order of the addresses
    local_party: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JointRun(Base):
    """One completed joint computation as this party saw it: only the agreed output."""

    __tablename__ = "joint_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("joint_agreement.id"), nullable=True, index=True
    )
    spec_hash: Mapped[str] = mapped_column(String(64), index=True)
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    addresses: Mapped[list[Any]] = mapped_column(JSON)
    party_index: Mapped[int] = mapped_column(Integer)
    local_party: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    result_hash: Mapped[str] = mapped_column(String(64))
    bytes_sent: Mapped[int] = mapped_column(Integer)


class PrivacyBudget(Base):
    """The ε a party has spent on its own data set in one data year."""

    __tablename__ = "privacy_budget"
    __table_args__ = (UniqueConstraint("dataset", "year", name="uq_privacy_budget_dataset_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    budget: Mapped[float] = mapped_column(Float)
    spent: Mapped[float] = mapped_column(Float)


class PrivacySpend(Base):
    """One charge to the ledger: which run spent how much, on what, and why."""

    __tablename__ = "privacy_spend"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("privacy_budget.id"), index=True)
    spec_hash: Mapped[str] = mapped_column(String(64))
    epsilon: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text)

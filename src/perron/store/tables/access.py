"""Tables of the access capability: agreements, audit trail, retention periods."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime


class Agreement(Base):
    """A data-sharing agreement: ``grantee`` may see incidents owned by ``owner``.

    ``level`` is ``detail`` (records, which includes aggregates) or ``aggregate`` (counts only);
    ``purposes`` lists the purposes it covers; ``categories`` the incident categories (``null``:
    all); ``fields`` the extra detail fields beyond the standard ones (free text, personal fields).
    """

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_party: Mapped[str] = mapped_column(ForeignKey("party.code"), index=True)
    grantee_party: Mapped[str] = mapped_column(ForeignKey("party.code"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    categories: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    reference: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEntry(Base):
    """One link of the hash chain: who (actor, party), why (purpose), what (action, subject),
    when (at); ``hash`` = SHA-256 over the canonical JSON of the entry and ``prev_hash``."""

    __tablename__ = "audit_entry"

    # INTEGER on SQLite, so that seq is the rowid and the chain is stored in its own order
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    party: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RetentionPeriod(Base):
    """How long personal data (person references, free text) of a category is kept, overriding
    the defaults in :mod:`perron.access.retention`."""

    __tablename__ = "retention_period"

    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(80))


class IncidentRollup(Base):
    """Incident counts per owner, category group, station and local month: the read side's
    summary for fast aggregates, rebuilt from the registry when it is stale (see
    :mod:`perron.registry.queries`)."""

    __tablename__ = "incident_rollup"
    # a period is read from this index alone (it holds every column), in month order
    __table_args__ = (
        Index(
            "ix_incident_rollup_month_cover",
            "month",
            "station_code",
            "owner_party",
            "category_group",
            "synthetic",
            "n",
        ),
    )

    owner_party: Mapped[str] = mapped_column(String(20), primary_key=True)
    category_group: Mapped[str] = mapped_column(String(40), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(8), primary_key=True)  # "" when none
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, Europe/Amsterdam
    synthetic: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RollupState(Base):
    """What the rollup was built from: the registry's write watermark at that moment."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    watermark: Mapped[str] = mapped_column(String(80))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())

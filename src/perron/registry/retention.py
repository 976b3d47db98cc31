"""Blanking personal data past its retention period, and erasure requests (the periods and the
rules are :mod:`perron.access.retention`'s; the incidents are the registry's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.pseudonym import is_pseudonym
from perron.access.retention import RetentionError, period_for, periods
from perron.registry import read_model as m

__all__ = ["ErasureReport", "PurgeReport", "RetentionError", "erase", "purge"]


@dataclass(frozen=True)
class PurgeReport:
    incidents: int
    versions: int
    cutoffs: dict[str, str]
    dry_run: bool


def purge(
    session: Session, *, now: datetime | None = None, actor: str = "cli", dry_run: bool = False
) -> PurgeReport:
    """Blank personal data of incidents older than their category's retention period."""
    now = now or datetime.now(UTC)
    table = periods(session)
    cutoffs: dict[str, datetime] = {}
    for category, group in m.categories(session):
        cutoffs[category] = now - timedelta(days=period_for(category, group, table))
    incidents, versions = m.purge_personal(session, cutoffs, dry_run=dry_run)
    if not dry_run:
        audit.record(
            session,
            actor=actor,
            party="-",
            purpose="administration",
            action="retention.purge",
            subject="incidents",
            detail={
                "incidents": incidents,
                "versions": versions,
                "periods": {k: v for k, v in sorted(table.items())},
            },
            at=now if now.tzinfo else None,
        )
    return PurgeReport(
        incidents, versions, {k: v.isoformat() for k, v in sorted(cutoffs.items())}, dry_run
    )


@dataclass(frozen=True)
class ErasureReport:
    incidents: int
    versions: int


def erase(
    session: Session, pseudonym: str, *, actor: str = "cli", party: str = "-"
) -> ErasureReport:
    """Remove everything about the person with ``pseudonym``: their reference and the free text
    of every version of every incident that names them. The audit entry records the counts,
    not the pseudonym."""
    if not is_pseudonym(pseudonym):
        raise RetentionError(
            f"{pseudonym!r} is not a pseudonym (expected psn_ followed by 32 hex digits)"
        )
    incidents, versions = m.erase_person(session, pseudonym)
    audit.record(
        session,
        actor=actor,
        party=party,
        purpose="administration",
        action="personal_data.erase",
        subject="erasure-request",
        detail={"incidents": incidents, "versions": versions},
    )
    return ErasureReport(incidents, versions)

"""Retention of personal data and erasure requests.

Personal data in the registry is the person reference (a pseudonym, see
:mod:`perron.access.pseudonym`) and free text (which can name or describe people). It is kept
for a period per category group, then blanked by ``perron incidents purge`` in every version of
the incident; the non-personal record (what, where, when) stays for statistics and
accountability. An erasure request by pseudonym blanks that person's data everywhere at once.
Both (:mod:`perron.registry.retention`, which applies these periods) write an audit entry that says how much was removed — never which person.

Default periods (days), overridable per category or group in the table ``retention_period``
(``perron incidents retention --set GROUP_OR_CATEGORY=DAYS``):
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.store.tables.access import RetentionPeriod

#: Days personal data is kept, per category group; ``*`` is the fallback.
DEFAULT_DAYS: dict[str, int] = {
    "social_safety": 730,  # two years: follow-up, repeat victims, court cases
    "rail_safety": 1826,  # five years: accident investigation and appeals
    "security": 1826,  # five years: sabotage and theft investigations
    "*": 730,
}

__doc__ += "\n".join(f"- ``{k}``: {v}" for k, v in DEFAULT_DAYS.items())


class RetentionError(ValueError):
    pass


def periods(session: Session) -> dict[str, int]:
    """Defaults merged with the configured overrides (category or group → days)."""
    out = dict(DEFAULT_DAYS)
    for row in session.scalars(select(RetentionPeriod)):
        out[row.category] = row.days
    return out


def set_period(session: Session, key: str, days: int, actor: str = "cli") -> None:
    """Set the retention period of category ``key`` to ``days`` (at least one day)."""
    if days < 1:
        raise RetentionError("a retention period is at least one day")
    row = session.get(RetentionPeriod, key)
    now = datetime.now(UTC)
    if row is None:
        session.add(RetentionPeriod(category=key, days=days, updated_at=now, updated_by=actor))
    else:
        row.days, row.updated_at, row.updated_by = days, now, actor
    audit.record(
        session,
        actor=actor,
        party="-",
        purpose="administration",
        action="retention.set",
        subject=f"retention/{key}",
        detail={"days": days},
    )


def period_for(category: str, group: str | None, table: dict[str, int]) -> int:
    if category in table:
        return table[category]
    if group and group in table:
        return table[group]
    return table["*"]

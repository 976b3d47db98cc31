"""Recording and correcting incidents. A correction never overwrites: it is a new version with
author, time and reason, and the incident's current state is the newest version."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.pseudonym import is_pseudonym, pseudonymise
from perron.config import get_settings
from perron.domain.incidents import (
    CORRECTABLE_FIELDS,
    TEXT_LIMITS,
    IncidentError,
    IncidentFacts,
    Source,
    text_problem,
)
from perron.store.tables.reference import LevelCrossing, Station
from perron.store.tables.registry import Incident, IncidentLink, IncidentVersion

FACT_FIELDS = tuple(f for f in IncidentFacts.__dataclass_fields__ if f != "extra")
#: the largest id a record can have (a signed 64-bit integer, as both databases store it)
MAX_ID = 2**63 - 1
#: the longest reason a correction may give
REASON_LIMIT = 2000
_TIMES = frozenset({"occurred_at", "reported_at"})
_NUMBERS = frozenset({"lat", "lng"})


def valid_id(value: Any) -> int | None:
    """``value`` as a record id, or None when it cannot be one (not a number, out of range)."""
    if isinstance(value, bool):
        return None
    try:
        key = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return key if 0 < key <= MAX_ID else None


class RegistryError(ValueError):
    """A request the registry refuses, with a message for a person."""


def _version_row(
    incident_id: int,
    version: int,
    facts: dict[str, Any],
    author: str,
    reason: str | None,
    at: datetime,
) -> dict[str, Any]:
    row = {k: facts.get(k) for k in FACT_FIELDS}
    row.update(
        incident_id=incident_id, version=version, recorded_at=at, recorded_by=author, reason=reason
    )
    return row


def record(
    session: Session,
    party_code: str,
    party_ref: str,
    facts: IncidentFacts,
    author: str,
    *,
    source: str = Source.PARTY.value,
    synthetic: bool = False,
    purpose: str = "operational",
) -> Incident:
    """Register a new incident of ``party_code`` (version 1) and audit the write."""
    facts.validate()
    existing = session.scalar(
        select(Incident.id).where(
            Incident.party_code == party_code, Incident.party_ref == party_ref
        )
    )
    if existing is not None:
        raise RegistryError(
            f"{party_code} already registered {party_ref!r} (incident {existing}); correct it instead"
        )
    now = datetime.now(UTC)
    values = {k: getattr(facts, k) for k in FACT_FIELDS}
    incident = Incident(
        party_code=party_code,
        party_ref=party_ref,
        source=source,
        synthetic=synthetic,
        version=1,
        created_at=now,
        **values,
    )
    session.add(incident)
    session.flush()
    session.add(IncidentVersion(**_version_row(incident.id, 1, values, author, None, now)))
    audit.record(
        session,
        actor=author,
        party=party_code,
        purpose=purpose,
        action="incident.create",
        subject=f"incident/{incident.id}",
        detail={"category": facts.category},
    )
    session.flush()
    return incident


def correct(
    session: Session,
    incident_id: int,
    changes: dict[str, Any],
    reason: str,
    actor: str,
    *,
    party: str | None = None,
    purpose: str = "operational",
) -> int:
    """Write a new version of an incident with ``changes`` applied; returns its number.

    Refuses an empty reason, unknown or unchangeable fields, and a correction that changes
    nothing. The earlier versions stay as they were.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise RegistryError("a correction needs a reason")
    problem = text_problem(reason, REASON_LIMIT)
    if problem:
        raise RegistryError(f"reason: {problem}")
    unknown = {str(k) for k in changes} - CORRECTABLE_FIELDS
    if unknown:
        raise RegistryError(
            f"cannot correct {', '.join(sorted(unknown))[:200]}; "
            f"correctable: {', '.join(sorted(CORRECTABLE_FIELDS))}"
        )
    changes = _coerce(session, changes)
    key = valid_id(incident_id)
    incident = session.get(Incident, key, with_for_update=True) if key else None
    if incident is None:
        raise RegistryError(f"no incident {incident_id}")
    current = {k: getattr(incident, k) for k in FACT_FIELDS}
    updated = {**current, **changes}
    facts = IncidentFacts(**updated)
    try:
        facts.validate()
    except IncidentError as exc:
        raise RegistryError(str(exc)) from exc
    if all(_same(current[k], updated[k]) for k in changes):
        raise RegistryError("the correction changes nothing")
    now = datetime.now(UTC)
    incident.version += 1
    for field_name, value in changes.items():
        setattr(incident, field_name, value)
    session.add(
        IncidentVersion(
            **_version_row(incident.id, incident.version, updated, actor, reason.strip(), now)
        )
    )
    audit.record(
        session,
        actor=actor,
        party=party or incident.party_code,
        purpose=purpose,
        action="incident.correct",
        subject=f"incident/{incident.id}",
        detail={"version": incident.version, "fields": sorted(changes)},
    )
    session.flush()
    return incident.version


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.tzinfo is not None and b.tzinfo is not None and a == b
    return bool(a == b)


def _coerce(session: Session, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes as the model holds them: times parsed (with their zone), numbers as
    numbers, station and level crossing looked up, a person identifier pseudonymised as an
    import does. A value that cannot be one raises RegistryError naming the field."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None:
            out[name] = None
            continue
        if isinstance(value, str):
            problem = text_problem(value, TEXT_LIMITS.get(name, 200))
            if problem:
                raise RegistryError(f"{name}: {problem}")
        if name in _TIMES:
            if isinstance(value, str):
                try:
                    value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
                except ValueError:
                    raise RegistryError(f"{name}: not an ISO 8601 date-time") from None
            if not isinstance(value, datetime):
                raise RegistryError(f"{name}: must be an ISO 8601 date-time with a timezone")
            if value.tzinfo is None:
                raise RegistryError(f"{name}: needs a timezone (e.g. +01:00 or Z)")
        elif name in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise RegistryError(f"{name}: must be a number")
            try:
                value = float(value)
            except (ValueError, OverflowError):
                raise RegistryError(f"{name}: must be a number") from None
        elif name == "level_crossing_id":
            number = valid_id(value) if not isinstance(value, float) else None
            if number is None or number >= 2**31:
                raise RegistryError(f"{name}: must be the number of a known level crossing")
            if session.get(LevelCrossing, number) is None:
                raise RegistryError(f"{name}: unknown level crossing {number}")
            value = number
        elif name == "station_code":
            if not isinstance(value, str):
                raise RegistryError(f"{name}: must be a station code")
            value = value.strip().upper()
            if session.get(Station, value) is None:
                raise RegistryError(f"{name}: unknown station code {value[:20]!r}")
        elif name == "person_ref":
            if not isinstance(value, str):
                raise RegistryError(f"{name}: must be text")
            if not is_pseudonym(value):
                value = pseudonymise(value, get_settings().secret("pseudonym_key"))
        elif not isinstance(value, str):
            raise RegistryError(f"{name}: must be text")
        out[name] = value
    return out


def history(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """Every version of an incident, oldest first."""
    rows = session.scalars(
        select(IncidentVersion)
        .where(IncidentVersion.incident_id == incident_id)
        .order_by(IncidentVersion.version)
    )
    return [
        {
            "version": v.version,
            "recorded_at": v.recorded_at,
            "recorded_by": v.recorded_by,
            "reason": v.reason,
            **{k: getattr(v, k) for k in FACT_FIELDS},
        }
        for v in rows
    ]


def counted():
    """The condition that makes a confirmed duplicate count once: the incident is no
    confirmed duplicate of another."""
    return Incident.duplicate_of.is_(None)


def summary(session: Session) -> dict[str, Any]:
    """Totals by category and by reporting party; a confirmed duplicate counts once."""
    total = session.scalar(select(func.count()).select_from(Incident).where(counted())) or 0
    by_category = dict(
        session.execute(
            select(Incident.category, func.count())
            .where(counted())
            .group_by(Incident.category)
            .order_by(func.count().desc())
        ).all()
    )
    by_source = dict(
        session.execute(
            select(Incident.party_code, func.count())
            .where(counted())
            .group_by(Incident.party_code)
            .order_by(func.count().desc())
        ).all()
    )
    synthetic = (
        session.scalar(
            select(func.count()).select_from(Incident).where(counted(), Incident.synthetic)
        )
        or 0
    )
    links = dict(
        session.execute(
            select(IncidentLink.status, func.count()).group_by(IncidentLink.status)
        ).all()
    )
    return {
        "total": total,
        "by_category": by_category,
        "by_source": by_source,
        "synthetic": synthetic,
        "links": links,
    }


def facts_of(incident: Incident) -> IncidentFacts:
    return IncidentFacts(**{k: getattr(incident, k) for k in FACT_FIELDS})


def as_dict(facts: IncidentFacts) -> dict[str, Any]:
    return {k: v for k, v in asdict(facts).items() if k != "extra"}


def record_incident(
    session: Session,
    party_code: str,
    party_ref: str,
    facts: IncidentFacts,
    author: str,
    *,
    source: str = Source.PARTY.value,
    synthetic: bool = False,
    purpose: str = "operational",
) -> Incident:
    """Register a new incident (version 1); the same as :func:`record`."""
    return record(
        session,
        party_code,
        party_ref,
        facts,
        author,
        source=source,
        synthetic=synthetic,
        purpose=purpose,
    )


def correct_incident(
    session: Session,
    incident_id: int,
    changes: dict[str, Any],
    author: str,
    reason: str,
    *,
    party: str | None = None,
    purpose: str = "operational",
) -> int:
    """Write a correction as a new version; the same as :func:`correct` with the author
    before the reason. Refuses an empty reason."""
    return correct(session, incident_id, changes, reason, author, party=party, purpose=purpose)

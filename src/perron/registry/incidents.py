"""Recording and correcting incidents. A correction never overwrites: it is a new version with
author, time and reason, and the incident's current state is the newest version."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.domain.incidents import CORRECTABLE_FIELDS, IncidentError, IncidentFacts, Source
from perron.store.tables.registry import Incident, IncidentLink, IncidentVersion

FACT_FIELDS = tuple(f for f in IncidentFacts.__dataclass_fields__ if f != "extra")


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
    if not reason or not reason.strip():
        raise RegistryError("a correction needs a reason")
    unknown = set(changes) - CORRECTABLE_FIELDS
    if unknown:
        raise RegistryError(
            f"cannot correct {', '.join(sorted(unknown))}; "
            f"correctable: {', '.join(sorted(CORRECTABLE_FIELDS))}"
        )
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        raise RegistryError(f"no incident {incident_id}")
    current = {k: getattr(incident, k) for k in FACT_FIELDS}
    updated = {**current, **changes}
    facts = IncidentFacts(**updated)
    try:
        facts.validate()
    except IncidentError as exc:
        raise RegistryError(str(exc)) from exc
    if all(current[k] == updated[k] for k in changes):
        raise RegistryError("the correction changes nothing")
    now = datetime.now(UTC)
    incident.version += 1
    for key, value in changes.items():
        setattr(incident, key, value)
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

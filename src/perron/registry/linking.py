"""Linking reports of the same event by several parties.

Two incidents of different parties are proposed as one event when they are at the same
station (or stations at most ``max_km`` apart), in compatible categories (the same category, or
categories of the same group where one side is unspecific) and at most ``window_minutes``
apart. An analyst confirms or rejects each proposal; a confirmed duplicate points at the first
report (``duplicate_of``) and every figure counts it once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.domain.taxonomy import group_of
from perron.reference.bundle import station_by_code
from perron.store.tables.registry import Incident, IncidentLink

#: categories that say little about what happened: compatible with any of their group
UNSPECIFIC = {"police_deployment", "emergency_services", "collision_unspecified"}


class LinkError(ValueError):
    pass


@dataclass(frozen=True)
class Proposal:
    incident_id: int
    linked_id: int
    score: float


def _km(a: str, b: str) -> float:
    if a == b:
        return 0.0
    s = station_by_code()
    sa, sb = s.get(a), s.get(b)
    if sa is None or sb is None:
        return math.inf
    dlat = math.radians(sb.lat - sa.lat)
    dlng = math.radians(sb.lng - sa.lng) * math.cos(math.radians((sa.lat + sb.lat) / 2))
    return 6371 * math.hypot(dlat, dlng)


def compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    if group_of(a) != group_of(b):
        return False
    return (
        a in UNSPECIFIC
        or b in UNSPECIFIC
        or (a.startswith("aggression") and b.startswith("aggression"))
    )


def propose_links(
    session: Session,
    since: datetime | None = None,
    window_minutes: int = 30,
    max_km: float = 2.0,
    actor: str = "perron",
) -> list[Proposal]:
    """Find new candidate pairs among station-located incidents and store them as proposals."""
    stmt = select(
        Incident.id,
        Incident.party_code,
        Incident.category,
        Incident.station_code,
        Incident.occurred_at,
    ).where(Incident.station_code.is_not(None), Incident.duplicate_of.is_(None))
    if since is not None:
        stmt = stmt.where(Incident.occurred_at >= since)
    rows = sorted(session.execute(stmt).all(), key=lambda r: r.occurred_at)
    known = {
        (a, b) for a, b in session.execute(select(IncidentLink.incident_id, IncidentLink.linked_id))
    }
    window = timedelta(minutes=window_minutes)
    found: list[Proposal] = []
    start = 0
    for i, row in enumerate(rows):
        while rows[start].occurred_at < row.occurred_at - window:
            start += 1
        for other in rows[start:i]:
            if other.party_code == row.party_code or not compatible(other.category, row.category):
                continue
            km = _km(other.station_code, row.station_code)
            if km > max_km:
                continue
            pair = (other.id, row.id)
            if pair in known or pair[::-1] in known:
                continue
            gap = (row.occurred_at - other.occurred_at).total_seconds() / 60
            score = round(
                (1 - gap / (window_minutes + 1))
                * (1 - km / (max_km + 1))
                * (1.0 if other.category == row.category else 0.7),
                3,
            )
            found.append(Proposal(other.id, row.id, score))
            known.add(pair)
    now = datetime.now(UTC)
    session.add_all(
        IncidentLink(
            incident_id=p.incident_id,
            linked_id=p.linked_id,
            kind="duplicate",
            status="proposed",
            score=p.score,
            proposed_at=now,
        )
        for p in found
    )
    if found:
        audit.record(
            session,
            actor=actor,
            party="-",
            purpose="administration",
            action="links.propose",
            subject="incident_link",
            detail={"proposed": len(found)},
        )
    session.flush()
    return found


def _primary(session: Session, incident_id: int) -> int:
    seen = set()
    while True:
        parent = session.scalar(select(Incident.duplicate_of).where(Incident.id == incident_id))
        if parent is None or parent in seen:
            return incident_id
        seen.add(incident_id)
        incident_id = parent


def decide_link(
    session: Session, link_id: int, confirm: bool, analyst: str, party: str = "-"
) -> IncidentLink:
    """Confirm or reject a proposed link; a confirmed duplicate then counts once."""
    link = session.get(IncidentLink, link_id)
    if link is None:
        raise LinkError(f"no link {link_id}")
    if link.status != "proposed":
        raise LinkError(f"link {link_id} was already {link.status}")
    link.status = "confirmed" if confirm else "rejected"
    link.decided_by = analyst
    link.decided_at = datetime.now(UTC)
    if confirm:
        a, b = session.get(Incident, link.incident_id), session.get(Incident, link.linked_id)
        if a is None or b is None:  # the foreign keys keep both; a deleted one is a bug
            raise LinkError(f"link {link_id} points at an incident that does not exist")
        first, second = sorted((a, b), key=lambda x: (x.occurred_at, x.id))
        root = _primary(session, first.id)
        if root != second.id:
            second.duplicate_of = root
    audit.record(
        session,
        actor=analyst,
        party=party,
        purpose="analysis",
        action=f"link.{link.status}",
        subject=f"incident_link/{link.id}",
        detail={"incidents": [link.incident_id, link.linked_id]},
    )
    session.flush()
    return link


def list_links(session: Session, status: str | None = "proposed", limit: int = 200) -> list[dict]:
    """Link proposals (or links of ``status``), best score first."""
    stmt = select(IncidentLink).order_by(IncidentLink.score.desc(), IncidentLink.id).limit(limit)
    if status:
        stmt = stmt.where(IncidentLink.status == status)
    return [
        {
            "id": lk.id,
            "incident_id": lk.incident_id,
            "linked_id": lk.linked_id,
            "kind": lk.kind,
            "status": lk.status,
            "score": lk.score,
            "decided_by": lk.decided_by,
            "decided_at": lk.decided_at,
        }
        for lk in session.scalars(stmt)
    ]


def links_of(session: Session, incident_id: int) -> list[IncidentLink]:
    return list(
        session.scalars(
            select(IncidentLink).where(
                or_(IncidentLink.incident_id == incident_id, IncidentLink.linked_id == incident_id)
            )
        )
    )

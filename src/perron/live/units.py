"""Response units: teams of boa's, security staff and police with a position and a status."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from perron.access.accounts import Principal
from perron.domain.parties import municipality_party_code
from perron.live.routing import (
    UNIT_KINDS,
    UNIT_STATUSES,
    Proposal,
    UnitPosition,
    acting_parties,
    rank_units,
)
from perron.live.views import visible_query
from perron.store.tables.accounts import Party
from perron.store.tables.live import Alert, ResponseUnit
from perron.store.tables.reference import Station


class UnitError(ValueError):
    """A unit request that cannot be carried out, with a message fit to show."""


def unit_dict(unit: ResponseUnit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "party": unit.party_code,
        "kind": unit.kind,
        "status": unit.status,
        "lat": unit.lat,
        "lng": unit.lng,
        "home_station": unit.home_station_code,
        "synthetic": unit.synthetic,
        "updated_at": unit.updated_at,
    }


#: Parties that share the station domain see each other's units, as they see each other's alerts.
SHARED_UNIT_PARTIES = {"ns": frozenset({"ns", "prorail"}), "prorail": frozenset({"ns", "prorail"})}


def unit_parties(principal: Principal) -> frozenset[str]:
    """The parties whose units ``principal`` sees at all times: their own (NS and ProRail each
    other's too)."""
    return SHARED_UNIT_PARTIES.get(principal.party_code, frozenset({principal.party_code}))


def visible_units_query(principal: Principal | None):
    """A select of the units ``principal`` may see (every unit for None: the command line).

    The same rule as for alerts (:func:`perron.live.alerts.visible_query`): a party sees its own
    units, and a unit of another party only while it is sent to an alert the party may see."""
    q = select(ResponseUnit)
    if principal is None:
        return q
    on_visible = (
        visible_query(principal)
        .with_only_columns(Alert.unit_id)
        .where(Alert.unit_id.is_not(None), Alert.resolved_at.is_(None))
    )
    return q.where(
        or_(
            ResponseUnit.party_code.in_(unit_parties(principal)),
            ResponseUnit.id.in_(on_visible.scalar_subquery()),
        )
    )


def can_see_unit(session: Session, principal: Principal | None, unit: ResponseUnit) -> bool:
    if principal is None or unit.party_code in unit_parties(principal):
        return True
    q = visible_units_query(principal).where(ResponseUnit.id == unit.id)
    return session.scalar(q.with_only_columns(ResponseUnit.id)) is not None


def list_units(
    session: Session,
    principal: Principal | None = None,
    *,
    party: str | None = None,
    status: str | None = None,
) -> list[ResponseUnit]:
    """The units ``principal`` may see (all of them for None), optionally of one party or
    status."""
    q = visible_units_query(principal).order_by(ResponseUnit.code)
    if party:
        q = q.where(ResponseUnit.party_code == party)
    if status:
        q = q.where(ResponseUnit.status == status)
    return list(session.scalars(q))


def get_unit(session: Session, ref: str | int) -> ResponseUnit:
    """A unit by id or code."""
    unit = None
    if isinstance(ref, int) or str(ref).isdigit():
        unit = session.get(ResponseUnit, int(ref))
    if unit is None:
        unit = session.scalar(select(ResponseUnit).where(ResponseUnit.code == str(ref)))
    if unit is None:
        raise UnitError(f"no unit {ref!r}")
    return unit


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    party: str,
    kind: str,
    lat: float,
    lng: float,
    status: str = "available",
    home_station: str | None = None,
    user_id: int | None = None,
    synthetic: bool = False,
) -> ResponseUnit:
    """Register a response unit of a party at a position."""
    if kind not in UNIT_KINDS:
        raise UnitError(f"unknown unit kind {kind!r}; choose one of {', '.join(UNIT_KINDS)}")
    if status not in UNIT_STATUSES:
        raise UnitError(f"unknown status {status!r}; choose one of {', '.join(UNIT_STATUSES)}")
    if session.get(Party, party) is None:
        raise UnitError(f"unknown party {party!r}")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise UnitError(f"position ({lat}, {lng}) is not a latitude/longitude")
    if session.scalar(select(ResponseUnit.id).where(ResponseUnit.code == code)) is not None:
        raise UnitError(f"unit {code!r} exists already")
    unit = ResponseUnit(
        code=code,
        name=name,
        party_code=party,
        kind=kind,
        status=status,
        lat=lat,
        lng=lng,
        home_station_code=home_station,
        user_id=user_id,
        synthetic=synthetic,
        updated_at=datetime.now(UTC),
    )
    session.add(unit)
    session.flush()
    return unit


def update_unit(
    session: Session,
    ref: str | int,
    *,
    status: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> ResponseUnit:
    """Set a unit's status and/or position (a unit busy on an alert is moved by the alert)."""
    unit = get_unit(session, ref)
    if status is not None:
        if status not in UNIT_STATUSES:
            raise UnitError(f"unknown status {status!r}; choose one of {', '.join(UNIT_STATUSES)}")
        unit.status = status
    if (lat is None) != (lng is None):
        raise UnitError("give both lat and lng")
    if lat is not None and lng is not None:
        unit.lat, unit.lng = lat, lng
    unit.updated_at = datetime.now(UTC)
    return unit


def propose(session: Session, alert: Alert, limit: int = 3) -> list[Proposal]:
    """The nearest available units of the parties that may act on ``alert``, by travel time."""
    station = session.get(Station, alert.station_code)
    if station is None:
        return []
    parties = acting_parties(alert.responsible_party, alert.domain, alert.severity)
    rows = session.scalars(
        select(ResponseUnit).where(
            ResponseUnit.status == "available", ResponseUnit.party_code.in_(parties)
        )
    )
    units = [UnitPosition(u.id, u.code, u.party_code, u.kind, u.status, u.lat, u.lng) for u in rows]
    return rank_units(units, station.lat, station.lng, parties)[:limit]


def _offset(lat: float, lng: float, rng: random.Random, max_m: float) -> tuple[float, float]:
    r = rng.uniform(150, max_m)
    a = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(a) / 111_320
    dlng = r * math.sin(a) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def seed_demo_units(session: Session, size_classes: tuple[str, ...] = ("large",)) -> int:
    """Add synthetic units around every station of ``size_classes``: an NS security team, a
    ProRail security team, a municipal boa team and a police car. Idempotent; returns the number
    of units added."""
    rng = random.Random(20261122)
    stations = session.scalars(
        select(Station).where(Station.size_class.in_(size_classes)).order_by(Station.code)
    )
    existing = set(session.scalars(select(ResponseUnit.code)))
    parties = set(session.scalars(select(Party.code)))
    added = 0
    for st in stations:
        plan = [
            ("ns", "security", f"NS-{st.code}", f"NS Veiligheid & Service {st.name_long}", 300),
            ("prorail", "security", f"PR-{st.code}", f"ProRail beveiliging {st.name_long}", 500),
            (
                municipality_party_code(st.municipality_code),
                "boa",
                f"BOA-{st.code}",
                f"Boa-team {st.name_long}",
                1500,
            ),
            ("politie", "police", f"POL-{st.code}", f"Politie-eenheid {st.name_long}", 3000),
        ]
        for party, kind, code, name, radius in plan:
            if code in existing or party not in parties:
                continue
            lat, lng = _offset(st.lat, st.lng, rng, radius)
            create_unit(
                session,
                code=code,
                name=name,
                party=party,
                kind=kind,
                lat=lat,
                lng=lng,
                home_station=st.code,
                synthetic=True,
            )
            added += 1
    return added

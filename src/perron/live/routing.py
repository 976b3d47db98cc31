"""Who handles an alert, and which unit is closest.

Responsible party (documented in docs/live.md, "Routing"):

* severity ``critical`` → the police (``politie``), whatever the zone;
* a zone of the station domain (platform, tunnel, hall, ...) → NS (``ns``: NS Veiligheid &
  Service) while trains run, 05:30–01:00 local time; outside those hours ProRail
  (``prorail``), which manages the station building and tunnels;
* a zone of the surroundings (forecourt, bicycle parking, P+R) → the municipality
  (``gm`` + CBS code, e.g. ``gm0344``) from 07:00 to 23:00, whose boa's patrol there; at night
  the police.

Parties that may act on an alert: the responsible party, and for the station domain both NS and
ProRail (they share it); the police for every alert of severity high or critical.

Nearest unit: among the available units of the parties that may act, the one with the shortest
travel time — straight-line (haversine) distance × 1.3 for the street network, divided by the
speed of the unit's kind (boa on a bicycle 15 km/h, security staff on foot 6 km/h, police car
30 km/h in town).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time

from perron.domain.alerts import SEVERITY_RANK
from perron.domain.local_time import LOCAL_TZ
from perron.domain.parties import municipality_party_code
from perron.domain.zones import ZONE_BY_CODE, Domain

POLICE = "politie"
STATION_PARTIES = ("ns", "prorail")
TRAIN_HOURS = (time(5, 30), time(1, 0))  # across midnight
MUNICIPAL_HOURS = (time(7, 0), time(23, 0))
DETOUR = 1.3
SPEED_KMH = {"boa": 15.0, "security": 6.0, "police": 30.0}
UNIT_KINDS = tuple(SPEED_KMH)
UNIT_STATUSES = ("available", "dispatched", "on_scene", "off_duty")


def zone_domain(zone: str | None) -> str:
    """The domain of a zone kind; an alert without a zone belongs to the station domain."""
    if zone is None or zone not in ZONE_BY_CODE:
        return Domain.STATION.value
    return ZONE_BY_CODE[zone].domain.value


def _within(t: time, span: tuple[time, time]) -> bool:
    start, end = span
    return start <= t < end if start <= end else (t >= start or t < end)


def responsible_party(domain: str, severity: str, municipality_code: str, at: datetime) -> str:
    """The party that handles an alert of ``severity`` in ``domain`` at time ``at``."""
    if severity == "critical":
        return POLICE
    local = at.astimezone(LOCAL_TZ).time()
    if domain == Domain.STATION.value:
        return "ns" if _within(local, TRAIN_HOURS) else "prorail"
    if _within(local, MUNICIPAL_HOURS):
        return municipality_party_code(municipality_code)
    return POLICE


def acting_parties(responsible: str, domain: str, severity: str) -> frozenset[str]:
    """The parties whose operators may act on (and see) an alert."""
    parties = {responsible}
    if domain == Domain.STATION.value:
        parties.update(STATION_PARTIES)
    if SEVERITY_RANK[severity] >= SEVERITY_RANK["high"]:
        parties.add(POLICE)
    return frozenset(parties)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def travel_minutes(kind: str, lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Estimated travel time of a unit of ``kind`` between two points, in minutes."""
    km = haversine_km(lat1, lng1, lat2, lng2) * DETOUR
    return km / SPEED_KMH[kind] * 60.0


@dataclass(frozen=True)
class UnitPosition:
    id: int
    code: str
    party_code: str
    kind: str
    status: str
    lat: float
    lng: float


@dataclass(frozen=True)
class Proposal:
    unit_id: int
    unit_code: str
    party_code: str
    kind: str
    distance_km: float
    travel_minutes: float


def rank_units(
    units: list[UnitPosition], lat: float, lng: float, parties: frozenset[str] | None = None
) -> list[Proposal]:
    """Available units (of ``parties``, when given) ordered by travel time to (lat, lng)."""
    out = []
    for u in units:
        if u.status != "available" or (parties is not None and u.party_code not in parties):
            continue
        km = haversine_km(u.lat, u.lng, lat, lng)
        out.append(
            Proposal(
                u.id,
                u.code,
                u.party_code,
                u.kind,
                round(km, 3),
                round(travel_minutes(u.kind, u.lat, u.lng, lat, lng), 1),
            )
        )
    out.sort(key=lambda p: (p.travel_minutes, p.unit_code))
    return out

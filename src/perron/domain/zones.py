"""Station zones and the domain responsible for each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Domain(StrEnum):
    """Who is responsible: the station domain (infrastructure manager and operator) or the
    surroundings (the municipality)."""

    STATION = "station"
    SURROUNDINGS = "surroundings"


@dataclass(frozen=True)
class ZoneKind:
    code: str
    label_nl: str
    label_en: str
    domain: Domain


ZONE_KINDS: tuple[ZoneKind, ...] = (
    ZoneKind("platform", "Perron", "Platform", Domain.STATION),
    ZoneKind("tunnel", "Tunnel / onderdoorgang", "Tunnel / underpass", Domain.STATION),
    ZoneKind("hall", "Stationshal", "Station hall", Domain.STATION),
    ZoneKind("waiting_room", "Wachtruimte", "Waiting room", Domain.STATION),
    ZoneKind("toilets", "Toiletten", "Toilets", Domain.STATION),
    ZoneKind("lift", "Lift", "Lift", Domain.STATION),
    ZoneKind("bicycle_parking", "Fietsenstalling", "Bicycle parking", Domain.SURROUNDINGS),
    ZoneKind("forecourt", "Stationsplein", "Forecourt", Domain.SURROUNDINGS),
    ZoneKind("park_and_ride", "P+R", "Park and ride", Domain.SURROUNDINGS),
)
ZONE_CODES: tuple[str, ...] = tuple(z.code for z in ZONE_KINDS)
ZONE_BY_CODE: dict[str, ZoneKind] = {z.code: z for z in ZONE_KINDS}


def default_zones(size_class: str, station_type: str) -> tuple[str, ...]:
    """Return the zones a station of this size and type has by default.

    Every station has platforms and a forecourt and nearly all have bicycle parking; halls,
    tunnels, waiting rooms, toilets and lifts come with size; P+R with intercity or large
    stations. Real station layouts replace these defaults when a party supplies them.
    """
    zones = ["platform", "forecourt", "bicycle_parking", "tunnel", "lift"]
    if size_class in ("medium", "large") or "intercity" in station_type.lower():
        zones += ["hall", "waiting_room", "park_and_ride"]
    if size_class == "large" or station_type.lower().startswith(("mega", "knooppunt")):
        zones += ["toilets"]
    return tuple(z for z in ZONE_CODES if z in zones)

"""Load the shipped reference data into the store, idempotently, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from perron.domain.parties import NATIONAL_PARTIES, PartyKind, municipality_party_code
from perron.domain.zones import ZONE_BY_CODE, default_zones
from perron.reference import bundle
from perron.store.tables.accounts import Party
from perron.store.tables.reference import LevelCrossing, Municipality, Station, TrackLink, Zone


@dataclass(frozen=True)
class LoadReport:
    municipalities: int
    stations: int
    zones: int
    links: int
    level_crossings: int
    parties: int


def load_reference(session: Session, step: Callable[[str], None] | None = None) -> LoadReport:
    """Insert or update every reference row; running it twice changes nothing."""
    step = step or (lambda _name: None)

    step("municipalities")
    existing = {m.code: m for m in session.scalars(select(Municipality))}
    features = bundle.municipalities_geojson()["features"]
    for f in features:
        code, name = f["properties"]["code"], f["properties"]["name"]
        geometry = json.dumps(f["geometry"], separators=(",", ":"))
        municipality = existing.get(code)
        if municipality is None:
            session.add(Municipality(code=code, name=name, geometry=geometry))
        else:
            municipality.name, municipality.geometry = name, geometry
    session.flush()

    step("stations")
    stations = {s.code: s for s in session.scalars(select(Station))}
    records = bundle.stations()
    for r in records:
        values = dict(
            uic=r.uic,
            name_short=r.name_short,
            name_medium=r.name_medium,
            name_long=r.name_long,
            slug=r.slug,
            type=r.type,
            lat=r.lat,
            lng=r.lng,
            municipality_code=r.municipality_code,
            travellers_per_day=r.travellers_per_day,
            travellers_estimated=r.travellers_estimated,
            size_class=r.size_class,
        )
        station = stations.get(r.code)
        if station is None:
            session.add(Station(code=r.code, **values))
        else:
            for k, v in values.items():
                setattr(station, k, v)
    session.flush()

    step("zones")
    have = {(z.station_code, z.code) for z in session.scalars(select(Zone))}
    n_zones = len(have)
    for r in records:
        for code in default_zones(r.size_class, r.type):
            if (r.code, code) not in have:
                session.add(Zone(station_code=r.code, code=code, domain=ZONE_BY_CODE[code].domain))
                n_zones += 1
    session.flush()

    step("network")
    session.execute(delete(TrackLink))
    edges = bundle.edges()
    session.add_all(
        TrackLink(from_code=e.from_code, to_code=e.to_code, distance_km=e.distance_km)
        for e in edges
    )
    session.execute(delete(LevelCrossing))
    crossings = bundle.level_crossings()
    session.add_all(
        LevelCrossing(
            id=c.id,
            lat=c.lat,
            lon=c.lon,
            geocode=c.geocode,
            geocode_name=c.geocode_name,
            tracks=c.tracks,
        )
        for c in crossings
    )
    session.flush()

    step("parties")
    parties = {p.code: p for p in session.scalars(select(Party))}
    seeds = [(p.code, p.name, p.kind.value, None) for p in NATIONAL_PARTIES]
    seeds += [
        (
            municipality_party_code(f["properties"]["code"]),
            "Gemeente " + f["properties"]["name"],
            PartyKind.MUNICIPALITY.value,
            f["properties"]["code"],
        )
        for f in features
    ]
    for code, name, kind, mun in seeds:
        party = parties.get(code)
        if party is None:
            session.add(Party(code=code, name=name, kind=kind, municipality_code=mun))
        else:
            party.name, party.kind, party.municipality_code = name, kind, mun
    session.flush()
    return LoadReport(len(features), len(records), n_zones, len(edges), len(crossings), len(seeds))

"""Queries on the reference data in the store: stations, neighbours, the network as GeoJSON.

The service functions of the station pages and the stations API: :func:`list_stations`,
:func:`show_station` (one station with its zones and neighbours; an unknown code is
:class:`StationNotFound`) and :func:`station_map` (the station and its neighbours with their
coordinates, for a map). Reference data is public: they take no actor (a front end may still
ask its users to log in first)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from perron.domain.errors import Invalid, NotFound
from perron.domain.zones import ZONE_BY_CODE
from perron.store.tables.reference import Municipality, Station, TrackLink, Zone


def station_summary(s: Station, municipality_name: str | None = None) -> dict[str, Any]:
    return {
        "code": s.code,
        "uic": s.uic,
        "name": s.name_long,
        "name_short": s.name_short,
        "name_medium": s.name_medium,
        "type": s.type,
        "lat": s.lat,
        "lng": s.lng,
        "municipality": s.municipality_code,
        "municipality_name": municipality_name,
        "travellers_per_day": s.travellers_per_day,
        "travellers_estimated": s.travellers_estimated,
        "size_class": s.size_class,
    }


def list_stations(
    session: Session,
    type_: str | None = None,
    size_class: str | None = None,
    municipality: str | None = None,
    q: str | None = None,
) -> list[dict[str, Any]]:
    """Stations matching every given filter, largest first."""
    if size_class and size_class not in SIZE_CLASSES:
        raise Invalid(f"size_class is one of {', '.join(SIZE_CLASSES)}", "size_class")
    stmt = select(Station, Municipality.name).join(Municipality)
    if type_:
        stmt = stmt.where(Station.type == type_)
    if size_class:
        stmt = stmt.where(Station.size_class == size_class)
    if municipality:
        stmt = stmt.where(
            or_(
                Station.municipality_code == municipality.upper(),
                Municipality.name.ilike(municipality),
            )
        )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Station.name_long.ilike(like), Station.code.ilike(q)))
    stmt = stmt.order_by(Station.travellers_per_day.desc(), Station.code)
    return [station_summary(s, m) for s, m in session.execute(stmt)]


def neighbours(session: Session, code: str) -> list[dict[str, Any]]:
    links = session.scalars(
        select(TrackLink).where(or_(TrackLink.from_code == code, TrackLink.to_code == code))
    ).all()
    other = {(lk.to_code if lk.from_code == code else lk.from_code): lk.distance_km for lk in links}
    rows = session.scalars(select(Station).where(Station.code.in_(other))).all()
    return sorted(
        (
            {
                "code": s.code,
                "name": s.name_long,
                "distance_km": other[s.code],
                "size_class": s.size_class,
            }
            for s in rows
        ),
        key=lambda n: n["distance_km"],
    )


def station_detail(session: Session, code: str) -> dict[str, Any] | None:
    """One station with its zones and its neighbours on the network, or None when unknown."""
    row = session.execute(
        select(Station, Municipality.name).join(Municipality).where(Station.code == code.upper())
    ).first()
    if row is None:
        return None
    station, mun = row
    detail = station_summary(station, mun)
    detail["zones"] = [
        {
            "code": z.code,
            "domain": z.domain,
            "label_nl": ZONE_BY_CODE[z.code].label_nl,
            "label_en": ZONE_BY_CODE[z.code].label_en,
        }
        for z in session.scalars(
            select(Zone).where(Zone.station_code == station.code).order_by(Zone.id)
        )
    ]
    detail["neighbours"] = neighbours(session, station.code)
    return detail


class StationNotFound(NotFound):
    """No station has this code."""

    title = "Station not found"


def show_station(session: Session, code: str) -> dict[str, Any]:
    """One station with its zones and its neighbours on the network; StationNotFound for a
    code no station has."""
    detail = station_detail(session, code)
    if detail is None:
        raise StationNotFound(
            f"there is no station with code {code!r}; see /api/stations for the codes"
        )
    return detail


def station_map(session: Session, detail: dict[str, Any]) -> dict[str, Any]:
    """The station of ``detail`` (from :func:`show_station`) and its neighbours with their
    coordinates, for the small map of a station page."""
    codes = [n["code"] for n in detail["neighbours"]]
    coords = {
        s.code: (s.lat, s.lng)
        for s in session.scalars(select(Station).where(Station.code.in_(codes))).all()
    }
    return {
        "station": {
            "code": detail["code"],
            "name": detail["name"],
            "lat": detail["lat"],
            "lng": detail["lng"],
            "size_class": detail["size_class"],
        },
        "neighbours": [
            {
                "code": n["code"],
                "name": n["name"],
                "lat": coords[n["code"]][0],
                "lng": coords[n["code"]][1],
                "size_class": n["size_class"],
                "distance_km": n["distance_km"],
            }
            for n in detail["neighbours"]
            if n["code"] in coords
        ],
    }


SIZE_CLASSES = ("small", "medium", "large")


def network_geojson(session: Session) -> dict[str, Any]:
    """Stations as points and track links as lines, as one GeoJSON FeatureCollection."""
    stations = {s.code: s for s in session.scalars(select(Station))}
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": s.code,
            "geometry": {"type": "Point", "coordinates": [s.lng, s.lat]},
            "properties": {
                "kind": "station",
                "code": s.code,
                "name": s.name_long,
                "size_class": s.size_class,
                "travellers_per_day": s.travellers_per_day,
            },
        }
        for s in stations.values()
    ]
    for lk in session.scalars(select(TrackLink).order_by(TrackLink.id)):
        a, b = stations[lk.from_code], stations[lk.to_code]
        features.append(
            {
                "type": "Feature",
                "id": f"{lk.from_code}-{lk.to_code}",
                "geometry": {"type": "LineString", "coordinates": [[a.lng, a.lat], [b.lng, b.lat]]},
                "properties": {
                    "kind": "link",
                    "from": lk.from_code,
                    "to": lk.to_code,
                    "distance_km": lk.distance_km,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def municipalities_geojson(session: Session) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": m.code,
                "geometry": json.loads(m.geometry),
                "properties": {"code": m.code, "name": m.name},
            }
            for m in session.scalars(select(Municipality).order_by(Municipality.code))
        ],
    }

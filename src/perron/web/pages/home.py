"""The national map (``/``) and the station pages (``/stations/{code}``), plus logging in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from perron.http.deps import DbSession
from perron.reference import service
from perron.reference.bundle import SIZE_LARGE_ABOVE, SIZE_SMALL_BELOW
from perron.store.tables.reference import Station
from perron.web import auth
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)

# The capability sections of a station page, each loaded as an optional htmx fragment.
STATION_SECTIONS = (
    ("monitor", "station.section.monitor"),
    ("incidents", "station.section.incidents"),
    ("forecast", "station.section.forecast"),
    ("live", "station.section.live"),
    ("inspections", "station.section.inspections"),
)


@router.get("/")
def national_map(request: Request, user: PageUser) -> Response:
    return render(
        request,
        "home/map.html",
        {
            "leaflet": True,
            "size_small_below": SIZE_SMALL_BELOW,
            "size_large_above": SIZE_LARGE_ABOVE,
        },
    )


def _map_data(db, detail: dict[str, Any]) -> dict[str, Any]:
    """The station and its neighbours with coordinates, for the small map on the page."""
    codes = [n["code"] for n in detail["neighbours"]]
    coords = {
        s.code: (s.lat, s.lng)
        for s in db.scalars(select(Station).where(Station.code.in_(codes))).all()
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


@router.get("/stations/{code}")
def station_page(code: str, request: Request, user: PageUser, db: DbSession) -> Response:
    detail = service.station_detail(db, code)
    if detail is None:
        return render(request, "home/station_missing.html", {"code": code}, status_code=404)
    zones = {
        "station": [z for z in detail["zones"] if z["domain"] == "station"],
        "surroundings": [z for z in detail["zones"] if z["domain"] != "station"],
    }
    return render(
        request,
        "home/station.html",
        {
            "leaflet": True,
            "station": detail,
            "zones": zones,
            "map_data": _map_data(db, detail),
            "sections": STATION_SECTIONS,
        },
    )

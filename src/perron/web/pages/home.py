"""The national map (``/``) and the station pages (``/stations/{code}``), plus logging in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from perron.http.deps import DbSession
from perron.reference import service
from perron.reference.bundle import SIZE_LARGE_ABOVE, SIZE_SMALL_BELOW
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


@router.get("/stations/{code}")
def station_page(code: str, request: Request, user: PageUser, db: DbSession) -> Response:
    try:
        detail = service.show_station(db, code)
    except service.StationNotFound:
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
            "map_data": service.station_map(db, detail),
            "sections": STATION_SECTIONS,
        },
    )

"""Reference data: stations, the network and municipality boundaries (public, no login)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from perron.api.deps import DbSession
from perron.api.problems import PROBLEM_SCHEMA, Problem
from perron.reference import service

router = APIRouter(prefix="/api", tags=["reference"])


class StationOut(BaseModel):
    code: str
    uic: str
    name: str
    name_short: str
    name_medium: str
    type: str
    lat: float
    lng: float
    municipality: str
    municipality_name: str | None
    travellers_per_day: int
    travellers_estimated: bool
    size_class: Literal["small", "medium", "large"]


class StationList(BaseModel):
    count: int
    items: list[StationOut]


class Neighbour(BaseModel):
    code: str
    name: str
    distance_km: float
    size_class: str


class ZoneOut(BaseModel):
    code: str
    domain: str
    label_nl: str
    label_en: str


class StationDetail(StationOut):
    zones: list[ZoneOut]
    neighbours: list[Neighbour]


@router.get("/stations", response_model=StationList, summary="List stations")
def list_stations(
    db: DbSession,
    type: Annotated[str | None, Query(description="NS station type, e.g. intercitystation")] = None,
    size_class: Annotated[Literal["small", "medium", "large"] | None, Query()] = None,
    municipality: Annotated[str | None, Query(description="CBS code (GM0344) or name")] = None,
    q: Annotated[str | None, Query(description="part of the name, or the code")] = None,
) -> dict[str, Any]:
    """All 397 Dutch stations, optionally filtered; largest first."""
    items = service.list_stations(db, type, size_class, municipality, q)
    return {"count": len(items), "items": items}


@router.get(
    "/stations/{code}",
    response_model=StationDetail,
    responses={404: PROBLEM_SCHEMA},
    summary="One station with zones and neighbours",
)
def get_station(code: str, db: DbSession) -> dict[str, Any]:
    detail = service.station_detail(db, code)
    if detail is None:
        raise Problem(
            404,
            "Station not found",
            f"there is no station with code {code!r}; see /api/stations for the codes",
        )
    return detail


@router.get("/network", summary="The rail network as GeoJSON")
def get_network(db: DbSession) -> dict[str, Any]:
    """Stations (points) and track links between adjacent stations (lines)."""
    return service.network_geojson(db)


@router.get("/municipalities", summary="Municipality boundaries as GeoJSON")
def get_municipalities(db: DbSession) -> dict[str, Any]:
    return service.municipalities_geojson(db)

"""Reference data: stations, the network and municipality boundaries (public, no login)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from perron.api.deps import DbSession
from perron.api.problems import problem_responses
from perron.api.schemas import GeoJSON
from perron.reference import service

router = APIRouter(prefix="/api", tags=["reference"])

# Reference data changes only when `perron reference load` runs, so its answers are kept as
# ready-made JSON for a minute: under load, a request costs a dictionary look-up.
CACHE_SECONDS = 60
_cache: dict[tuple, tuple[float, bytes, str]] = {}
_cache_lock = threading.Lock()


def _cached_json(request: Request, key: tuple, build: Callable[[], Any]) -> Response:
    key = (request.app.state.settings.database_url, *key)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or now - hit[0] > CACHE_SECONDS:
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
        hit = (now, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        with _cache_lock:
            _cache[key] = hit
    headers = {"ETag": hit[2], "Cache-Control": f"public, max-age={CACHE_SECONDS}"}
    if request.headers.get("if-none-match") == hit[2]:
        return Response(status_code=304, headers=headers)
    return Response(hit[1], media_type="application/json", headers=headers)


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


@router.get(
    "/stations",
    response_model=StationList,
    summary="List stations",
    responses={**problem_responses(422), 304: {"description": "Not modified (ETag)"}},
)
def list_stations(
    request: Request,
    db: DbSession,
    type: Annotated[str | None, Query(description="NS station type, e.g. intercitystation")] = None,
    size_class: Annotated[Literal["small", "medium", "large"] | None, Query()] = None,
    municipality: Annotated[str | None, Query(description="CBS code (GM0344) or name")] = None,
    q: Annotated[str | None, Query(description="part of the name, or the code")] = None,
) -> Response:
    """All 397 Dutch stations, optionally filtered; largest first."""

    def build() -> dict[str, Any]:
        items = service.list_stations(db, type, size_class, municipality, q)
        return StationList.model_validate({"count": len(items), "items": items}).model_dump()

    return _cached_json(request, ("stations", type, size_class, municipality, q), build)


@router.get(
    "/stations/{code}",
    response_model=StationDetail,
    responses=problem_responses(404, 422),
    summary="One station with zones and neighbours",
)
def get_station(code: str, db: DbSession) -> dict[str, Any]:
    return service.show_station(db, code)


@router.get(
    "/network",
    summary="The rail network as GeoJSON",
    response_model=GeoJSON,
    responses={304: {"description": "Not modified (ETag)"}},
)
def get_network(request: Request, db: DbSession) -> Response:
    """Stations (points) and track links between adjacent stations (lines)."""
    return _cached_json(request, ("network",), lambda: service.network_geojson(db))


@router.get(
    "/municipalities",
    summary="Municipality boundaries as GeoJSON",
    response_model=GeoJSON,
    responses={304: {"description": "Not modified (ETag)"}},
)
def get_municipalities(request: Request, db: DbSession) -> Response:
    """Simplified boundaries of the 342 municipalities (the base layer of every map)."""
    return _cached_json(request, ("municipalities",), lambda: service.municipalities_geojson(db))

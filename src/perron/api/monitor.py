"""API of the monitor capability: weighted survey scores, the under-6.0 list, station trends.

Scores are aggregates of the perception survey: any logged-in user may read them (no data
agreement needed). Groups with fewer than 30 answers carry no number (``suppressed``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import Problem, problem_responses
from perron.api.schemas import monitor as schemas
from perron.lazy import lazy_module
from perron.monitor.model import ITEMS, THRESHOLD
from perron.store.tables.reference import Station

# pandas and SciPy load with the first monitor request, not at start-up
service = lazy_module("perron.monitor.service")
store = lazy_module("perron.monitor.store")

router = APIRouter(prefix="/api/monitor", tags=["monitor"])


def _latest_year(db, year: int | None) -> int:
    years = service.available_years(db)
    if not years:
        raise Problem(
            404,
            "No survey responses",
            "the perception survey is empty: import responses or run `perron monitor generate`",
        )
    if year is None:
        return years[-1]
    return year


@router.get(
    "/years",
    summary="Years with survey responses",
    response_model=schemas.Years,
    response_model_exclude_unset=True,
    responses=problem_responses(401),
)
def get_years(db: DbSession, _user: CurrentUser) -> dict[str, Any]:
    return service.survey_years(db)


@router.get(
    "/scores",
    summary="Weighted scores: national, by gender, by size class",
    response_model=schemas.Scores,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
def get_scores(
    db: DbSession,
    _user: CurrentUser,
    year: Annotated[
        int | None, Query(description="calendar year (default: the latest)", ge=1900, le=2200)
    ] = None,
    start: Annotated[date | None, Query(alias="from", description="first day of a period")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day of a period")] = None,
    station: Annotated[str | None, Query(description="also this station's scores")] = None,
    item: Annotated[list[str] | None, Query(description=f"items, of {list(ITEMS)}")] = None,
) -> dict[str, Any]:
    """Post-stratified weighted means with 95 % intervals and the number of answers."""
    items = item or list(ITEMS)
    unknown = [i for i in items if i not in ITEMS]
    if unknown:
        raise Problem(422, "Unknown item", f"unknown item(s) {unknown}; use {list(ITEMS)}")
    if start is None and end is None:
        year = _latest_year(db, year)
    return service.scores(
        db,
        year=year if start is None and end is None else None,
        start=start,
        end=end,
        station=station.upper() if station else None,
        items=items,
        headline=items[0] if len(items) == 1 else "safe_evening",
    )


@router.get(
    "/below-threshold",
    summary="Stations below 6.0 on feeling safe after 19:00, with trend",
    response_model=schemas.BelowThreshold,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
def get_below_threshold(
    db: DbSession,
    _user: CurrentUser,
    year: Annotated[
        int | None, Query(description="calendar year (default: the latest)", ge=1900, le=2200)
    ] = None,
    threshold: Annotated[float, Query(ge=1, le=10)] = THRESHOLD,
) -> dict[str, Any]:
    return service.below_threshold(db, _latest_year(db, year), threshold)


@router.get(
    "/map",
    summary="Evening safety per station, for a map",
    response_model=schemas.ScoreMap,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
def get_map(
    db: DbSession,
    _user: CurrentUser,
    year: Annotated[
        int | None, Query(description="calendar year (default: the latest)", ge=1900, le=2200)
    ] = None,
) -> dict[str, Any]:
    return service.map_scores(db, _latest_year(db, year))


@router.get(
    "/stations/{code}",
    summary="One station's scores per year and item (the trend)",
    response_model=schemas.StationTrend,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
def get_station(code: str, db: DbSession, _user: CurrentUser) -> dict[str, Any]:
    code = code.upper()
    if db.get(Station, code) is None:
        raise Problem(404, "Station not found", f"there is no station with code {code!r}")
    return service.station_scores(db, code)

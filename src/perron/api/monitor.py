"""API of the monitor capability: weighted survey scores, the under-6.0 list, station trends.

Scores are aggregates of the perception survey: any logged-in user may read them (no data
agreement needed), for a stated purpose that the audit trail records. Groups with fewer than 30
answers carry no number (``suppressed``). The rules are those of :mod:`perron.monitor.service`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from perron.access.policy import Purpose
from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import problem_responses
from perron.api.schemas import monitor as schemas
from perron.lazy import lazy_module
from perron.monitor.model import ITEMS, THRESHOLD

# pandas and SciPy load with the first monitor request, not at start-up
service = lazy_module("perron.monitor.service")

router = APIRouter(prefix="/api/monitor", tags=["monitor"])

PurposeQ = Annotated[
    Purpose,
    Query(description="Why you read the scores: operational, analysis or accountability."),
]
YearQ = Annotated[
    int | None, Query(description="calendar year (default: the latest)", ge=1900, le=2200)
]


@router.get(
    "/years",
    summary="Years with survey responses",
    response_model=schemas.Years,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 422),
)
def get_years(
    db: DbSession, user: CurrentUser, purpose: PurposeQ = Purpose.ANALYSIS
) -> dict[str, Any]:
    return service.survey_years(db, user, purpose)


@router.get(
    "/scores",
    summary="Weighted scores: national, by gender, by size class",
    response_model=schemas.Scores,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
def get_scores(
    db: DbSession,
    user: CurrentUser,
    year: YearQ = None,
    start: Annotated[date | None, Query(alias="from", description="first day of a period")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day of a period")] = None,
    station: Annotated[str | None, Query(description="also this station's scores")] = None,
    item: Annotated[list[str] | None, Query(description=f"items, of {list(ITEMS)}")] = None,
    purpose: PurposeQ = Purpose.ANALYSIS,
) -> dict[str, Any]:
    """Post-stratified weighted means with 95 % intervals and the number of answers."""
    return service.scores(
        db, user, purpose, year=year, start=start, end=end, station=station, items=item
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
    user: CurrentUser,
    year: YearQ = None,
    threshold: Annotated[float, Query(ge=1, le=10)] = THRESHOLD,
    purpose: PurposeQ = Purpose.ANALYSIS,
) -> dict[str, Any]:
    return service.below_threshold(db, user, purpose, year, threshold)


@router.get(
    "/map",
    summary="Evening safety per station, for a map",
    response_model=schemas.ScoreMap,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
def get_map(
    db: DbSession, user: CurrentUser, year: YearQ = None, purpose: PurposeQ = Purpose.ANALYSIS
) -> dict[str, Any]:
    return service.map_scores(db, user, purpose, year)


@router.get(
    "/stations/{code}",
    summary="One station's scores per year and item (the trend)",
    response_model=schemas.StationTrend,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
def get_station(
    code: str, db: DbSession, user: CurrentUser, purpose: PurposeQ = Purpose.ANALYSIS
) -> dict[str, Any]:
    return service.station_scores(db, user, purpose, code)

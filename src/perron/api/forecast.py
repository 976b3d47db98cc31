"""API of the forecast capability: tonight, the week ahead, and the stored backtest report.

Forecasts describe places and times only. By default they are made from the registry: the
incidents the user may see for the stated purpose (through the access policy; each forecast
read is recorded in the audit trail); ``source=disruptions`` forecasts from the public
disruption file instead. A backtest takes minutes, so the API serves the report that
``perron forecast backtest`` (or ``perron demo``) stored in the data directory. The rules are
those of :mod:`perron.forecast.service`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from perron.access.policy import Purpose
from perron.api.deps import AppSettings, CurrentUser, current_user
from perron.api.problems import Problem, problem_responses
from perron.api.schemas import forecast as schemas

# Forecasts hold no personal data, but they are the product of the registry's incidents and a
# week costs seconds of CPU to compute: they are for logged-in users.
router = APIRouter(
    prefix="/api/forecast",
    tags=["forecast"],
    dependencies=[Depends(current_user)],
    responses=problem_responses(401),
)

#: perron.forecast.service.PRODUCTION_MODELS; the default is its DEFAULT_MODEL (a test checks both)
Model = Literal["blend", "empirical_bayes", "gradient_boosting", "poisson_glm"]
DEFAULT_MODEL: Model = "blend"
Lang = Literal["nl", "en"]


Source = Literal["registry", "disruptions"]
SOURCE_HELP = (
    "registry (default): the incidents in the store that you may see for the purpose, in any "
    "category of the taxonomy (social safety included); disruptions: the public disruption file"
)
PurposeQ = Annotated[
    Purpose,
    Query(description="Why you ask: operational, analysis or accountability (recorded)."),
]


def _data(source: str) -> Any:
    from perron.forecast.service import Disruptions

    return Disruptions() if source == "disruptions" else None


def _categories(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


async def _call(fn, *args, **kwargs) -> Any:
    from perron.forecast.data import DataError
    from perron.forecast.service import UnknownStation

    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except UnknownStation as exc:
        raise Problem(404, "Unknown station", str(exc)) from exc
    except DataError as exc:
        raise Problem(422, "Cannot make the forecast", str(exc)) from exc


@router.get("/tonight", response_model=schemas.Tonight, responses=problem_responses(401, 403, 422))
async def forecast_tonight(
    settings: AppSettings,
    user: CurrentUser,
    day: Annotated[date | None, Query(alias="date", description="default: after the data")] = None,
    model: Model = DEFAULT_MODEL,
    categories: Annotated[str | None, Query(description="comma-separated categories")] = None,
    top: Annotated[int, Query(ge=1, le=400)] = 25,
    lang: Lang = "nl",
    source: Annotated[Source, Query(description=SOURCE_HELP)] = "registry",
    purpose: PurposeQ = Purpose.ANALYSIS,
) -> Response:
    """Stations ranked by expected safety incidents tonight (16–24 h), with the main drivers."""
    from perron.forecast.service import tonight_payload

    body = await _call(
        tonight_payload,
        user,
        purpose,
        _data(source),
        day,
        model,
        _categories(categories),
        settings,
        lang=lang,
        top=top,
    )
    return Response(body, media_type="application/json")


@router.get("/week", response_model=schemas.Week, responses=problem_responses(401, 403, 404, 422))
async def forecast_week(
    settings: AppSettings,
    user: CurrentUser,
    start: Annotated[date | None, Query(description="first day; default: after the data")] = None,
    model: Model = DEFAULT_MODEL,
    categories: Annotated[str | None, Query(description="comma-separated categories")] = None,
    station: Annotated[str | None, Query(description="only this station code")] = None,
    lang: Lang = "nl",
    drivers_top: Annotated[
        int, Query(ge=0, le=20_000, description="cells (by rank) that carry their drivers")
    ] = 100,
    source: Annotated[Source, Query(description=SOURCE_HELP)] = "registry",
    purpose: PurposeQ = Purpose.ANALYSIS,
) -> Response:
    """Expected safety incidents per station, day and four-hour block for seven days. Station
    names are given once in ``stations``; the drivers only for the best-ranked cells."""
    from perron.forecast.service import week_payload

    body = await _call(
        week_payload,
        user,
        purpose,
        _data(source),
        start,
        model,
        _categories(categories),
        settings,
        lang=lang,
        station=station,
        drivers_top=drivers_top,
    )
    return Response(body, media_type="application/json")


@router.get(
    "/backtest",
    response_model=schemas.Backtest,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
async def forecast_backtest(
    settings: AppSettings, user: CurrentUser, purpose: PurposeQ = Purpose.ANALYSIS
) -> dict[str, Any]:
    """The stored rolling-origin backtest report (every model and baseline side by side)."""
    from perron.forecast.service import backtest_report

    rep = backtest_report(user, purpose, settings)
    if rep is None:
        raise Problem(
            404,
            "No backtest report yet",
            "run `perron forecast backtest` (or `perron demo`) to compute and store one",
        )
    return rep

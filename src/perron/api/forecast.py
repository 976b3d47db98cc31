"""API of the forecast capability: tonight, the week ahead, and the stored backtest report.

Forecasts describe places and times only. A backtest takes minutes, so the API serves the
report that ``perron forecast backtest`` (or ``perron demo``) stored in the data directory.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from perron.api.deps import AppSettings, current_user
from perron.api.problems import PROBLEM_SCHEMA, Problem

# Forecasts hold no personal data, but they are the product of the registry's incidents and a
# week costs seconds of CPU to compute: they are for logged-in users.
router = APIRouter(
    prefix="/api/forecast",
    tags=["forecast"],
    dependencies=[Depends(current_user)],
    responses={401: PROBLEM_SCHEMA},
)
JSON_CONTENT: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}}}}

#: perron.forecast.service.PRODUCTION_MODELS; the default is its DEFAULT_MODEL (a test checks both)
Model = Literal["blend", "empirical_bayes", "gradient_boosting", "poisson_glm"]
DEFAULT_MODEL: Model = "blend"
Lang = Literal["nl", "en"]


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


@router.get("/tonight", responses={422: PROBLEM_SCHEMA, **JSON_CONTENT})
async def forecast_tonight(
    settings: AppSettings,
    day: Annotated[date | None, Query(alias="date", description="default: after the data")] = None,
    model: Model = DEFAULT_MODEL,
    categories: Annotated[str | None, Query(description="comma-separated categories")] = None,
    top: Annotated[int, Query(ge=1, le=400)] = 25,
    lang: Lang = "nl",
) -> Response:
    """Stations ranked by expected safety incidents tonight (16–24 h), with the main drivers."""
    from perron.forecast.service import tonight_payload

    body = await _call(
        tonight_payload, None, day, model, _categories(categories), settings, lang=lang, top=top
    )
    return Response(body, media_type="application/json")


@router.get("/week", responses={404: PROBLEM_SCHEMA, 422: PROBLEM_SCHEMA, **JSON_CONTENT})
async def forecast_week(
    settings: AppSettings,
    start: Annotated[date | None, Query(description="first day; default: after the data")] = None,
    model: Model = DEFAULT_MODEL,
    categories: Annotated[str | None, Query(description="comma-separated categories")] = None,
    station: Annotated[str | None, Query(description="only this station code")] = None,
    lang: Lang = "nl",
    drivers_top: Annotated[
        int, Query(ge=0, le=20_000, description="cells (by rank) that carry their drivers")
    ] = 100,
) -> Response:
    """Expected safety incidents per station, day and four-hour block for seven days. Station
    names are given once in ``stations``; the drivers only for the best-ranked cells."""
    from perron.forecast.service import week_payload

    body = await _call(
        week_payload,
        None,
        start,
        model,
        _categories(categories),
        settings,
        lang=lang,
        station=station,
        drivers_top=drivers_top,
    )
    return Response(body, media_type="application/json")


@router.get("/backtest", responses={404: PROBLEM_SCHEMA})
async def forecast_backtest(settings: AppSettings) -> dict[str, Any]:
    """The stored rolling-origin backtest report (every model and baseline side by side)."""
    from perron.forecast.service import load_backtest

    rep = load_backtest(settings)
    if rep is None:
        raise Problem(
            404,
            "No backtest report yet",
            "run `perron forecast backtest` (or `perron demo`) to compute and store one",
        )
    return rep

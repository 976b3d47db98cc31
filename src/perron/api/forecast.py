"""API of the forecast capability: tonight, the week ahead, and the stored backtest report.

Forecasts describe places and times only. A backtest takes minutes, so the API serves the
report that ``perron forecast backtest`` (or ``perron demo``) stored in the data directory.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from perron.api.deps import AppSettings
from perron.api.problems import PROBLEM_SCHEMA, Problem

router = APIRouter(prefix="/api/forecast", tags=["forecast"])

#: perron.forecast.service.PRODUCTION_MODELS; the default is its DEFAULT_MODEL (a test checks both)
Model = Literal["blend", "empirical_bayes", "gradient_boosting", "poisson_glm"]
DEFAULT_MODEL = "blend"
Lang = Literal["nl", "en"]


def _categories(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


async def _call(fn, *args, **kwargs) -> Any:
    from perron.forecast.data import DataError

    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except DataError as exc:
        raise Problem(422, "Cannot make the forecast", str(exc)) from exc


@router.get("/tonight", responses={422: PROBLEM_SCHEMA})
async def forecast_tonight(
    settings: AppSettings,
    day: Annotated[date | None, Query(alias="date", description="default: after the data")] = None,
    model: Model = DEFAULT_MODEL,
    categories: Annotated[str | None, Query(description="comma-separated categories")] = None,
    top: Annotated[int, Query(ge=1, le=400)] = 25,
    lang: Lang = "nl",
) -> dict[str, Any]:
    """Stations ranked by expected safety incidents tonight (16–24 h), with the main drivers."""
    from perron.forecast.service import tonight

    return await _call(
        tonight, None, day, model, _categories(categories), settings, lang=lang, top=top
    )


@router.get("/week", responses={422: PROBLEM_SCHEMA})
async def forecast_week(
    settings: AppSettings,
    start: Annotated[date | None, Query(description="first day; default: after the data")] = None,
    model: Model = DEFAULT_MODEL,
    categories: Annotated[str | None, Query(description="comma-separated categories")] = None,
    station: Annotated[str | None, Query(description="only this station code")] = None,
    lang: Lang = "nl",
) -> dict[str, Any]:
    """Expected safety incidents per station, day and four-hour block for seven days."""
    from perron.forecast.service import week

    res = await _call(week, None, start, model, _categories(categories), settings, lang=lang)
    if station:
        code = station.upper()
        res["cells"] = [c for c in res["cells"] if c["station"] == code]
        res["stations"] = [s for s in res["stations"] if s["code"] == code]
        if not res["cells"]:
            raise Problem(404, "Unknown station", f"no station with code {station!r}")
    return res


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

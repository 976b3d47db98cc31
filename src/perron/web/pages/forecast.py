"""The forecast page (``/forecast``): tonight's ranking on a map, the week as a station × block
heat map, and the stored backtest report with charts; plus the station-page fragment."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from perron.domain.errors import ServiceError
from perron.web.render import PageUser, render
from perron.web.service_errors import service_message

router = APIRouter(include_in_schema=False)

HEAT_STATIONS = 30


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _heat(week: dict[str, Any]) -> list[dict[str, Any]]:
    """Cells of the ``HEAT_STATIONS`` stations with the most expected incidents in the week."""
    totals: dict[str, float] = {}
    for c in week["cells"]:
        totals[c["station"]] = totals.get(c["station"], 0.0) + c["expected"]
    top = sorted(totals, key=lambda s: -totals[s])[:HEAT_STATIONS]
    keep = set(top)
    return [
        {
            "station": f"{c['name']} ({c['station']})",
            "slot": f"{c['date'][5:]} {c['hours']}",
            "expected": c["expected"],
            "order": top.index(c["station"]),
        }
        for c in week["cells"]
        if c["station"] in keep
    ]


def _charts(report: dict[str, Any] | None) -> dict[str, Any] | None:
    if report is None:
        return None
    pai = [
        {"model": m["name"], "kind": m["kind"], "coverage": f"{k} %", "pai": m["pai"][k]}
        for m in report["models"]
        for k in ("5", "10", "20")
    ]
    calib = [
        {"model": m["name"], "forecast": r["forecast_mean"], "observed": r["observed_mean"]}
        for m in report["models"]
        if m["kind"] != "bound" and not m["name"].startswith("seasonal_naive")
        for r in m["calibration"]
    ]
    return {"pai": pai, "calibration": calib}


#: the purpose the pages forecast for (recorded in the audit trail)
PAGE_PURPOSE = "analysis"


def _source(value: str | None) -> Any:
    """The page's source: the registry as the user sees it, or ``?source=disruptions``."""
    from perron.forecast.service import Disruptions

    return Disruptions() if value == "disruptions" else None


@router.get("/forecast", response_class=HTMLResponse)
async def forecast_page(
    request: Request,
    user: PageUser,
    start: str | None = None,
    model: str | None = None,
    source: str | None = None,
) -> Response:
    from perron.forecast.data import DataError
    from perron.forecast.service import DEFAULT_MODEL, PRODUCTION_MODELS, load_backtest, outlook

    settings = request.app.state.settings
    lang = request.query_params.get("lang") or request.cookies.get("perron_lang") or "nl"
    lang = lang if lang in ("nl", "en") else "nl"
    chosen: str = model if model is not None and model in PRODUCTION_MODELS else DEFAULT_MODEL
    error = None
    night = wk = None
    report = None
    info = None
    try:
        view = await run_in_threadpool(
            outlook, user, PAGE_PURPOSE, _source(source), _date(start), chosen, settings, lang
        )
        night, wk, report = view["tonight"], view["week"], view["report"]
        info = view["source"]
    except (DataError, ServiceError) as exc:
        error = service_message(exc) if isinstance(exc, ServiceError) else str(exc)
        report = load_backtest(settings)
    return render(
        request,
        "forecast/page.html",
        {
            "leaflet": True,
            "vega": True,
            "error": error,
            "tonight": night,
            "week_start": wk["start"] if wk else None,
            "heat": _heat(wk) if wk else [],
            "report": report,
            "charts": _charts(report),
            "model": chosen,
            "models": list(PRODUCTION_MODELS),
            "default_model": DEFAULT_MODEL,
            "as_date": date.fromisoformat,
            "source": "disruptions" if source == "disruptions" else "registry",
            "source_info": info,
        },
    )


@router.get("/forecast/stations/{code}/fragment", response_class=HTMLResponse)
async def station_fragment(
    code: str, request: Request, user: PageUser, source: str | None = None
) -> Response:
    """The week ahead of one station (evening blocks), for the station page."""
    from perron.forecast.data import DataError
    from perron.forecast.service import DEFAULT_MODEL, station_week

    settings = request.app.state.settings
    try:
        wk = await run_in_threadpool(
            station_week, user, PAGE_PURPOSE, code, _source(source), None, DEFAULT_MODEL, settings
        )
    except (DataError, ServiceError):
        return HTMLResponse("", status_code=204)
    return render(
        request,
        "forecast/station_fragment.html",
        {
            "rows": wk["rows"],
            "drivers": wk["drivers"],
            "start": wk["start"],
            "cells_total": wk["cells_total"],
            "as_date": date.fromisoformat,
        },
    )

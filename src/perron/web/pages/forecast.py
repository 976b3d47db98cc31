"""The forecast page (``/forecast``): tonight's ranking on a map, the week as a station × block
heat map, and the stored backtest report with charts; plus the station-page fragment."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from perron.web.render import PageUser, render

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


@router.get("/forecast", response_class=HTMLResponse)
async def forecast_page(
    request: Request, user: PageUser, start: str | None = None, model: str | None = None
) -> Response:
    from perron.forecast.data import DataError
    from perron.forecast.service import (
        DEFAULT_MODEL,
        PRODUCTION_MODELS,
        load_backtest,
        tonight,
        week_view,
    )

    settings = request.app.state.settings
    lang = request.query_params.get("lang") or request.cookies.get("perron_lang") or "nl"
    lang = lang if lang in ("nl", "en") else "nl"
    chosen: str = model if model is not None and model in PRODUCTION_MODELS else DEFAULT_MODEL
    error = None
    night = wk = None
    try:
        night = await run_in_threadpool(
            tonight, None, _date(start), chosen, None, settings, lang=lang, top=25
        )
        wk = await run_in_threadpool(week_view, None, _date(start), chosen, None, settings, lang)
    except DataError as exc:
        error = str(exc)
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
        },
    )


@router.get("/forecast/stations/{code}/fragment", response_class=HTMLResponse)
async def station_fragment(code: str, request: Request, user: PageUser) -> Response:
    """The week ahead of one station (evening blocks), for the station page."""
    from perron.forecast.data import DataError
    from perron.forecast.service import DEFAULT_MODEL, week_view

    settings = request.app.state.settings
    try:
        wk = await run_in_threadpool(week_view, None, None, DEFAULT_MODEL, None, settings)
    except DataError:
        return HTMLResponse("", status_code=204)
    code = code.upper()
    cells = [c for c in wk["cells"] if c["station"] == code]
    if not cells:
        return HTMLResponse("", status_code=204)
    rows: dict[str, dict[str, Any]] = {}
    for c in cells:
        if c["evening"]:
            r = rows.setdefault(c["date"], {"date": c["date"], "rank": c["rank"]})
            r[c["hours"]] = c["expected"]
            r["rank"] = min(r["rank"], c["rank"])
    best = min(cells, key=lambda c: c["rank"])
    return render(
        request,
        "forecast/station_fragment.html",
        {
            "rows": list(rows.values()),
            "drivers": best.get("drivers", []),
            "start": wk["start"],
            "cells_total": len(wk["cells"]),
            "as_date": date.fromisoformat,
        },
    )

"""Programme pages: the dashboard (``/programme``: deals on a map, budget burn, measures by
status, the under-6.0 stations without a deal, the stations in greatest need), a deal page
with its history, and the optimiser (budget in, portfolio and efficient frontier out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from perron.http.deps import DbSession
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)

MAX_BUDGET = 100_000_000


def _dashboard(db: Any, user: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from perron.programme import deals as d
    from perron.store.tables.reference import Station

    deals = d.list_deals(db, user)
    summary = d.budget_summary(db, user)
    with_deal: dict[str, list[dict[str, Any]]] = {}
    for deal in deals:
        if deal["status"] == "cancelled":
            continue
        for s in deal["stations"]:
            with_deal.setdefault(s, []).append({"code": deal["code"], "status": deal["status"]})
    pos = {
        r.code: (r.lat, r.lng, r.name_long)
        for r in db.execute(select(Station.code, Station.lat, Station.lng, Station.name_long))
    }
    under6: list[dict[str, Any]] = []
    synthetic_monitor = None
    try:
        from perron.monitor import service, store

        years = store.available_years(db)
        if years:
            below = service.below_threshold(db, user, "analysis", years[-1])
            synthetic_monitor = below.get("synthetic")
            under6 = [
                {**s, "lat": pos[s["code"]][0], "lng": pos[s["code"]][1]}
                for s in below["stations"]
                if s["code"] not in with_deal and s["code"] in pos
            ]
    except ImportError:  # pragma: no cover
        pass
    counts: dict[str, int] = {}
    for deal in deals:
        for k, v in deal["measures_by_status"].items():
            counts[k] = counts.get(k, 0) + v
    markers = [
        {
            "code": s,
            "name": pos[s][2],
            "lat": pos[s][0],
            "lng": pos[s][1],
            "deals": v,
            "status": v[0]["status"],
        }
        for s, v in with_deal.items()
        if s in pos
    ]
    return {
        "deals": deals,
        "budget": summary,
        "markers": markers,
        "under6": under6,
        "counts": counts,
        "synthetic": any(x["synthetic"] for x in deals) or bool(synthetic_monitor),
    }


@router.get("/programme", response_class=HTMLResponse)
def programme_page(request: Request, user: PageUser, db: DbSession) -> Response:
    data = _dashboard(db, user)
    status_rows = [{"status": k, "count": v} for k, v in data["counts"].items()]
    budget_rows = []
    for line in data["budget"]["lines"]:
        budget_rows += [
            {"line": line["code"], "part": "spent", "eur": line["spent_eur"]},
            {
                "line": line["code"],
                "part": "committed",
                "eur": max(line["committed_eur"] - line["spent_eur"], 0),
            },
            {"line": line["code"], "part": "remaining", "eur": max(line["remaining_eur"], 0)},
        ]
    return render(
        request,
        "programme/page.html",
        {
            "leaflet": True,
            "vega": True,
            **data,
            "charts": {"status": status_rows, "budget": budget_rows},
        },
    )


@router.get("/programme/need", response_class=HTMLResponse)
async def need_page(request: Request, user: PageUser, db: DbSession) -> Response:
    from perron.programme.errors import ProgrammeError
    from perron.programme.need import need_index

    error = None
    need = None
    try:
        need = await run_in_threadpool(
            need_index, db, user, None, None, 100, settings=request.app.state.settings
        )
    except ProgrammeError as exc:
        error = str(exc)
    return render(
        request,
        "programme/need.html",
        {
            "leaflet": True,
            "need": need,
            "error": error,
            "items": (need or {}).get("items", []),
            "points": [
                {k: i[k] for k in ("station", "name", "lat", "lng", "score", "rank")}
                for i in (need or {}).get("items", [])
            ],
        },
    )


@router.get("/programme/deals/{code}", response_class=HTMLResponse)
def deal_page(code: str, request: Request, user: PageUser, db: DbSession) -> Response:
    from perron.programme import deals as d
    from perron.programme.errors import NotFound

    try:
        deal = d.get_deal(db, user, code)
    except NotFound:
        return render(request, "programme/missing.html", {"code": code}, status_code=404)
    from sqlalchemy import select

    from perron.store.tables.reference import Station

    stations = [
        {"code": r.code, "name": r.name_long, "lat": r.lat, "lng": r.lng}
        for r in db.execute(
            select(Station.code, Station.name_long, Station.lat, Station.lng).where(
                Station.code.in_(deal["stations"])
            )
        )
    ]
    return render(
        request,
        "programme/deal.html",
        {
            "leaflet": True,
            "deal": deal,
            "stations": stations,
            "may_change": d.is_programme_manager(user)
            or (
                user.role.value == "admin"
                and user.party_code in {p["party"] for p in deal["parties"]}
            ),
        },
    )


def _budget(value: str | None) -> tuple[float, str | None]:
    if value is None or value == "":
        return 20_000_000.0, None
    try:
        b = float(value.replace(".", "").replace(",", "").replace("€", "").strip())
    except ValueError:
        return 20_000_000.0, "budget"
    if not 0 <= b <= MAX_BUDGET:
        return 20_000_000.0, "budget"
    return b, None


@router.get("/programme/optimiser", response_class=HTMLResponse)
async def optimiser_page(
    request: Request, user: PageUser, db: DbSession, budget: str | None = None
) -> Response:
    from perron.programme.errors import ProgrammeError
    from perron.programme.portfolio import optimise_programme

    amount, bad = _budget(budget)
    error = None
    result = None
    try:
        result = await run_in_threadpool(optimise_programme, db, user, amount)
    except ProgrammeError as exc:
        error = str(exc)
    # the frontier (42 solves) is fetched by the page from /api/programme/frontier
    points: list[dict[str, Any]] = []
    return render(
        request,
        "programme/optimiser.html",
        {
            "leaflet": True,
            "vega": True,
            "budget": amount,
            "bad_budget": bad,
            "result": result,
            "error": error,
            "frontier": points,
        },
    )

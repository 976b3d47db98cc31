"""The military transport page (``/military``): a planner enters a request and sees the route on
a map, the departure slot, a time-distance chart of the path among the civil trains it touches,
the civil impact and the ranked alternatives; with JSON and PDF export.

Access as in :mod:`perron.military.access` (ProRail capacity planning, Defensie, IenW, ILT)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from perron.http.deps import DbSession
from perron.lazy import lazy_module
from perron.web.render import PageUser, render

military = lazy_module("perron.military")
router = APIRouter(include_in_schema=False)

DEFAULTS = {
    "origin": "VS",
    "destination": "ZV",
    "earliest": "",
    "latest_arrival": "",
    "length_m": "600",
    "mass_t": "2000",
    "max_speed_kmh": "100",
    "gauge": "G1",
    "traction": "electric",
    "rid_class": "",
    "avoid": "",
    "reference": "",
}


def _sites() -> list[dict[str, Any]]:
    from perron.military.data import network, reference

    net = network()
    out = []
    for s in reference():
        st = net.stations.get(s.code)
        lat = s.lat if s.lat is not None else (st.lat if st else None)
        lon = s.lon if s.lon is not None else (st.lon if st else None)
        if lat is None or lon is None:
            continue
        out.append({"kind": s.kind, "name": s.name, "code": s.code, "lat": lat, "lon": lon})
    return out


def _coords(codes: list[str]) -> list[list[float]]:
    from perron.military.data import network

    net = network()
    pts = []
    for c in codes:
        st = net.stations.get(c)
        if st and st.lat is not None and st.lon is not None:
            pts.append([st.lat, st.lon])
    return pts


def _view(detail: dict[str, Any]) -> dict[str, Any]:
    plan = detail["plan"]
    alts = plan.get("alternatives", [])
    return {
        "route": _coords(plan["route"]),
        "alternatives": [{"rank": a["rank"], "line": _coords(a["route"])} for a in alts],
        "waits": [
            {"code": w["station"], "minutes": w["minutes"], "at": _coords([w["station"]])}
            for w in plan.get("waits", [])
        ],
        "chart": plan.get("chart", {}),
    }


def _page(
    request: Request, db: Any, user: Any, form: dict[str, Any] | None = None, **ctx: Any
) -> Response:
    from perron.military.access import Action, allowed
    from perron.military.data import REFERENCE_LABEL, REFERENCE_LABEL_EN

    may_read = allowed(user.party_code, user.role, Action.READ)
    may_request = allowed(user.party_code, user.role, Action.REQUEST)
    may_decide = allowed(user.party_code, user.role, Action.DECIDE)
    rows: list[dict[str, Any]] = []
    if may_read:
        rows = military.list_requests(db, user, 50)
    detail = ctx.pop("detail", None)
    status = int(ctx.pop("status_code", 200))
    if detail is None and may_read and rows and "error" not in ctx:
        detail = military.get_request(db, user, rows[0]["id"])
    lang = request.query_params.get("lang") or request.cookies.get("perron_lang") or "nl"
    return render(
        request,
        "military/page.html",
        {
            "leaflet": True,
            "vega": True,
            "may_read": may_read,
            "may_request": may_request,
            "may_decide": may_decide,
            "requests": rows,
            "detail": detail,
            "view": _view(detail) if detail else None,
            "sites": _sites(),
            "form": {**DEFAULTS, **(form or {})},
            "reference_label": REFERENCE_LABEL_EN if lang == "en" else REFERENCE_LABEL,
            **ctx,
        },
        status_code=status,
    )


@router.get("/military", response_class=HTMLResponse)
def military_page(
    request: Request, db: DbSession, user: PageUser, id: int | None = None
) -> Response:
    detail = None
    error = None
    if id is not None:
        try:
            detail = military.get_request(db, user, id)
        except (military.NotFound, military.MilitaryAccessDenied, ValueError) as exc:
            error = str(exc)
    ctx: dict[str, Any] = {"detail": detail}
    if error:
        ctx["error"] = error
    return _page(request, db, user, **ctx)


@router.post("/military", response_class=HTMLResponse)
async def military_plan(
    request: Request,
    db: DbSession,
    user: PageUser,
    origin: Annotated[str, Form(max_length=20)] = "",
    destination: Annotated[str, Form(max_length=20)] = "",
    earliest: Annotated[str, Form(max_length=30)] = "",
    latest_arrival: Annotated[str, Form(max_length=30)] = "",
    length_m: Annotated[str, Form(max_length=10)] = "",
    mass_t: Annotated[str, Form(max_length=10)] = "",
    max_speed_kmh: Annotated[str, Form(max_length=10)] = "100",
    gauge: Annotated[str, Form(max_length=4)] = "G1",
    dangerous_goods: Annotated[str, Form(max_length=5)] = "",
    rid_class: Annotated[str, Form(max_length=8)] = "",
    urgent: Annotated[str, Form(max_length=5)] = "",
    traction: Annotated[str, Form(max_length=10)] = "electric",
    avoid: Annotated[str, Form(max_length=600)] = "",
    reference: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    form = {
        "origin": origin,
        "destination": destination,
        "earliest": earliest,
        "latest_arrival": latest_arrival or None,
        "length_m": length_m,
        "mass_t": mass_t,
        "max_speed_kmh": max_speed_kmh or "100",
        "gauge": gauge or "G1",
        "dangerous_goods": dangerous_goods == "on",
        "rid_class": rid_class or None,
        "urgent": urgent == "on",
        "traction": traction or "electric",
        "avoid": avoid,
        "reference": reference,
    }
    try:
        planned = await run_in_threadpool(military.plan_transport, db, user, form)
    except (military.PlanningError, military.MilitaryAccessDenied) as exc:
        db.rollback()
        shown = {k: ("" if v is None else v) for k, v in form.items()}
        return _page(
            request,
            db,
            user,
            shown,
            error=str(exc),
            error_field=getattr(exc, "field", None),
            status_code=403 if isinstance(exc, military.MilitaryAccessDenied) else 422,
        )
    return RedirectResponse(f"/military?id={planned.request_id}", status_code=303)


@router.get("/military/{request_id}/pdf")
def military_pdf(request_id: int, db: DbSession, user: PageUser) -> Response:
    try:
        detail = military.get_request(db, user, request_id)
    except military.NotFound:
        return Response(status_code=404)
    except military.MilitaryAccessDenied:
        return Response(status_code=403)
    return Response(
        military.briefing_pdf(detail),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="military-{request_id}.pdf"'},
    )


@router.post("/military/{request_id}/decision", response_class=HTMLResponse)
def military_decision(
    request: Request,
    request_id: int,
    db: DbSession,
    user: PageUser,
    decision: Annotated[str, Form(max_length=10)] = "",
    rank: Annotated[int, Form(ge=0, le=100)] = 0,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Approve one plan of a request, or reject it (ProRail capacity planning only)."""
    try:
        military.decide(db, user, request_id, decision, rank, note)
    except (military.PlanningError, military.MilitaryAccessDenied, military.NotFound) as exc:
        db.rollback()
        status = 403 if isinstance(exc, military.MilitaryAccessDenied) else 422
        if isinstance(exc, military.NotFound):
            status = 404
        return _page(request, db, user, error=str(exc), status_code=status)
    return RedirectResponse(f"/military?id={request_id}", status_code=303)

"""Pages of the inspections capability: walks (list with a map and a chart, one walk with its
findings on the station map), the phone walk form that keeps working offline, the actions
board, one action, and the recommendations register with the overdue ones highlighted."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from perron.domain.zones import ZONE_KINDS
from perron.http.deps import DbSession
from perron.inspections import recommendations as recs
from perron.inspections import service
from perron.inspections.errors import InspectionError, NotFound
from perron.inspections.model import FINDING_KINDS, EvidenceInput
from perron.inspections.photos import MAX_UPLOAD_BYTES, NO_PEOPLE_WARNING
from perron.store.tables.reference import Station
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)


def _kinds(lang: str) -> dict[str, str]:
    i = 0 if lang == "nl" else 1
    return {k: v[i] for k, v in FINDING_KINDS.items()}


def _zones(lang: str) -> dict[str, str]:
    return {z.code: (z.label_nl if lang == "nl" else z.label_en) for z in ZONE_KINDS}


def _lang(request: Request) -> str:
    from perron.web.i18n import language_of

    return language_of(request)


@router.get("/inspections", response_class=HTMLResponse)
def walks_page(
    request: Request, db: DbSession, user: PageUser, station: str | None = None
) -> Response:
    from perron.web.i18n import translator

    t = translator(_lang(request))
    walks = service.list_walks(db, user, station=station)
    codes = {w.station_code for w in walks}
    points = {
        s.code: {"code": s.code, "name": s.name_long, "lat": s.lat, "lng": s.lng}
        for s in db.scalars(select(Station).where(Station.code.in_(codes)))
    }
    open_by_station: dict[str, int] = {}
    for a in service.list_actions(db, user, station=station):
        if a.status != "closed" and a.station_code:
            open_by_station[a.station_code] = open_by_station.get(a.station_code, 0) + 1
    stations = [
        {
            **p,
            "walks": sum(1 for w in walks if w.station_code == c),
            "open": open_by_station.get(c, 0),
        }
        for c, p in points.items()
    ]
    chart = [
        {
            "station": w.station_code,
            "date": w.walked_on.isoformat(),
            "score": w.score,
            "light": t(f"insp.light.{w.light}"),
            "group": w.group,
        }
        for w in walks
        if w.score is not None
    ]
    compare = None
    if station:
        try:
            compare = service.compare_with_monitor(db, user, station)
        except InspectionError:
            compare = None
    return render(
        request,
        "inspections/walks.html",
        {
            "leaflet": True,
            "vega": True,
            "walks": walks,
            "stations": stations,
            "chart": chart,
            "station": station,
            "compare": compare,
            "templates": {t["group"]: t for t in service.list_templates()},
        },
    )


@router.get("/inspections/walk/new", response_class=HTMLResponse)
def walk_form(request: Request, db: DbSession, user: PageUser, station: str = "") -> Response:
    lang = _lang(request)
    tpls = service.list_templates()
    return render(
        request,
        "inspections/walk_form.html",
        {
            "templates": tpls,
            "rubric": tpls[0]["rubric"],
            "kinds": _kinds(lang),
            "zones": _zones(lang),
            "station": station.upper()[:8],
            "today": date.today().isoformat(),
            "warning": NO_PEOPLE_WARNING[lang],
            "stations": [
                {"code": c, "name": n}
                for c, n in db.execute(
                    select(Station.code, Station.name_long).order_by(Station.name_long)
                )
            ],
        },
    )


@router.get("/inspections/walks/{walk_id}", response_class=HTMLResponse)
def walk_page(walk_id: int, request: Request, db: DbSession, user: PageUser) -> Response:
    lang = _lang(request)
    try:
        walk = service.get_walk(db, user, walk_id)
    except NotFound:
        return render(
            request, "inspections/missing.html", {"what": f"walk {walk_id}"}, status_code=404
        )
    station = db.get(Station, walk.station_code)
    tpls = {t["group"]: t for t in service.list_templates()}
    return render(
        request,
        "inspections/walk.html",
        {
            "leaflet": True,
            "walk": walk,
            "station": {
                "code": station.code,
                "name": station.name_long,
                "lat": station.lat,
                "lng": station.lng,
            }
            if station
            else None,
            "template": tpls.get(walk.group),
            "findings_json": [asdict(f) for f in walk.findings],
            "rubric": next(iter(tpls.values()))["rubric"],
            "kinds": _kinds(lang),
            "zones": _zones(lang),
            "can_act": user.role.value in ("admin", "analyst", "operator"),
            "default_due": (date.today() + timedelta(days=60)).isoformat(),
        },
    )


@router.post("/inspections/findings/{finding_id}/action")
def create_action_form(
    finding_id: int,
    request: Request,
    db: DbSession,
    user: PageUser,
    due_on: Annotated[str, Form()] = "",
    walk_id: Annotated[int, Form()] = 0,
) -> Response:
    try:
        due = date.fromisoformat(due_on)
        action = service.create_action(db, user, due_on=due, finding_id=finding_id)
    except (InspectionError, ValueError) as exc:
        db.rollback()
        return render(request, "inspections/missing.html", {"what": str(exc)}, status_code=400)
    return RedirectResponse(f"/inspections/actions/{action.id}", status_code=303)


@router.get("/inspections/actions", response_class=HTMLResponse)
def actions_board(
    request: Request,
    db: DbSession,
    user: PageUser,
    party: str | None = None,
    station: str | None = None,
) -> Response:
    actions = service.list_actions(db, user, party=party or None, station=station or None)
    columns = {s: [a for a in actions if a.status == s] for s in ("open", "in_progress", "closed")}
    return render(
        request,
        "inspections/actions.html",
        {
            "columns": columns,
            "summary": service.overdue_summary(db, user),
            "party": party or "",
            "station": station or "",
            "mine": user.party_code,
        },
    )


@router.get("/inspections/actions/{action_id}", response_class=HTMLResponse)
def action_page(
    action_id: int, request: Request, db: DbSession, user: PageUser, error: str = ""
) -> Response:
    try:
        action = service.get_action(db, user, action_id)
    except NotFound:
        return render(
            request, "inspections/missing.html", {"what": f"action {action_id}"}, status_code=404
        )
    return render(
        request,
        "inspections/action.html",
        {
            "action": action,
            "error": error,
            "can_close": user.party_code == action.owner_party
            and user.role.value in ("admin", "analyst", "operator"),
            "warning": NO_PEOPLE_WARNING[_lang(request)],
        },
    )


@router.post("/inspections/actions/{action_id}/status", response_class=HTMLResponse)
async def action_status_form(
    action_id: int,
    request: Request,
    db: DbSession,
    user: PageUser,
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    evidence_kind: Annotated[str, Form()] = "",
    evidence_note: Annotated[str, Form()] = "",
    evidence_url: Annotated[str, Form()] = "",
    evidence_walk: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        ev = None
        if evidence_kind == "photo" and photo is not None:
            data = await photo.read(MAX_UPLOAD_BYTES + 1)
            uploaded = service.upload_photo(db, user, data)
            ev = EvidenceInput("photo", photo_id=uploaded["id"])
        elif evidence_kind in ("note", "link", "rewalk"):
            ev = EvidenceInput(
                evidence_kind,
                note=evidence_note,
                url=evidence_url or None,
                walk_id=int(evidence_walk) if evidence_walk.strip().isdigit() else None,
            )
        service.set_action_status(db, user, action_id, status, reason, ev)
    except InspectionError as exc:
        db.rollback()
        try:
            action = service.get_action(db, user, action_id)
        except NotFound:
            return render(
                request,
                "inspections/missing.html",
                {"what": f"action {action_id}"},
                status_code=404,
            )
        return render(
            request,
            "inspections/action.html",
            {
                "action": action,
                "error": str(exc),
                "can_close": True,
                "warning": NO_PEOPLE_WARNING[_lang(request)],
            },
            status_code=400,
        )
    return RedirectResponse(f"/inspections/actions/{action_id}", status_code=303)


@router.get("/recommendations", response_class=HTMLResponse)
def recommendations_page(
    request: Request, db: DbSession, user: PageUser, as_of: str | None = None
) -> Response:
    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        day = date.today()
    rows = recs.list_recommendations(db, user, as_of=day)
    return render(
        request,
        "inspections/recommendations.html",
        {
            "rows": rows,
            "as_of": day,
            "overdue": [r for r in rows if r.overdue],
            "stale": [r for r in rows if r.stale],
            "monitoring": recs.monitoring_view(db, user, day),
        },
    )


@router.get("/recommendations/{ref}", response_class=HTMLResponse)
def recommendation_page(ref: str, request: Request, db: DbSession, user: PageUser) -> Response:
    try:
        rec = recs.get_recommendation(db, user, ref[:60])
    except NotFound:
        return render(request, "inspections/missing.html", {"what": ref[:60]}, status_code=404)
    actions = [service.get_action(db, user, a) for a in rec.actions]
    return render(request, "inspections/recommendation.html", {"rec": rec, "actions": actions})


@router.get("/inspections/stations/{code}/fragment", response_class=HTMLResponse)
def station_fragment(code: str, request: Request, db: DbSession, user: PageUser) -> Response:
    """A station's walks and open actions, for the station page (204 when it has neither)."""
    walks = service.list_walks(db, user, station=code[:8], limit=5)
    actions = [a for a in service.list_actions(db, user, station=code[:8]) if a.status != "closed"]
    if not walks and not actions:
        return HTMLResponse("", status_code=204)
    return render(
        request,
        "inspections/station_fragment.html",
        {"walks": walks, "actions": actions, "code": code.upper()[:8]},
    )

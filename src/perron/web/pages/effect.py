"""The effect pages: ``/effect`` lists your party's evaluations (and, for admins and analysts,
a form to evaluate a started deal measure on an outcome of choice), ``/effect/{id}`` shows one
as a person reads it — the effect with its interval, the verdict in words, the event-study
chart with the months before the start, and for a synthetic control the donor stations on a
map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from perron.http.deps import DbSession
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)


def _donor_points(
    db: Any, donors: list[dict[str, Any]], treated: list[str]
) -> list[dict[str, Any]]:
    from perron.registry.read_model import station_positions

    pos = station_positions(db)
    out = []
    for d in donors:
        if d["unit"] in pos:
            lat, lng = pos[d["unit"]]
            out.append({"unit": d["unit"], "weight": d["weight"], "lat": lat, "lng": lng})
    for u in treated:
        if u in pos:
            lat, lng = pos[u]
            out.append({"unit": u, "weight": None, "lat": lat, "lng": lng})
    return out


#: the outcome kinds the form offers, in the order of the loop
FORM_OUTCOMES = ("incidents", "disruptions", "alerts", "response_time", "evening_safety")
FORM_STEPS = ("acknowledge", "dispatch", "arrive")


def _list(
    request: Request,
    user: Any,
    db: Any,
    error: str | None = None,
    status_code: int = 200,
    chosen: dict[str, Any] | None = None,
) -> Response:
    from perron.effect import Forbidden, list_evaluations
    from perron.effect.service import WRITE_ROLES

    try:
        rows = [e.summary() for e in list_evaluations(db, user)]
    except Forbidden as exc:
        rows, error = [], error or str(exc)
    measures: list[Any] = []
    if str(getattr(user.role, "value", user.role)) in WRITE_ROLES:
        from perron.programme import list_deal_measures

        measures = list_deal_measures(db, started=True)
    return render(
        request,
        "effect/list.html",
        {
            "rows": rows,
            "error": error,
            "measures": measures,
            "outcomes": FORM_OUTCOMES,
            "steps": FORM_STEPS,
            "chosen": chosen or {},
        },
        status_code=status_code,
    )


@router.get("/effect", response_class=HTMLResponse)
def effect_list(request: Request, user: PageUser, db: DbSession) -> Response:
    return _list(request, user, db)


@router.post("/effect/measure", response_class=HTMLResponse)
def evaluate_measure_form(
    request: Request,
    user: PageUser,
    db: DbSession,
    measure_id: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "incidents",
    step: Annotated[str, Form()] = "acknowledge",
) -> Response:
    """Evaluate a started deal measure on the chosen outcome, store it, show it."""
    from perron.effect import (
        EffectError,
        Forbidden,
        evaluate_measure,
        measure_title,
        panel_digest,
        save_evaluation,
    )

    chosen = {"measure_id": measure_id, "outcome": outcome, "step": step}
    try:
        mid = int(measure_id)
    except ValueError:
        return _list(request, user, db, "measure: choose a measure", 400, chosen)
    try:
        ev, panel, info = evaluate_measure(db, user, mid, outcome=outcome, step=step)
        stored = save_evaluation(
            db,
            user,
            ev,
            title=measure_title(info),
            source="measure",
            panel_sha256=panel_digest(panel),
            measure_id=str(mid),
            measure=info,
        )
    except EffectError as exc:
        db.rollback()
        return _list(request, user, db, str(exc), 400, chosen)
    except Forbidden as exc:
        db.rollback()
        return _list(request, user, db, str(exc), 403, chosen)
    return RedirectResponse(f"/effect/{stored.id}", status_code=303)


@router.get("/effect/{evaluation_id}", response_class=HTMLResponse)
def effect_page(evaluation_id: int, request: Request, user: PageUser, db: DbSession) -> Response:
    from perron.effect import Forbidden, NotFound, get_evaluation

    try:
        ev = get_evaluation(db, user, evaluation_id)
    except NotFound:
        raise HTTPException(404, "no such evaluation") from None
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    r = ev.result
    measure = None
    treated: list[str] = list(r.get("treated") or [])
    if ev.measure_id:
        try:
            from perron.programme import get_deal_measure

            rec = get_deal_measure(db, int(ev.measure_id))
            measure = {
                "id": rec.id,
                "deal": rec.deal_code,
                "code": rec.measure_code,
                "stations": rec.stations,
                "start": rec.actual_start,
            }
            treated = treated or rec.stations
        except Exception:  # the deal may since have been removed: show the stored result
            measure = None
    return render(
        request,
        "effect/page.html",
        {
            "vega": True,
            "leaflet": bool(r.get("donors")),
            "ev": ev,
            "r": r,
            "measure": measure,
            "donor_points": _donor_points(db, r.get("donors") or [], treated),
        },
    )

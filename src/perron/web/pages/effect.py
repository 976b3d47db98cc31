"""The effect pages: ``/effect`` lists your party's evaluations, ``/effect/{id}`` shows one as a
person reads it — the effect with its interval, the verdict in words, the event-study chart
with the months before the start, and for a synthetic control the donor stations on a map."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

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


@router.get("/effect", response_class=HTMLResponse)
def effect_list(request: Request, user: PageUser, db: DbSession) -> Response:
    from perron.effect import Forbidden, list_evaluations

    try:
        rows = [e.summary() for e in list_evaluations(db, user)]
        error = None
    except Forbidden as exc:
        rows, error = [], str(exc)
    return render(request, "effect/list.html", {"rows": rows, "error": error})


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

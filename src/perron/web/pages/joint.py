"""Joint computations in the browser: propose, approve, follow runs and read their cells."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from perron.http.deps import DbSession
from perron.joint import service
from perron.reference.bundle import station_by_code
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)


def _actor(user) -> service.Actor:
    return service.Actor(user.username, user.party_code, user.role)


def _page(request: Request, db, user, error: str | None = None, status: int = 200) -> Response:
    actor = _actor(user)
    try:
        agreements = service.list_agreements(db, actor)
        runs = service.list_runs(db, actor)
    except service.JointDenied as exc:
        return render(request, "joint/page.html", {"denied": str(exc)}, status_code=403)
    try:
        ledger = service.budget(db, actor)
    except service.JointDenied:
        ledger = []
    return render(
        request,
        "joint/page.html",
        {
            "agreements": agreements,
            "runs": runs,
            "ledger": ledger,
            "error": error,
            "is_admin": user.role.value == "admin",
            "party": user.party_code,
            "today": date.today().isoformat(),
        },
        status_code=status,
    )


@router.get("/joint", response_class=HTMLResponse)
def joint_page(request: Request, db: DbSession, user: PageUser) -> Response:
    return _page(request, db, user)


@router.post("/joint/agreements")
def propose_form(
    request: Request,
    db: DbSession,
    user: PageUser,
    title: Annotated[str, Form(max_length=200)],
    parties: Annotated[str, Form(max_length=400)],
    addresses: Annotated[str, Form(max_length=3200)],
    since: Annotated[str, Form(max_length=10)],
    until: Annotated[str, Form(max_length=10)],
    purpose: Annotated[str, Form(max_length=20)] = "analysis",
    epsilon: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        noisy = bool(epsilon.strip())
        query = service.make_query(
            date.fromisoformat(since),
            date.fromisoformat(until),
            purpose=purpose,
            privacy="noisy" if noisy else "suppress",
            epsilon=float(epsilon) if noisy else None,
        )
        service.propose(
            db,
            _actor(user),
            title=title,
            query=query,
            addresses=service.parse_parties(addresses.replace("\n", ",")),
            parties=[p.strip() for p in parties.split(",") if p.strip()],
        )
    except (ValueError, service.JointDenied) as exc:
        db.rollback()
        return _page(request, db, user, error=str(exc), status=422)
    return RedirectResponse("/joint", status_code=303)


@router.post("/joint/agreements/{agreement_id}/{action}")
def decide_form(
    agreement_id: int, action: str, request: Request, db: DbSession, user: PageUser
) -> Response:
    fn = {"approve": service.approve, "withdraw": service.withdraw}.get(action)
    if fn is None:
        return _page(request, db, user, error=f"unknown action {action!r}", status=404)
    try:
        fn(db, _actor(user), agreement_id)
    except (service.JointError, service.JointDenied, service.JointNotFound) as exc:
        db.rollback()
        return _page(request, db, user, error=str(exc), status=422)
    return RedirectResponse("/joint", status_code=303)


def _run_view(run: dict[str, Any], lang: str) -> dict[str, Any]:
    from perron.domain.taxonomy import label as group_label

    stations = station_by_code()
    per_station: dict[str, dict[str, Any]] = {}
    monthly: dict[tuple[str, str], int] = defaultdict(int)
    for c in run["cells"]:
        s = per_station.setdefault(
            c["station"], {"code": c["station"], "count": 0, "suppressed": 0}
        )
        if c["suppressed"]:
            s["suppressed"] += 1
        else:
            s["count"] += int(c["count"])
            monthly[(c["month"], c["group"])] += int(c["count"])
    points = []
    for code, s in per_station.items():
        st = stations.get(code)
        if st is not None:
            points.append({**s, "name": st.name_long, "lat": st.lat, "lng": st.lng})
    return {
        "points": sorted(points, key=lambda p: -p["count"]),
        "monthly": [
            {"month": m, "group": group_label(g, lang), "count": n}
            for (m, g), n in sorted(monthly.items())
        ],
    }


@router.get("/joint/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: int, request: Request, db: DbSession, user: PageUser) -> Response:
    try:
        run = service.get_run(db, _actor(user), run_id)
    except service.JointNotFound as exc:
        return render(request, "joint/run.html", {"missing": str(exc)}, status_code=404)
    except service.JointDenied as exc:
        return render(request, "joint/run.html", {"missing": str(exc)}, status_code=403)
    from perron.web.i18n import language_of

    view = _run_view(run, language_of(request))
    return render(
        request,
        "joint/run.html",
        {"run": run, "leaflet": True, "vega": True, "view": view, "top": view["points"][:15]},
    )

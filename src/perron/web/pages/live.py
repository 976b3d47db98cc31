"""Live pages: the operator console (``/live``), the field-unit phone page (``/field``) and the
station-page fragment of open alerts (``/live/stations/{code}/fragment``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from perron.domain.alerts import ACK_LIMITS, TransitionError
from perron.domain.parties import NATIONAL_PARTIES
from perron.domain.zones import ZONE_BY_CODE, ZONE_KINDS
from perron.http.deps import DbSession
from perron.web.i18n import language_of, translator
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)

# Keys the console's script needs, passed to it as one translated object.
CONSOLE_KEYS = (
    "live.state.new",
    "live.state.acknowledged",
    "live.state.dispatched",
    "live.state.on_scene",
    "live.state.resolved",
    "live.severity.low",
    "live.severity.medium",
    "live.severity.high",
    "live.severity.critical",
    "live.action.acknowledge",
    "live.action.dispatch",
    "live.action.on_scene",
    "live.action.release",
    "live.action.resolve_true",
    "live.action.resolve_false",
    "live.outcome.note",
    "live.no_alerts",
    "live.select",
    "live.proposals",
    "live.no_units",
    "live.minutes",
    "live.transitions",
    "live.party",
    "live.zone",
    "live.triggers",
    "live.unit",
    "live.synthetic",
    "live.may_not_act",
    "live.connected",
    "live.disconnected",
    "live.new_alert",
    "live.unit.status.available",
    "live.unit.status.dispatched",
    "live.unit.status.on_scene",
    "live.unit.status.off_duty",
    "live.kpi.acknowledge",
    "live.kpi.dispatch",
    "live.kpi.arrive",
    "live.kpi.resolve",
    "live.kpi.none",
    "live.export",
    "live.status",
)


@router.get("/live", response_class=HTMLResponse)
def console(request: Request, user: PageUser) -> Response:
    """The operator console; the alerts, units and figures are loaded by the page's script from
    the API and kept current with the live feed."""
    lang = language_of(request)
    t = translator(lang)
    strings = {k: t(k) for k in CONSOLE_KEYS}
    strings.update(
        {f"zone.{z.code}": z.label_nl if lang == "nl" else z.label_en for z in ZONE_KINDS}
    )
    strings.update({f"party.{p.code}": p.name for p in NATIONAL_PARTIES})
    return render(
        request,
        "live/console.html",
        {
            "strings": strings,
            "ack_limits": {k: int(v.total_seconds()) for k, v in ACK_LIMITS.items()},
        },
    )


@router.get("/field", response_class=HTMLResponse)
def field_page(request: Request, user: PageUser, db: DbSession) -> Response:
    """The phone page of a field unit: the alert it is sent to, with accept, arrived and close."""
    from perron.live.alerts import alert_dict, current_assignment, unit_of_user
    from perron.live.units import unit_dict
    from perron.store.tables.reference import Station

    unit = unit_of_user(db, user)
    alert = current_assignment(db, unit) if unit is not None else None
    accepted = False
    data = None
    if alert is not None:
        from perron.live.alerts import transitions

        data = alert_dict(alert, db.get(Station, alert.station_code))
        station = db.get(Station, alert.station_code)
        data["lat"], data["lng"] = (station.lat, station.lng) if station else (None, None)
        accepted = any(
            t.note and t.note.startswith("accepted by unit") for t in transitions(db, alert.id)
        )
    return render(
        request,
        "live/field.html",
        {
            "unit": unit_dict(unit) if unit is not None else None,
            "alert": data,
            "accepted": accepted,
            "zone_label": _zone_label(request),
            "message": request.query_params.get("msg"),
        },
    )


@router.post("/field/{alert_id}/{action}")
def field_action(
    alert_id: int,
    action: str,
    request: Request,
    user: PageUser,
    db: DbSession,
    outcome: Annotated[str | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
) -> Response:
    """Accept, arrived or close, from the field page's buttons (plain forms: works without
    scripts on any phone)."""
    from perron.live.alerts import AlertError, accept, transition

    try:
        if action == "accept":
            accept(db, alert_id, user)
        elif action == "arrived":
            transition(db, alert_id, "on_scene", actor=user.username, principal=user)
        elif action == "close":
            transition(
                db,
                alert_id,
                "resolved",
                actor=user.username,
                principal=user,
                outcome=outcome,
                note=(note or "").strip() or None,
            )
        else:
            return RedirectResponse("/field", status_code=303)
    except (AlertError, TransitionError) as exc:
        db.rollback()
        from urllib.parse import quote

        return RedirectResponse(f"/field?msg={quote(str(exc))}", status_code=303)
    return RedirectResponse("/field", status_code=303)


@router.get("/live/stations/{code}/fragment", response_class=HTMLResponse)
def station_fragment(code: str, request: Request, user: PageUser, db: DbSession) -> Response:
    """Open alerts at one station that the user may see; an empty state (200) when there are
    none, saying whether the station has cameras or sensors at all; 404 for an unknown station."""
    from sqlalchemy import func, select

    from perron.live.alerts import alert_dict, list_alerts
    from perron.store.tables.live import CameraMapping
    from perron.store.tables.reference import Station

    code = code.upper()[:8]
    if db.get(Station, code) is None:
        return HTMLResponse("", status_code=404)
    alerts = list_alerts(db, user, open_only=True, station=code, limit=20)
    cameras = 0
    if not alerts:
        cameras = db.scalar(
            select(func.count())
            .select_from(CameraMapping)
            .where(CameraMapping.station_code == code)
        )
    return render(
        request,
        "live/station_fragment.html",
        {
            "alerts": [alert_dict(a) for a in alerts],
            "cameras": cameras,
            "zone_label": _zone_label(request),
        },
    )


def _zone_label(request: Request):
    lang = language_of(request)

    def label(code: str | None) -> str:
        zone = ZONE_BY_CODE.get(code or "")
        if zone is None:
            return code or ""
        return zone.label_nl if lang == "nl" else zone.label_en

    return label

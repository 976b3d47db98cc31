"""Live pages: the operator console (``/live``), the field-unit phone page (``/field``) and the
station-page fragment of open alerts (``/live/stations/{code}/fragment``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from perron.domain.alerts import ACK_LIMITS
from perron.domain.errors import NotFound, ServiceError
from perron.domain.parties import NATIONAL_PARTIES
from perron.domain.zones import ZONE_BY_CODE, ZONE_KINDS
from perron.http.deps import DbSession
from perron.web.i18n import language_of, translator
from perron.web.render import PageUser, render
from perron.web.service_errors import service_message

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
    from perron.live import service

    view = service.field_assignment(db, user)
    return render(
        request,
        "live/field.html",
        {
            "unit": view.unit,
            "alert": view.alert,
            "accepted": view.accepted,
            "zone_label": _zone_label(request),
            "message": request.query_params.get("msg"),
        },
    )


#: the field page's buttons and the service action each one takes
FIELD_ACTIONS = {"arrived": "on-scene", "close": "resolve"}


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
    from perron.live import service

    try:
        if action == "accept":
            service.accept_alert(db, user, alert_id)
        elif action in FIELD_ACTIONS:
            service.move_alert(
                db, user, alert_id, FIELD_ACTIONS[action], outcome=outcome or None, note=note
            )
        else:
            return RedirectResponse("/field", status_code=303)
    except ServiceError as exc:
        db.rollback()
        return RedirectResponse(f"/field?msg={quote(service_message(exc))}", status_code=303)
    return RedirectResponse("/field", status_code=303)


@router.get("/live/stations/{code}/fragment", response_class=HTMLResponse)
def station_fragment(code: str, request: Request, user: PageUser, db: DbSession) -> Response:
    """Open alerts at one station that the user may see; an empty state (200) when there are
    none, saying whether the station has cameras or sensors at all; 404 for an unknown station."""
    from perron.live import service

    try:
        view = service.open_alerts_at(db, user, code)
    except NotFound:
        return HTMLResponse("", status_code=404)
    return render(
        request,
        "live/station_fragment.html",
        {"alerts": view.alerts, "cameras": view.cameras, "zone_label": _zone_label(request)},
    )


def _zone_label(request: Request):
    lang = language_of(request)

    def label(code: str | None) -> str:
        zone = ZONE_BY_CODE.get(code or "")
        if zone is None:
            return code or ""
        return zone.label_nl if lang == "nl" else zone.label_en

    return label

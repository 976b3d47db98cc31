"""API of alerts and response units: list, detail, lifecycle actions, exports (CAP, NGSI-LD),
units with the nearest-unit proposal, response-time figures and the live feed (SSE)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from perron.access.accounts import Principal
from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import PROBLEM_SCHEMA, Problem
from perron.domain.alerts import ACK_LIMITS, AlertState, TransitionError
from perron.domain.parties import Role
from perron.lazy import lazy_module
from perron.live.alerts import (
    AlertForbidden,
    AlertNotFound,
    alert_dict,
    can_act,
    get_alert,
    list_alerts,
    parties_of,
    station_names,
    transition,
    transition_dict,
    transitions,
)
from perron.live.feed import AlertFeed
from perron.live.units import UnitError, list_units, propose, unit_dict, update_unit
from perron.store.tables.live import Alert
from perron.store.tables.reference import Station

kpi = lazy_module("perron.live.kpi")  # NumPy loads with the first response-time request

FEED_POLL_S = 1.0
FEED_HEARTBEAT_S = 15.0
log = logging.getLogger("perron.alerts")


async def _periodic(app, interval: float) -> None:
    from perron.live.alerts import housekeeping

    while True:
        await asyncio.sleep(interval)
        sessions = getattr(app.state, "sessions", None)
        if sessions is None:
            continue
        try:
            result = await run_in_threadpool(housekeeping, sessions)
            if result["escalated"] or result["failed"]:
                log.warning("alert housekeeping: %s", result)
        except Exception:  # keep the loop alive; the next round tries again
            log.exception("alert housekeeping failed")


@asynccontextmanager
async def alert_tasks(app) -> AsyncIterator[None]:
    """While the app runs: escalation and webhook delivery every
    ``PERRON_ALERT_TASKS_INTERVAL`` seconds (default 10; 0 switches them off)."""
    interval = app.state.settings.alert_tasks_interval
    task = asyncio.create_task(_periodic(app, interval)) if interval > 0 else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


router = APIRouter(
    prefix="/api", tags=["alerts"], responses={"4XX": PROBLEM_SCHEMA}, lifespan=alert_tasks
)


def _detail(db, alert: Alert, user: Principal) -> dict[str, Any]:
    out = alert_dict(alert, db.get(Station, alert.station_code))
    out["transitions"] = [transition_dict(t) for t in transitions(db, alert.id)]
    out["may_act"] = can_act(user, alert)
    out["parties"] = sorted(parties_of(alert))
    out["proposals"] = (
        [p.__dict__ for p in propose(db, alert)]
        if alert.state == AlertState.ACKNOWLEDGED.value or alert.state == AlertState.NEW.value
        else []
    )
    return out


def _get(db, alert_id: int, user: Principal) -> Alert:
    try:
        return get_alert(db, alert_id, user)
    except AlertNotFound as exc:
        raise Problem(404, "Not Found", str(exc)) from exc


@router.get("/alerts", summary="Alerts the user may see, newest first")
def api_list_alerts(
    db: DbSession,
    user: CurrentUser,
    state: str | None = Query(
        None, description="new, acknowledged, dispatched, on_scene, resolved"
    ),
    open: bool = Query(False, description="only alerts that are not resolved"),
    station: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> dict[str, Any]:
    alerts = list_alerts(db, user, state=state, open_only=open, station=station, limit=limit)
    names = station_names(db, alerts)
    return {"alerts": [alert_dict(a, names.get(a.station_code)) for a in alerts]}


@router.get("/alerts/stream", summary="Live feed of alert changes (server-sent events)")
async def api_alert_stream(
    request: Request,
    user: CurrentUser,
    since: datetime | None = Query(None, description="replay changes after this time"),
) -> StreamingResponse:
    """``text/event-stream`` with events ``alert.created`` and ``alert.updated`` whose data is
    the alert's JSON; a comment line every 15 s keeps the connection open."""
    sessions = request.app.state.sessions
    poll = getattr(request.app.state, "alert_feed_poll_s", FEED_POLL_S)
    start = since or datetime.now(UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    feed = AlertFeed(user, start)

    def _poll() -> list[tuple[str, dict[str, Any]]]:
        with sessions() as s:
            return feed.poll(s)

    async def events():
        yield "retry: 2000\n\n"
        quiet = 0.0
        while True:
            if await request.is_disconnected():
                break
            items = await run_in_threadpool(_poll)
            for name, data in items:
                payload = json.dumps(data, default=str, ensure_ascii=False)
                yield f"event: {name}\nid: {data['id']}\ndata: {payload}\n\n"
            if items:
                quiet = 0.0
            else:
                quiet += poll
                if quiet >= FEED_HEARTBEAT_S:
                    quiet = 0.0
                    yield ": keep-alive\n\n"
            await asyncio.sleep(poll)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/alerts/response-times", summary="Response-time percentiles")
def api_response_times(
    db: DbSession,
    user: CurrentUser,
    group_by: Literal["station", "party", "period", "all"] = "all",
    period: Literal["day", "week", "month"] = "month",
    days: int = Query(30, ge=1, le=3660, description="look back this many days"),
    station: str | None = None,
) -> dict[str, Any]:
    """Seconds from opening to acknowledge, dispatch, arrive and resolve: p50, p90, p95 per
    group, over the alerts the user's party was responsible for (NS and ProRail together)."""
    since = datetime.now(UTC) - timedelta(days=days)
    parties = frozenset({user.party_code})
    if user.party_code in ("ns", "prorail"):
        parties = frozenset({"ns", "prorail"})
    rows = kpi.response_times(
        db, group_by=group_by, period=period, since=since, station=station, parties=parties
    )
    return {"group_by": group_by, "since": since, "unit": "seconds", "rows": rows}


@router.get("/alerts/ack-limits", summary="Acknowledgement limits per severity")
def api_ack_limits(_user: CurrentUser) -> dict[str, int]:
    return {k: int(v.total_seconds()) for k, v in ACK_LIMITS.items()}


@router.get("/alerts/{alert_id}", summary="One alert with its transitions and unit proposals")
def api_get_alert(alert_id: int, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _detail(db, _get(db, alert_id, user), user)


@router.get(
    "/alerts/{alert_id}/export",
    summary="The alert as CAP 1.2 XML or an NGSI-LD Alert",
    responses={200: {"content": {"application/cap+xml": {}, "application/ld+json": {}}}},
)
def api_export_alert(
    alert_id: int,
    db: DbSession,
    user: CurrentUser,
    format: Literal["cap", "ngsi-ld"] = "cap",
) -> Response:
    from perron.interop.cap import alert_to_cap
    from perron.interop.ngsi_ld import alert_to_ngsi_ld

    alert = _get(db, alert_id, user)
    if format == "cap":
        return Response(alert_to_cap(db, alert), media_type="application/cap+xml")
    return Response(
        json.dumps(alert_to_ngsi_ld(db, alert), ensure_ascii=False),
        media_type="application/ld+json",
    )


class TransitionIn(BaseModel):
    note: str | None = Field(None, max_length=2000)
    unit: str | None = Field(None, description="unit id or code (dispatch)")
    outcome: Literal["true_alarm", "false_alarm"] | None = None


ACTIONS = {
    "acknowledge": AlertState.ACKNOWLEDGED.value,
    "dispatch": AlertState.DISPATCHED.value,
    "on-scene": AlertState.ON_SCENE.value,
    "resolve": AlertState.RESOLVED.value,
    "release": AlertState.ACKNOWLEDGED.value,
}


@router.post("/alerts/{alert_id}/{action}", summary="Move an alert through its lifecycle")
def api_transition(
    alert_id: int,
    action: Literal["acknowledge", "dispatch", "on-scene", "resolve", "release"],
    db: DbSession,
    user: CurrentUser,
    body: TransitionIn | None = None,
) -> dict[str, Any]:
    """``acknowledge``, ``dispatch`` (with ``unit``; the nearest proposed unit when omitted),
    ``on-scene``, ``resolve`` (with ``outcome``) and ``release`` (a dispatched unit declines:
    back to acknowledged). 409 for a move the lifecycle does not allow."""
    body = body or TransitionIn()
    alert = _get(db, alert_id, user)
    unit = body.unit
    if action == "dispatch" and unit is None:
        proposals = propose(db, alert, limit=1)
        if not proposals:
            raise Problem(409, "No unit available", "no available unit may take this alert")
        unit = proposals[0].unit_code
    try:
        alert = transition(
            db,
            alert_id,
            ACTIONS[action],
            actor=user.username,
            principal=user,
            note=body.note,
            outcome=body.outcome,
            unit=unit,
        )
    except AlertForbidden as exc:
        raise Problem(403, "Forbidden", str(exc)) from exc
    except TransitionError as exc:
        raise Problem(409, "Transition not allowed", str(exc)) from exc
    return _detail(db, alert, user)


@router.get("/units", summary="Response units with position and status")
def api_units(
    db: DbSession,
    user: CurrentUser,
    status: str | None = None,
    party: str | None = None,
) -> dict[str, Any]:
    """The units of the user's party (NS and ProRail: of both), and those of other parties while
    they are sent to an alert the user may see."""
    return {"units": [unit_dict(u) for u in list_units(db, user, party=party, status=status)]}


class UnitPatch(BaseModel):
    status: Literal["available", "off_duty"] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


@router.patch("/units/{ref}", summary="Report a unit's status or position")
def api_patch_unit(ref: str, patch: UnitPatch, db: DbSession, user: CurrentUser) -> dict:
    """Operators and admins of the unit's party, or the unit's own field user."""
    from perron.live.units import get_unit

    try:
        unit = get_unit(db, ref)
    except UnitError as exc:
        raise Problem(404, "Not Found", str(exc)) from exc
    own = unit.user_id == user.user_id
    if not own and not (
        user.party_code == unit.party_code and user.role in (Role.ADMIN, Role.OPERATOR)
    ):
        raise Problem(403, "Forbidden", f"{user.username} may not change unit {unit.code}")
    if patch.status is not None and unit.status in ("dispatched", "on_scene"):
        raise Problem(409, "Unit busy", f"unit {unit.code} is {unit.status}: its alert moves it")
    try:
        update_unit(db, unit.id, status=patch.status, lat=patch.lat, lng=patch.lng)
    except UnitError as exc:
        raise Problem(422, "Invalid request", str(exc)) from exc
    return unit_dict(unit)

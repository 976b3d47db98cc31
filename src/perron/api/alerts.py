"""API of alerts and response units: list, detail, lifecycle actions, exports (CAP, NGSI-LD),
units with the nearest-unit proposal, response-time figures and the live feed (SSE)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import PROBLEM_SCHEMA, media_responses, problem_responses
from perron.api.schemas import alerts as schemas
from perron.live import service
from perron.live.feed import AlertFeed

FEED_POLL_S = 1.0
FEED_HEARTBEAT_S = 15.0

router = APIRouter(prefix="/api", tags=["alerts"], responses={"4XX": PROBLEM_SCHEMA})


@router.get(
    "/alerts",
    summary="Alerts the user may see, newest first",
    response_model=schemas.AlertList,
    responses=problem_responses(401, 422),
)
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
    rows = service.list_alerts(db, user, state=state, open_only=open, station=station, limit=limit)
    return {"alerts": rows}


@router.get(
    "/alerts/stream",
    summary="Live feed of alert changes (server-sent events)",
    response_class=StreamingResponse,
    responses=media_responses(
        {"text/event-stream": "events alert.created and alert.updated with the alert as JSON"},
        200,
        401,
        422,
    ),
)
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


@router.get(
    "/alerts/response-times",
    summary="Response-time percentiles",
    response_model=schemas.ResponseTimes,
    responses=problem_responses(401, 422),
)
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
    return service.response_times(
        db, user, group_by=group_by, period=period, days=days, station=station
    ).as_dict()


@router.get(
    "/alerts/ack-limits",
    summary="Acknowledgement limits per severity",
    response_model=schemas.AckLimits,
    responses=problem_responses(401),
)
def api_ack_limits(_user: CurrentUser) -> dict[str, int]:
    return service.ack_limits()


@router.get(
    "/alerts/{alert_id}",
    summary="One alert with its transitions and unit proposals",
    response_model=schemas.AlertDetail,
    responses=problem_responses(401, 403, 404, 422),
)
def api_get_alert(alert_id: int, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return service.show_alert(db, user, alert_id).as_dict()


@router.get(
    "/alerts/{alert_id}/export",
    summary="The alert as CAP 1.2 XML or an NGSI-LD Alert",
    response_class=Response,
    responses=media_responses(
        {
            "application/cap+xml": "a CAP 1.2 alert message",
            "application/ld+json": "an NGSI-LD Alert entity",
        },
        200,
        401,
        403,
        404,
        422,
    ),
)
def api_export_alert(
    alert_id: int,
    db: DbSession,
    user: CurrentUser,
    format: Annotated[str, Query(description="an alert export format: cap, ngsi-ld, json")] = "cap",
) -> Response:
    out = service.export_alert(db, user, alert_id, format)
    return Response(out.text, media_type=out.media_type)


class TransitionIn(BaseModel):
    note: str | None = Field(None, max_length=2000)
    unit: str | None = Field(None, description="unit id or code (dispatch)")
    outcome: Literal["true_alarm", "false_alarm"] | None = None


@router.post(
    "/alerts/{alert_id}/{action}",
    summary="Move an alert through its lifecycle",
    response_model=schemas.AlertDetail,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def api_transition(
    alert_id: int,
    action: Literal["acknowledge", "dispatch", "on-scene", "resolve", "release", "accept"],
    db: DbSession,
    user: CurrentUser,
    body: TransitionIn | None = None,
) -> dict[str, Any]:
    """``acknowledge``, ``dispatch`` (with ``unit``; the nearest proposed unit when omitted),
    ``on-scene``, ``resolve`` (with ``outcome``), ``release`` (a dispatched unit declines:
    back to acknowledged) and ``accept`` (the dispatched unit's field account takes the alert;
    it stays dispatched, ``accepted`` true). 409 for a move the lifecycle does not allow."""
    body = body or TransitionIn(note=None, unit=None, outcome=None)
    return service.move_alert(
        db, user, alert_id, action, note=body.note, unit=body.unit, outcome=body.outcome
    ).as_dict()


@router.get(
    "/units",
    summary="Response units with position and status",
    response_model=schemas.UnitList,
    responses=problem_responses(401, 422),
)
def api_units(
    db: DbSession,
    user: CurrentUser,
    status: str | None = None,
    party: str | None = None,
) -> dict[str, Any]:
    """The units of the user's party (NS and ProRail: of both), and those of other parties while
    they are sent to an alert the user may see."""
    return {"units": service.list_units(db, user, party=party, status=status)}


class UnitPatch(BaseModel):
    status: Literal["available", "off_duty"] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


@router.patch(
    "/units/{ref}",
    summary="Report a unit's status or position",
    response_model=schemas.UnitOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def api_patch_unit(ref: str, patch: UnitPatch, db: DbSession, user: CurrentUser) -> dict:
    """Operators and admins of the unit's party, or the unit's own field user; 409 while the
    unit is dispatched or on scene (its alert moves it)."""
    return service.change_unit(db, user, ref, status=patch.status, lat=patch.lat, lng=patch.lng)

"""HTTP ingest of generic events: ``POST /api/events`` (one) and ``/api/events/batch``.

Authenticated by an API token (``Authorization: Bearer …``) of an admin or operator account of
the party that manages the zones the events are about (see :func:`perron.live.ingest.
authorize_events`); each accepted request is written to the audit trail. The answer 202 is sent only after
the events (and the alerts they raise) are committed; an event id that is already stored is
accepted again without effect, so a client may safely retry. Invalid input is answered with a
problem document naming the item index and the field; nothing of such a batch is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Request
from sqlalchemy import select

from perron.access.accounts import Principal
from perron.api.deps import CurrentUser
from perron.api.problems import Problem, problem_responses
from perron.api.schemas import live as schemas
from perron.live.ingest import IngestForbidden, Ingestor, ingest_as
from perron.live.sources.generic import GenericError, to_event, to_events
from perron.store.tables.reference import Station

router = APIRouter(prefix="/api/events", tags=["live"])
MAX_BATCH = 5000


def _ingestor(request: Request) -> tuple[Ingestor, frozenset[str]]:
    state = request.app.state
    if getattr(state, "live_ingestor", None) is None:
        with state.sessions() as s:
            state.live_stations = frozenset(s.scalars(select(Station.code)))
        state.live_ingestor = Ingestor()
    return state.live_ingestor, state.live_stations


def _require_token(request: Request) -> None:
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise Problem(
            401,
            "Unauthorized",
            "send an API token as 'Authorization: Bearer …'",
            headers={"WWW-Authenticate": "Bearer"},
        )


def _invalid(exc: GenericError) -> Problem:
    return Problem(
        422,
        "Invalid event",
        str(exc),
        errors=[{"index": i, "field": f, "message": m} for i, f, m in exc.errors],
    )


def _store(request: Request, user: Principal, ingestor: Ingestor, events) -> dict[str, Any]:
    try:
        with ingestor.lock, request.app.state.sessions() as s, s.begin():
            result = ingest_as(s, user, ingestor, events)
    except IngestForbidden as exc:
        raise Problem(403, "Forbidden", str(exc)) from None
    return {
        "accepted": len(events),
        "stored": result.stored,
        "duplicates": result.duplicates,
        "alerts": result.alert_ids,
    }


@router.post(
    "",
    status_code=202,
    summary="Ingest one generic event",
    response_model=schemas.Ingested,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 413, 422),
)
def post_event(request: Request, user: CurrentUser, payload: Any = Body(...)) -> dict[str, Any]:
    _require_token(request)
    ingestor, stations = _ingestor(request)
    try:
        event = to_event(payload, stations, datetime.now(UTC), 0)
    except GenericError as exc:
        raise _invalid(exc) from None
    return _store(request, user, ingestor, [event])


@router.post(
    "/batch",
    status_code=202,
    summary="Ingest a batch of generic events",
    response_model=schemas.Ingested,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 413, 422),
)
def post_batch(request: Request, user: CurrentUser, payload: Any = Body(...)) -> dict[str, Any]:
    _require_token(request)
    ingestor, stations = _ingestor(request)
    if isinstance(payload, list) and len(payload) > MAX_BATCH:
        raise Problem(413, "Batch too large", f"at most {MAX_BATCH} events per batch")
    try:
        events = to_events(payload, stations, datetime.now(UTC))
    except GenericError as exc:
        raise _invalid(exc) from None
    return _store(request, user, ingestor, events)

"""API of the military capability: plan a transport, read stored plans, decide, export.

Only ProRail capacity planning, Defensie, IenW and ILT may use it (see
:mod:`perron.military.access`); every read and write is audited. Plans rest on an assumed civil
timetable and on the military mobility reference, compiled by hand from public statements:
every answer carries both labels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import Problem, media_responses, problem_responses
from perron.api.schemas import military as schemas
from perron.lazy import lazy_module

military = lazy_module("perron.military")
router = APIRouter(prefix="/api/military", tags=["military"])
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class PlanBody(BaseModel):
    origin: str = Field(max_length=20, description="station code of the origin (e.g. VS, RTZ)")
    destination: str = Field(max_length=20, description="station code (e.g. ZV, ODZ)")
    earliest: str = Field(max_length=30, description="earliest departure YYYY-MM-DDTHH:MM")
    latest_arrival: str | None = Field(None, max_length=30)
    length_m: float = Field(description="train length, up to 740 m")
    mass_t: float
    max_speed_kmh: float = 100
    gauge: str = Field("G1", max_length=4)
    dangerous_goods: bool = False
    rid_class: str | None = Field(None, max_length=8)
    urgent: bool = False
    traction: str = Field("electric", max_length=10, description="electric or diesel")
    avoid: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=50)
    reference: str = Field("", max_length=80)


class DecisionBody(BaseModel):
    decision: str = Field(max_length=10, description="approved or rejected")
    rank: int = Field(0, ge=0, le=100)
    note: str = Field("", max_length=500)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except military.MilitaryAccessDenied as exc:
        raise Problem(403, "Forbidden", str(exc)) from None
    except military.NotFound as exc:
        raise Problem(404, "Not found", str(exc)) from None
    except military.PlanningError as exc:
        raise Problem(422, "Cannot plan", str(exc), field=exc.field) from None


def _labels() -> dict[str, str]:
    from perron.military.data import REFERENCE_LABEL, REFERENCE_LABEL_EN

    return {"reference_label": REFERENCE_LABEL, "reference_label_en": REFERENCE_LABEL_EN}


@router.post(
    "/plans",
    status_code=201,
    summary="Plan a military transport",
    response_model=schemas.Plan,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def post_plan(body: PlanBody, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Route, departure slot, civil impact and ranked alternatives; stored and audited."""
    planned = _call(military.plan_transport, db, user, body.model_dump())
    return planned.plan | _labels()


@router.get(
    "/plans",
    summary="Stored requests, newest first",
    response_model=schemas.PlanList,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def get_plans(db: DbSession, user: CurrentUser, limit: int = 100) -> dict[str, Any]:
    rows = _call(military.list_requests, db, user, max(1, min(limit, 500)))
    return {"requests": rows} | _labels()


@router.get(
    "/plans/{request_id}",
    summary="A request with its plans",
    response_model=schemas.RequestDetail,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def get_plan(request_id: RequestId, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _call(military.get_request, db, user, request_id) | _labels()


@router.get(
    "/plans/{request_id}/pdf",
    summary="The briefing PDF of a request",
    response_class=Response,
    responses=media_responses(
        {"application/pdf": "the briefing of the request"}, 200, 401, 403, 404, 422
    ),
)
def get_plan_pdf(request_id: RequestId, db: DbSession, user: CurrentUser) -> Response:
    detail = _call(military.get_request, db, user, request_id)
    return Response(
        military.briefing_pdf(detail),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="military-{request_id}.pdf"'},
    )


@router.post(
    "/plans/{request_id}/decision",
    summary="Approve or reject",
    response_model=schemas.Decided,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def post_decision(
    request_id: RequestId, body: DecisionBody, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return _call(military.decide, db, user, request_id, body.decision, body.rank, body.note)


@router.get(
    "/reference",
    summary="The military mobility reference",
    response_model=schemas.Reference,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403),
)
def get_reference(user: CurrentUser) -> dict[str, Any]:
    """Ports, sidings, border points, corridors: compiled by hand from public statements."""
    from dataclasses import asdict

    from perron.military.access import Action, check
    from perron.military.data import reference

    _call(check, user.party_code, user.role, Action.READ)
    return {"sites": [asdict(s) for s in reference()]} | _labels()


@router.get(
    "/rules",
    summary="The constraint rules and the access policy",
    response_model=schemas.Rules,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403),
)
def get_rules(user: CurrentUser) -> dict[str, Any]:
    return {"rules": military.rule_table(), "access": military.policy_table()}

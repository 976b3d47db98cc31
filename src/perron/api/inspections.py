"""API of station walk-throughs (templates, walks, findings, photos, actions) and of the
safety-recommendations register. Routes parse, call the service functions and render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import Problem, media_responses, problem_responses
from perron.api.schemas import inspections as schemas
from perron.inspections import recommendations as recs
from perron.inspections import service
from perron.inspections.errors import InspectionError, NotAllowed, NotFound
from perron.inspections.model import EvidenceInput, FindingInput, WalkInput
from perron.inspections.photos import MAX_UPLOAD_BYTES

router = APIRouter(prefix="/api", tags=["inspections"])
T = TypeVar("T")


def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except NotAllowed as exc:
        raise Problem(403, "Forbidden", str(exc)) from exc
    except NotFound as exc:
        raise Problem(404, "Not Found", str(exc)) from exc
    except InspectionError as exc:
        raise Problem(400, "Bad Request", str(exc), field=exc.field) from exc


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


Score = Annotated[int, Field(ge=0, le=3)]


class FindingBody(BaseModel):
    kind: str = Field(max_length=30)
    zone: str = Field(max_length=20)
    severity: Literal["low", "medium", "high"]
    description: str = Field("", max_length=2000)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    measure_code: str | None = Field(None, max_length=40)
    photo_id: int | None = Field(None, ge=1)

    def to_input(self) -> FindingInput:
        return FindingInput(
            self.kind,
            self.zone,
            self.severity,
            self.description,
            self.lat,
            self.lng,
            self.measure_code,
            self.photo_id,
        )


class WalkBody(BaseModel):
    station_code: str = Field(max_length=8)
    walked_on: date
    start_time: str = Field(pattern=r"^\d{1,2}:\d{2}$")
    group: str = Field(max_length=30)
    team: str = Field(min_length=1, max_length=300)
    light: Literal["day", "night"] | None = None
    scores: dict[str, Score] = Field(default_factory=dict, max_length=20)
    feeling: Score | None = None
    checklist: dict[str, Literal["ok", "issue", "na"]] = Field(default_factory=dict, max_length=100)
    notes: str = Field("", max_length=4000)
    findings: list[FindingBody] = Field(default_factory=list, max_length=100)
    client_ref: str | None = Field(None, max_length=64)


class EvidenceBody(BaseModel):
    kind: Literal["note", "link", "photo", "rewalk"]
    note: str = Field("", max_length=4000)
    url: str | None = Field(None, max_length=500)
    photo_id: int | None = Field(None, ge=1)
    walk_id: int | None = Field(None, ge=1)

    def to_input(self) -> EvidenceInput:
        return EvidenceInput(self.kind, self.note, self.url, self.photo_id, self.walk_id)


class ActionBody(BaseModel):
    due_on: date
    finding_id: int | None = Field(None, ge=1)
    recommendation_ref: str | None = Field(None, max_length=60)
    title: str = Field("", max_length=300)
    owner_party: str | None = Field(None, max_length=20)


class StatusBody(BaseModel):
    status: str = Field(max_length=20)
    reason: str = Field("", max_length=4000)
    evidence: EvidenceBody | None = None


class ResponseBody(BaseModel):
    responded_on: date
    note: str = Field("", max_length=4000)


class AssessBody(BaseModel):
    assessment: str = Field(max_length=20)
    note: str = Field("", max_length=4000)


# ---- walks -------------------------------------------------------------------------------------


@router.get(
    "/inspections/templates",
    summary="Walk-through templates per target group",
    response_model=list[schemas.Template],
    response_model_exclude_unset=True,
    responses=problem_responses(401),
)
def api_templates(user: CurrentUser) -> list[dict[str, Any]]:
    return service.list_templates()


@router.get(
    "/inspections/walks",
    summary="Walks, newest first",
    response_model=list[schemas.WalkOut],
    responses=problem_responses(400, 401, 403, 422),
)
def api_walks(
    db: DbSession,
    user: CurrentUser,
    station: str | None = Query(None, max_length=8),
    group: str | None = Query(None, max_length=30),
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    return _plain(_call(service.list_walks, db, user, station, group, limit))


@router.post(
    "/inspections/walks",
    status_code=201,
    summary="Record a walk with its findings",
    response_model=schemas.WalkOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_record_walk(body: WalkBody, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    walk = WalkInput(
        station_code=body.station_code,
        walked_on=body.walked_on,
        start_time=body.start_time,
        group=body.group,
        team=body.team,
        light=body.light,
        scores=dict(body.scores),
        feeling=body.feeling,
        checklist=dict(body.checklist),
        notes=body.notes,
        findings=tuple(f.to_input() for f in body.findings),
        client_ref=body.client_ref,
    )
    return _plain(_call(service.record_walk, db, user, walk))


@router.get(
    "/inspections/walks/{walk_id}",
    summary="One walk with its findings",
    response_model=schemas.WalkOut,
    responses=problem_responses(401, 403, 404, 422),
)
def api_walk(walk_id: int, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _plain(_call(service.get_walk, db, user, walk_id))


@router.post(
    "/inspections/walks/{walk_id}/findings",
    status_code=201,
    summary="Add a finding",
    response_model=schemas.FindingOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_add_finding(
    walk_id: int, body: FindingBody, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return _plain(_call(service.add_finding, db, user, walk_id, body.to_input()))


@router.get(
    "/inspections/scores",
    summary="Walk scores per station, year, day/night, group",
    response_model=list[schemas.StationScore],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def api_scores(
    db: DbSession, user: CurrentUser, station: str | None = Query(None, max_length=8)
) -> list[dict[str, Any]]:
    return _call(service.score_summary, db, user, station)


@router.get(
    "/inspections/scores/{station}/compare",
    summary="Walk scores vs the monitor",
    response_model=schemas.Comparison,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def api_compare(station: str, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _call(service.compare_with_monitor, db, user, station[:8])


# ---- photos ------------------------------------------------------------------------------------


@router.post(
    "/inspections/photos",
    status_code=201,
    summary="Upload a photo of a place",
    response_model=schemas.PhotoStored,
    response_model_exclude_unset=True,
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def api_upload_photo(
    db: DbSession, user: CurrentUser, file: UploadFile = File(...)
) -> dict[str, Any]:
    """The photo must show the place without people; EXIF/GPS and all metadata are removed."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Problem(413, "Content Too Large", f"at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    return _call(service.upload_photo, db, user, data)


@router.get(
    "/inspections/photos/{photo_id}",
    summary="A photo (without metadata)",
    response_class=Response,
    responses=media_responses(
        {"image/jpeg": "the photo, re-encoded without metadata"},
        200,
        401,
        403,
        404,
        422,
    ),
)
def api_photo(photo_id: int, db: DbSession, user: CurrentUser) -> Response:
    content, mime = _call(service.get_photo, db, user, photo_id)
    return Response(content, media_type=mime, headers={"Cache-Control": "private, max-age=3600"})


# ---- actions -----------------------------------------------------------------------------------


@router.get(
    "/inspections/actions",
    summary="Actions per party and station",
    response_model=list[schemas.ActionOut],
    responses=problem_responses(401, 403, 422),
)
def api_actions(
    db: DbSession,
    user: CurrentUser,
    party: str | None = Query(None, max_length=20),
    station: str | None = Query(None, max_length=8),
    status: str | None = Query(None, max_length=20),
    overdue: bool = False,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    return _plain(
        _call(
            service.list_actions,
            db,
            user,
            party=party,
            station=station,
            status=status,
            overdue=overdue,
            today=as_of,
        )
    )


@router.get(
    "/inspections/actions/overdue-summary",
    summary="Overdue actions per party, station",
    response_model=list[schemas.OverdueCount],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def api_overdue_summary(
    db: DbSession, user: CurrentUser, as_of: date | None = None
) -> list[dict[str, Any]]:
    return _call(service.overdue_summary, db, user, as_of)


@router.post(
    "/inspections/actions",
    status_code=201,
    summary="Turn a finding into an action",
    response_model=schemas.ActionOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_create_action(body: ActionBody, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    rec_id = (
        _call(recs.get_recommendation, db, user, body.recommendation_ref).id
        if body.recommendation_ref
        else None
    )
    return _plain(
        _call(
            service.create_action,
            db,
            user,
            due_on=body.due_on,
            finding_id=body.finding_id,
            recommendation_id=rec_id,
            title=body.title,
            owner_party=body.owner_party,
        )
    )


@router.get(
    "/inspections/actions/{action_id}",
    summary="One action with evidence and history",
    response_model=schemas.ActionOut,
    responses=problem_responses(401, 403, 404, 422),
)
def api_action(action_id: int, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _plain(_call(service.get_action, db, user, action_id))


@router.post(
    "/inspections/actions/{action_id}/evidence",
    summary="Add evidence to an action",
    response_model=schemas.ActionOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_action_evidence(
    action_id: int, body: EvidenceBody, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return _plain(_call(service.add_action_evidence, db, user, action_id, body.to_input()))


@router.post(
    "/inspections/actions/{action_id}/status",
    summary="Move or close an action",
    response_model=schemas.ActionOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_action_status(
    action_id: int, body: StatusBody, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    ev = body.evidence.to_input() if body.evidence else None
    return _plain(
        _call(service.set_action_status, db, user, action_id, body.status, body.reason, ev)
    )


# ---- recommendations ---------------------------------------------------------------------------


@router.get(
    "/recommendations",
    summary="The recommendations register",
    response_model=list[schemas.RecommendationOut],
    responses=problem_responses(401, 403, 422),
)
def api_recommendations(
    db: DbSession,
    user: CurrentUser,
    overdue: bool = False,
    stale: bool = False,
    as_of: date | None = None,
    status: str | None = Query(None, max_length=20),
    addressee: str | None = Query(None, max_length=20),
    monitor: str | None = Query(None, max_length=20),
) -> list[dict[str, Any]]:
    return _plain(
        _call(
            recs.list_recommendations,
            db,
            user,
            as_of=as_of,
            overdue=overdue,
            stale=stale,
            status=status,
            addressee=addressee,
            monitor=monitor,
        )
    )


@router.get(
    "/recommendations/monitoring",
    summary="The monitoring view per addressee",
    response_model=list[schemas.AddresseeView],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def api_monitoring(
    db: DbSession,
    user: CurrentUser,
    monitor: str = Query("ilt", max_length=20),
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    return _call(recs.monitoring_view, db, user, as_of, monitor)


@router.get(
    "/recommendations/{ref}",
    summary="One recommendation with actions and history",
    response_model=schemas.RecommendationOut,
    responses=problem_responses(401, 403, 404, 422),
)
def api_recommendation(ref: str, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _plain(_call(recs.get_recommendation, db, user, ref[:60]))


@router.post(
    "/recommendations/{ref}/response",
    summary="Record the addressee's response",
    response_model=schemas.RecommendationOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_response(ref: str, body: ResponseBody, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _plain(_call(recs.record_response, db, user, ref[:60], body.responded_on, body.note))


@router.post(
    "/recommendations/{ref}/assessment",
    summary="Assess the response",
    response_model=schemas.RecommendationOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_assess(ref: str, body: AssessBody, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return _plain(_call(recs.assess, db, user, ref[:60], body.assessment, body.note))


@router.post(
    "/recommendations/{ref}/evidence",
    summary="Add evidence to a recommendation",
    response_model=schemas.RecommendationOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_rec_evidence(
    ref: str, body: EvidenceBody, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return _plain(_call(recs.add_evidence, db, user, ref[:60], body.to_input()))


@router.post(
    "/recommendations/{ref}/status",
    summary="Change status; closing needs evidence",
    response_model=schemas.RecommendationOut,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def api_rec_status(ref: str, body: StatusBody, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    ev = body.evidence.to_input() if body.evidence else None
    return _plain(_call(recs.set_status, db, user, ref[:60], body.status, body.reason, ev))

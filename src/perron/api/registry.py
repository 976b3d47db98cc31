"""API of the registry's read side and of the access capability: incidents (list, detail with
history and links, corrections, aggregates, exports), agreements and the audit trail.

Every incident query states its purpose; the access policy decides what comes back, and reads of
detail data are written to the audit trail (see :mod:`perron.registry.queries`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from perron.access import agreements as agreements_service
from perron.access import service as access_service
from perron.access.policy import Purpose
from perron.api.deps import CurrentUser, DbSession
from perron.api.problems import PROBLEM_SCHEMA, Problem, media_responses, problem_responses
from perron.api.schemas import registry as schemas
from perron.interop.exporters import exporter
from perron.registry import exports, queries
from perron.registry import incidents as incidents_service
from perron.registry import service as registry_service

router = APIRouter(prefix="/api", tags=["registry"], responses={403: PROBLEM_SCHEMA})

PurposeParam = Annotated[
    Purpose,
    Query(description="Why you query: operational, analysis or accountability (required)."),
]


def _filters(
    category: list[str] | None,
    station: list[str] | None,
    party: list[str] | None,
    since: date | None,
    until: date | None,
    synthetic: bool | None = None,
) -> queries.Filters:
    return queries.Filters(
        categories=tuple(category or ()),
        stations=tuple(s.upper() for s in station or ()),
        owners=tuple(party or ()),
        since=since,
        until=until,
        synthetic=synthetic,
    )


def _viewer(db, user):
    return agreements_service.viewer_for(db, user.party_code, user.role, user.username)


CategoryQ = Annotated[
    list[Annotated[str, Field(max_length=60)]] | None,
    Query(description="Category code or group; repeat.", max_length=100),
]
StationQ = Annotated[
    list[Annotated[str, Field(max_length=20)]] | None,
    Query(description="Station code; repeat.", max_length=500),
]
PartyQ = Annotated[
    list[Annotated[str, Field(max_length=40)]] | None,
    Query(description="Owner party code; repeat.", max_length=50),
]
SinceQ = Annotated[date | None, Query(description="Occurred on or after this date.")]
UntilQ = Annotated[date | None, Query(description="Occurred before this date.")]


@router.get(
    "/incidents",
    summary="Incidents visible at detail level, filtered and paged",
    response_model=schemas.IncidentPage,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def list_incidents(
    db: DbSession,
    user: CurrentUser,
    purpose: PurposeParam,
    category: CategoryQ = None,
    station: StationQ = None,
    party: PartyQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
    synthetic: bool | None = None,
    page: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    return queries.list_incidents(
        db,
        _viewer(db, user),
        purpose,
        _filters(category, station, party, since, until, synthetic),
        page=page,
        page_size=page_size,
    ).as_dict()


@router.get(
    "/incidents/aggregate",
    summary="Counts per station, month, category, ...",
    response_model=schemas.AggregateOut,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
def aggregate_incidents(
    db: DbSession,
    user: CurrentUser,
    purpose: PurposeParam,
    by: Annotated[
        list[str] | None,
        Query(description="Group by: station, month, category, group, party, municipality."),
    ] = None,
    category: CategoryQ = None,
    station: StationQ = None,
    party: PartyQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
) -> dict[str, Any]:
    return queries.aggregate(
        db,
        _viewer(db, user),
        purpose,
        tuple(by or ("station", "month")),
        _filters(category, station, party, since, until),
    ).as_dict()


@router.get(
    "/incidents/export.{fmt}",
    summary="Export what you may see as CSV, GeoJSON or Parquet",
    response_class=Response,
    responses=media_responses(
        {
            "text/csv": "CSV with a header row",
            "application/geo+json": "a GeoJSON FeatureCollection",
            "application/vnd.apache.parquet": "an Apache Parquet file",
        },
        200,
        401,
        403,
        422,
    ),
)
def export_incidents(
    db: DbSession,
    user: CurrentUser,
    fmt: Annotated[str, PathParam(description="a table export format: csv, geojson, parquet")],
    purpose: PurposeParam,
    level: Annotated[Literal["detail", "aggregate"], Query()] = "detail",
    by: Annotated[list[str] | None, Query()] = None,
    category: CategoryQ = None,
    station: StationQ = None,
    party: PartyQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
) -> Response:
    try:
        body, name = queries.export(
            db,
            _viewer(db, user),
            purpose,
            fmt,
            _filters(category, station, party, since, until),
            level=level,
            by=tuple(by or ("station", "month")),
            limit=limit,
        )
    except exports.ExportError as exc:
        raise Problem(422, "Invalid request", str(exc)) from None
    return Response(
        body,
        media_type=exporter(fmt, "table").media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/incidents/access",
    summary="What you may see, per purpose, and why",
    response_model=schemas.AccessExplained,
    response_model_exclude_unset=True,
    responses=problem_responses(401),
)
def my_access(db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return queries.explain_access(db, _viewer(db, user))


@router.get(
    "/incidents/{incident_id}",
    summary="One incident with its history and links",
    response_model=schemas.IncidentDetail,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def get_incident(
    incident_id: str, db: DbSession, user: CurrentUser, purpose: PurposeParam
) -> dict[str, Any]:
    return queries.get_incident(db, _viewer(db, user), purpose, incident_id)


@router.get(
    "/incidents/{incident_id}/links",
    summary="Incidents linked to this one",
    response_model=list[schemas.IncidentLink],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def get_links(
    incident_id: str, db: DbSession, user: CurrentUser, purpose: PurposeParam
) -> list[dict[str, Any]]:
    return queries.get_incident(db, _viewer(db, user), purpose, incident_id)["links"]


class Correction(BaseModel):
    reason: str = Field(
        min_length=registry_service.MIN_REASON,
        max_length=incidents_service.REASON_LIMIT,
        description="Why the record is corrected (kept on record).",
    )
    changes: dict[str, Any] = Field(
        max_length=20, description="Fields to change and their new values."
    )


@router.post(
    "/incidents/{incident_id}/corrections",
    status_code=201,
    summary="Correct an incident: a new version with a reason, never a silent edit",
    response_model=schemas.Correction,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def correct_incident(
    incident_id: str,
    db: DbSession,
    user: CurrentUser,
    correction: Annotated[Correction, Body()],
) -> dict[str, Any]:
    done = registry_service.correct_incident(
        db, user, incident_id, correction.changes, correction.reason
    )
    return {"id": done.incident_id, "version": done.version}


@router.get(
    "/incidents/stations/{code}/counts",
    summary="Counts by category at one station",
    response_model=schemas.AggregateOut,
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 404, 422),
)
def station_counts(
    code: str, db: DbSession, user: CurrentUser, purpose: PurposeParam
) -> dict[str, Any]:
    return queries.station_counts(db, _viewer(db, user), purpose, code).as_dict()


# ---- agreements ----------------------------------------------------------------------------


class AgreementIn(BaseModel):
    grantee: str = Field(max_length=40)
    level: Literal["detail", "aggregate"]
    purposes: list[Purpose] = Field(min_length=1, max_length=3)
    categories: list[Annotated[str, Field(max_length=60)]] | None = Field(
        default=None, max_length=100
    )
    fields: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=10)
    reference: str = Field(default="", max_length=agreements_service.REFERENCE_LIMIT)
    valid_until: datetime | None = Field(
        default=None, description="End of the agreement, with a timezone; must lie ahead."
    )


@router.get(
    "/agreements",
    tags=["access"],
    summary="Agreements your party takes part in",
    response_model=list[schemas.AgreementOut],
    responses=problem_responses(401),
)
def list_agreements(db: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return access_service.list_agreements(db, user)


@router.post(
    "/agreements",
    tags=["access"],
    status_code=201,
    summary="Share your party's incidents",
    response_model=schemas.AgreementOut,
    responses=problem_responses(401, 403, 422),
)
def create_agreement(db: DbSession, user: CurrentUser, body: AgreementIn) -> dict[str, Any]:
    return access_service.create_agreement(
        db,
        user,
        grantee=body.grantee,
        level=body.level,
        purposes=[p.value for p in body.purposes],
        categories=body.categories,
        fields=body.fields,
        reference=body.reference,
        valid_until=body.valid_until,
    )


@router.delete(
    "/agreements/{agreement_id}",
    tags=["access"],
    summary="Revoke an agreement",
    response_model=schemas.AgreementOut,
    responses=problem_responses(401, 403, 404, 422),
)
def revoke_agreement(
    agreement_id: Annotated[int, PathParam(ge=1, le=incidents_service.MAX_ID)],
    db: DbSession,
    user: CurrentUser,
) -> dict[str, Any]:
    return access_service.revoke_agreement(db, user, agreement_id)


# ---- audit trail -------------------------------------------------------------------------


@router.get(
    "/audit/verify",
    tags=["access"],
    summary="Recompute the audit hash chain",
    response_model=schemas.AuditVerified,
    responses=problem_responses(401, 403, 422),
)
def audit_verify(
    db: DbSession,
    user: CurrentUser,
    anchor_seq: int | None = None,
    anchor_hash: str | None = None,
) -> dict[str, Any]:
    mark = (
        {"seq": anchor_seq, "hash": anchor_hash} if anchor_seq is not None and anchor_hash else None
    )
    return access_service.verify_audit(db, user, anchor=mark).as_dict()


@router.get(
    "/audit/anchor",
    tags=["access"],
    summary="The current head of the chain",
    response_model=schemas.AuditAnchor,
    responses=problem_responses(401, 403),
)
def audit_anchor(db: DbSession, user: CurrentUser) -> dict[str, Any]:
    return access_service.audit_anchor(db, user)


@router.get(
    "/audit/entries",
    tags=["access"],
    summary="Entries of the audit trail",
    response_model=list[schemas.AuditEntry],
    responses=problem_responses(401, 403, 422),
)
def audit_entries(
    db: DbSession,
    user: CurrentUser,
    since: int = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: str | None = None,
    party: str | None = None,
) -> list[dict[str, Any]]:
    """The inspectorate (analysts and admins) sees every entry; an admin of another party sees
    the entries of their own party; other roles see none."""
    return access_service.read_audit_log(
        db, user, since=since, limit=limit, party=party, action=action
    )

"""Response models of the registry (incidents) and of the access capability (agreements, the
audit trail). Keys the access policy withholds are absent, so most incident fields are
optional; what a viewer may see is in ``columns`` and ``access``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perron.api.schemas import Number, Out, Timestamp

__all__ = [
    "AccessExplained",
    "AgreementOut",
    "AggregateOut",
    "AuditAnchor",
    "AuditEntry",
    "AuditVerified",
    "Correction",
    "IncidentDetail",
    "IncidentLink",
    "IncidentPage",
]

#: per owner party: the categories visible (``null``: all of them)
PartyCategories = dict[str, list[str] | None]


class Scope(Out):
    detail: PartyCategories = Field(description="owners visible in detail, per party")
    aggregate_only: PartyCategories = Field(description="owners visible only as counts")


class Incident(Out):
    id: str
    owner_party: str
    party_ref: str | None = None
    category: str
    severity: str | None = None
    occurred_at: Timestamp | None = None
    reported_at: Timestamp | None = None
    station_code: str | None = None
    zone: str | None = None
    line_section: str | None = None
    level_crossing_id: str | None = None
    lat: Number | None = None
    lng: Number | None = None
    victim_role: str | None = None
    status: str | None = None
    source: str | None = None
    synthetic: bool | None = None
    version: int | None = None
    duplicate_of: str | None = None
    description: str | None = None
    person_ref: str | None = None
    withheld: list[str] = Field(default=[], description="fields the policy withholds")


class IncidentPage(Out):
    items: list[Incident]
    page: int
    page_size: int
    has_more: bool
    columns: list[str]
    purpose: str
    scope: Scope


class Cell(Out):
    count: int | None = Field(description="null when suppressed (fewer than min_cell)")
    suppressed: bool
    party: str | None = None
    category: str | None = None
    group: str | None = None
    station: str | None = None
    month: str | None = None
    lat: Number | None = None
    lng: Number | None = None


class AggregateOut(Out):
    by: list[str]
    purpose: str
    cells: list[Cell]
    min_cell: int
    suppressed: int
    scope: Scope
    grid: bool


class PurposeAccess(Out):
    allowed: bool
    level: str | None = None
    reason: str | None = None
    detail: PartyCategories | None = None
    aggregate_only: PartyCategories | None = None
    fields: dict[str, list[str]] | None = Field(None, description="visible fields per owner")


class AccessExplained(Out):
    party: str
    role: str
    purposes: dict[str, PurposeAccess] = Field(description="per purpose")
    all_fields: list[str]


class Version(Out):
    version: int
    recorded_at: Timestamp
    recorded_by: str
    reason: str | None = None


class IncidentLink(Out):
    id: str | None
    kind: str
    owner_party: str
    visible: bool | None = None
    category: str | None = None
    status: str | None = None
    score: Number | None = None


class Access(Out):
    basis: str
    fields: list[str]


class IncidentDetail(Incident):
    versions: list[Version]
    links: list[IncidentLink]
    access: Access


class Correction(Out):
    id: str
    version: int


class AgreementOut(Out):
    id: int
    owner: str
    grantee: str
    level: str
    purposes: list[str]
    categories: list[str] | None
    fields: list[str]
    reference: str
    valid_from: Timestamp | None
    valid_until: Timestamp | None
    revoked_at: Timestamp | None


class AuditVerified(Out):
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_seq: int
    head_hash: str


class AuditAnchor(Out):
    seq: int
    hash: str
    time: Timestamp
    entries: int


class AuditEntry(Out):
    seq: int
    at: Timestamp
    actor: str
    party: str | None
    purpose: str | None
    action: str
    subject: str | None
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str

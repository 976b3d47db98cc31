"""Response models of military mobility planning. The reference (ports, sidings, border
points, corridors) is compiled by hand from public statements: ``reference_label`` says so in
every answer that uses it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perron.api.schemas import Number, Out, Timestamp

__all__ = ["Decided", "Plan", "PlanList", "Reference", "RequestDetail", "Rules"]


class Labelled(Out):
    reference_label: str = Field(description="compiled by hand from public statements")
    reference_label_en: str


class Wait(Out):
    station: str
    minutes: Number


class CivilImpact(Out):
    trains_affected: int
    series: list[str]
    trains_displaced: int
    trains_cancelled: int
    delay_minutes: Number
    passenger_minutes: Number
    trains_within_buffer: int
    links_touched: list[str]
    stations: list[str]
    displaced: list[Any]


class Site(Out):
    kind: str
    name: str


class Alternative(Out):
    rank: int
    reason: str
    kind: str
    route: list[str]
    departure: Timestamp
    arrival: Timestamp
    running_minutes: Number
    km: Number
    waits: list[Wait]
    legs: list[dict[str, Any]]
    civil_impact: CivilImpact


class ClosedLink(Out):
    link: str
    rule: str
    reason: str


class Rule(Out):
    kind: str
    name: str
    basis: str
    text: str


class PlanBody(Out):
    """The best plan with its alternatives, the path-time chart and the assumptions."""

    kind: str
    route: list[str]
    departure: Timestamp
    arrival: Timestamp
    running_minutes: Number
    km: Number
    waits: list[Wait]
    legs: list[dict[str, Any]]
    civil_impact: CivilImpact
    request: dict[str, Any] = Field(description="the request as planned")
    timezone: str
    window: int
    origin_sites: list[Site]
    destination_sites: list[Site]
    alternatives: list[Alternative]
    closed_links: list[ClosedLink]
    traction: str
    wait_stations: list[str]
    rules: list[Rule]
    chart: dict[str, Any] = Field(description="military and civil paths over time")
    settings: dict[str, Any]
    assumptions: list[str]
    label: str


class Plan(PlanBody, Labelled):
    request_id: int
    status: str


class RequestSummary(Out):
    id: int
    created_at: Timestamp
    created_by: str
    party: str
    reference: str
    origin: str
    destination: str
    earliest: Timestamp
    latest_arrival: Timestamp | None
    urgent: bool
    dangerous_goods: bool
    status: str
    decided_by: str | None
    decided_at: Timestamp | None
    decision_note: str | None
    chosen_rank: int | None
    demo: bool
    departure: Timestamp | None
    arrival: Timestamp | None
    kind: str | None
    trains_affected: int | None


class PlanList(Labelled):
    requests: list[RequestSummary]


class RequestDetail(RequestSummary, Labelled):
    plan: dict[str, Any] | None = Field(None, description="the stored plan (see POST /plans)")
    request: dict[str, Any] | None = None


#: the answer to a decision: the request as it now stands
Decided = RequestSummary


class ReferenceSite(Out):
    kind: str
    name: str
    code: str
    lat: Number | None
    lon: Number | None
    fact: str
    source: str


class Reference(Labelled):
    sites: list[ReferenceSite]


class PolicyRow(Out):
    party: str
    action: str
    roles: str


class Rules(Out):
    rules: list[Rule]
    access: list[PolicyRow]

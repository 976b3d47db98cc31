"""Response models of alerts and response units."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perron.api.schemas import Number, Out, Timestamp
from perron.live.routing import Proposal

__all__ = [
    "AckLimits",
    "AlertDetail",
    "AlertList",
    "ResponseTimes",
    "UnitList",
    "UnitOut",
]


class Text(Out):
    nl: str
    en: str


class AlertOut(Out):
    id: int
    rule: str
    title: Text
    station: str
    station_name: str | None
    zone: str | None
    domain: str | None
    severity: str
    initial_severity: str | None
    subcategory: str | None
    state: str
    responsible_party: str
    escalation_level: int
    trigger_count: int
    event_ids: list[str]
    detail: dict[str, Any]
    unit_id: int | None
    outcome: str | None
    outcome_note: str | None
    synthetic: bool
    first_event_at: Timestamp | None
    last_event_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp | None
    ack_due_at: Timestamp | None
    acknowledged_at: Timestamp | None
    dispatched_at: Timestamp | None
    on_scene_at: Timestamp | None
    resolved_at: Timestamp | None


class AlertList(Out):
    alerts: list[AlertOut]


class TransitionOut(Out):
    from_: str | None = Field(alias="from")
    to: str
    at: Timestamp
    actor: str | None
    note: str | None


class AlertDetail(AlertOut):
    transitions: list[TransitionOut]
    may_act: bool = Field(description="whether the user may move this alert")
    parties: list[str]
    proposals: list[Proposal] = Field(description="nearest available units, while still open")


class Percentiles(Out):
    n: int
    p50: Number | None
    p90: Number | None
    p95: Number | None
    mean: Number | None


class ResponseTimeRow(Out):
    group: str
    alerts: int
    acknowledge: Percentiles
    dispatch: Percentiles
    arrive: Percentiles
    resolve: Percentiles


class ResponseTimes(Out):
    group_by: str
    since: Timestamp
    unit: str
    rows: list[ResponseTimeRow]


#: seconds allowed to acknowledge, per severity
AckLimits = dict[str, int]


class UnitOut(Out):
    id: int
    code: str
    name: str
    party: str
    kind: str
    status: str
    lat: Number | None
    lng: Number | None
    home_station: str | None
    synthetic: bool
    updated_at: Timestamp | None


class UnitList(Out):
    units: list[UnitOut]

"""Vocabularies of walks, findings, actions and recommendations, and the typed results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

LIGHTS = ("day", "night")
SEVERITIES = ("low", "medium", "high")
CHECK_ANSWERS = ("ok", "issue", "na")
ACTION_STATUSES = ("open", "in_progress", "closed")
EVIDENCE_KINDS = ("note", "link", "photo", "rewalk")
REC_STATUSES = ("open", "monitoring", "closed")
ASSESSMENTS = ("fully", "partly", "intent", "unsatisfactory")

#: finding kinds → (Dutch label, English label, first suggested measure; see measures.py)
FINDING_KINDS: dict[str, tuple[str, str, str]] = {
    "dark_corner": ("Donkere hoek", "Dark corner", "lighting"),
    "broken_lighting": ("Kapotte verlichting", "Broken lighting", "repair_speed"),
    "blocked_sightline": ("Geblokkeerde zichtlijn", "Blocked sight line", "sight_lines"),
    "no_escape_route": ("Geen vluchtroute", "No escape route", "layout"),
    "graffiti": ("Graffiti / vandalisme", "Graffiti / vandalism", "repair_speed"),
    "smell": ("Urinegeur / vervuiling", "Smell / dirt", "repair_speed"),
    "no_camera": ("Geen cameradekking", "Missing camera coverage", "cctv"),
    "help_point_broken": ("Hulpzuil werkt niet", "Help point not working", "live_intercom"),
    "loitering": ("Hangplek", "Loitering spot", "staff_presence"),
    "poor_wayfinding": ("Slechte bewegwijzering", "Poor wayfinding", "layout"),
    "accessibility": ("Ontoegankelijk", "Not accessible", "glass_lift"),
    "other": ("Anders", "Other", ""),
}


@dataclass(frozen=True)
class FindingInput:
    kind: str
    zone: str
    severity: str
    description: str = ""
    lat: float | None = None
    lng: float | None = None
    measure_code: str | None = None
    photo_id: int | None = None


@dataclass(frozen=True)
class WalkInput:
    station_code: str
    walked_on: date
    start_time: str
    group: str
    team: str
    light: str | None = None  # default: from the time (night from 19:00 to 06:00)
    scores: dict[str, int] = field(default_factory=dict)
    feeling: int | None = None
    checklist: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    findings: tuple[FindingInput, ...] = ()
    client_ref: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class EvidenceInput:
    kind: str
    note: str = ""
    url: str | None = None
    photo_id: int | None = None
    walk_id: int | None = None


@dataclass
class HistoryOut:
    at: datetime
    actor: str
    party: str
    event: str
    from_status: str | None
    to_status: str | None
    reason: str


@dataclass
class EvidenceOut:
    id: int
    kind: str
    note: str
    url: str | None
    photo_id: int | None
    walk_id: int | None
    party: str
    added_by: str
    added_at: datetime


@dataclass
class FindingOut:
    id: int
    walk_id: int
    station_code: str
    kind: str
    zone: str
    domain: str
    severity: str
    lat: float | None
    lng: float | None
    description: str
    measure_code: str | None
    photo_id: int | None
    action_id: int | None
    action_status: str | None


@dataclass
class WalkOut:
    id: int
    station_code: str
    station_name: str
    walked_on: date
    start_time: str
    light: str
    group: str
    template_version: str
    team: str
    party: str
    scores: dict[str, int]
    score: float | None  # mean of the rubric scores, 0–3
    feeling: int | None
    checklist: dict[str, str]
    notes: str
    synthetic: bool
    findings: list[FindingOut]
    reopened_actions: list[int] = field(default_factory=list)


@dataclass
class ActionOut:
    id: int
    title: str
    owner_party: str
    due_on: date
    status: str
    overdue: bool
    station_code: str | None
    finding_id: int | None
    recommendation_id: int | None
    reopened: int
    synthetic: bool
    evidence: list[EvidenceOut]
    history: list[HistoryOut]


@dataclass
class RecommendationOut:
    id: int
    ref: str
    issuer: str
    issued_on: date
    addressee: str
    addressee_party: str | None
    monitor_party: str | None
    title: str
    response_due: date
    responded_on: date | None
    assessment: str | None
    status: str
    overdue: bool
    days_overdue: int
    stale: bool
    source_url: str | None
    note: str
    compiled_by_hand: bool
    synthetic: bool
    actions: list[int]
    evidence: list[EvidenceOut]
    history: list[HistoryOut]


@dataclass
class ImportError_:
    row: int
    field: str
    value: str
    reason: str


@dataclass
class ImportOut:
    file: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportError_] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

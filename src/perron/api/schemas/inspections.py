"""Response models of station walk-throughs and the safety-recommendations register. Walks,
findings, actions and recommendations are the service's own typed outputs
(:mod:`perron.inspections.model`); the templates are compiled by hand (``compiled_by_hand``)."""

from __future__ import annotations

from pydantic import Field

from perron.api.schemas import Number, Out
from perron.inspections.model import ActionOut, FindingOut, RecommendationOut, WalkOut

__all__ = [
    "ActionOut",
    "AddresseeView",
    "Comparison",
    "FindingOut",
    "OverdueCount",
    "PhotoStored",
    "RecommendationOut",
    "StationScore",
    "Template",
    "WalkOut",
]


class TemplateItem(Out):
    code: str
    principle: str
    nl: str
    en: str


class RubricParameter(Out):
    code: str
    nl: str
    en: str
    scale_nl: list[str]
    scale_en: list[str]


class Rubric(Out):
    version: str
    source: str
    min: int
    max: int
    parameters: list[RubricParameter]


class Template(Out):
    group: str
    version: str
    name_nl: str
    name_en: str
    advised_times: list[str]
    compiled_by_hand: bool
    items: list[TemplateItem]
    rubric: Rubric


class PhotoStored(Out):
    id: int
    width: int
    height: int
    bytes: int
    metadata_removed: bool
    warning: dict[str, str] = Field(
        description="per language (nl, en): photos must show the place without people"
    )


class StationScore(Out):
    station: str
    year: int
    light: str
    group: str
    walks: int
    score: Number | None = Field(description="mean rubric score, 0–3")
    feeling: Number | None
    synthetic: bool


class ComparedScore(StationScore):
    walk_scaled: Number | None = Field(description="score / 3")
    monitor_evening: Number | None = Field(description="the monitor's evening safety, 1–10")
    monitor_scaled: Number | None = Field(description="(monitor_evening − 1) / 9")


class Comparison(Out):
    station: str
    rows: list[ComparedScore]


class OverdueCount(Out):
    party: str
    station: str | None
    overdue: int


class AddresseeView(Out):
    addressee: str
    open: int
    monitoring: int
    closed: int
    overdue: int
    assessments: dict[str, int]
    refs: list[str]

"""Response models of the programme: the need index, the measure catalogue, station deals,
budget lines and the budget optimiser. Catalogue effects marked ``expert_estimate`` are
expert estimates, not measured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from perron.api.schemas import Day, Number, Out, Timestamp

__all__ = [
    "Budget",
    "BudgetLine",
    "CatalogueMeasure",
    "Deal",
    "DealDetail",
    "DealDocument",
    "DealMeasure",
    "DealMeasureRef",
    "DealMilestone",
    "Frontier",
    "NeedIndex",
    "Optimum",
    "ProgrammeOptimum",
]


class ComponentDetail(Out):
    name: str
    label_nl: str
    label_en: str
    value: Number | None
    unit: str
    percentile: Number | None
    weight: Number
    contribution: Number | None
    source: str
    note: str


class NeedItem(Out):
    station: str
    name: str
    size_class: str
    lat: Number
    lng: Number
    travellers_per_day: int
    score: Number | None
    rank: int
    components: dict[str, Number | None] = Field(description="value per component")
    component_details: list[ComponentDetail]
    missing: list[str]
    why_nl: str
    why_en: str
    stability: Number | None = None
    harm: Number | None = None
    harm_by_category: dict[str, Number | None] | None = None


class Component(Out):
    name: str
    label_nl: str
    label_en: str
    unit: str
    source: str
    higher_is_need: bool
    weight: Number
    available: bool
    note: str


class NeedIndex(Out):
    items: list[NeedItem]
    count: int
    weights: dict[str, Number]
    components: list[Component]
    missing_components: list[str]
    notes: list[str]
    top_n: int | None = None
    resamples: int | None = None
    monitor_year: int | str | None = None
    harm_weights_version: str | None = None
    config_version: str | None = None
    synthetic_components: list[str] = []
    synthetic: bool


class Effect(Out):
    estimate: Number
    low: Number
    high: Number


class CatalogueMeasure(Out):
    code: str
    name_nl: str
    name_en: str
    kind: str
    effect: Effect = Field(description="relative change in incidents (estimate, interval)")
    evidence: str
    source: str
    mechanism: str
    targets: list[str]
    zones: list[str]
    evening: bool
    investment_eur: int
    yearly_eur: int
    lifetime_years: int
    payer: list[str]
    requires: list[str]
    cost: Number
    cost_by_size: dict[str, Number]
    expert_estimate: bool
    catalogue_version: str


class DealParty(Out):
    party: str
    role: str
    budget_share_eur: int
    budget_line_id: int | None


class Deal(Out):
    code: str
    title: str
    status: str
    budget_line: str | None
    signed_on: Day | None
    description: str
    synthetic: bool
    version: int
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp | None
    stations: list[str]
    parties: list[DealParty]
    budget_eur: int
    cost_eur: int
    spent_eur: int
    measures_by_status: dict[str, int]


class DealMeasure(Out):
    id: int
    deal: str
    measure_code: str
    name_nl: str
    name_en: str
    station: str
    zone: str
    domain: str
    owner_party: str
    budget_line_id: int | None
    cost_eur: int
    spent_eur: int
    status: str
    planned_start: Day | None
    planned_end: Day | None
    actual_start: Day | None
    actual_end: Day | None
    note: str
    version: int
    synthetic: bool


class DealMilestone(Out):
    id: int
    title: str
    due_on: Day | None
    done_on: Day | None


class DealDocument(Out):
    id: int
    title: str
    url: str


class HistoryEntry(Out):
    id: int
    at: Timestamp
    actor: str
    party: str | None
    action: str
    entity: str
    entity_id: int | None
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class DealDetail(Deal):
    measures: list[DealMeasure]
    milestones: list[DealMilestone]
    documents: list[DealDocument]
    history: list[HistoryEntry]


class DealMeasureRef(Out):
    id: int
    deal_code: str
    deal_status: str
    measure_code: str
    stations: list[str]
    zone: str
    domain: str
    status: str
    planned_start: Day | None
    actual_start: Day | None
    actual_end: Day | None
    cost_eur: int
    synthetic: bool
    extra: dict[str, Any]


class BudgetLine(Out):
    id: int
    code: str
    name: str
    funder_party: str
    amount_eur: int
    year: int | None
    source: str
    synthetic: bool


class BudgetLineUse(BudgetLine):
    committed_eur: int
    spent_eur: int
    planned_eur: int
    remaining_eur: int


class PartyUse(Out):
    party: str
    share_eur: int
    committed_eur: int
    spent_eur: int
    planned_eur: int


class DealUse(Out):
    deal: str
    status: str
    cost_eur: int
    spent_eur: int
    synthetic: bool


class Budget(Out):
    lines: list[BudgetLineUse]
    unassigned: dict[str, int] | None
    parties: list[PartyUse]
    deals: list[DealUse]


class Choice(Out):
    station: str
    measures: list[str]
    cost: Number
    harm: Number
    harm_avoided: Number
    fixed: list[str]


class Solution(Out):
    method: str
    status: str
    objective: Number
    cost: Number
    budget: Number
    gap: Number | None
    dual_bound: Number | None
    seconds: Number
    options: int
    options_after_fixing: int
    lagrangian_bound: Number | None
    nodes: int | None
    choices: Sequence[Choice]


class Greedy(Out):
    objective: Number
    cost: Number
    share_of_optimum: Number | None
    choices: list[Choice]


class Optimum(Solution):
    """The optimal portfolio of a given problem, beside the greedy one."""

    build_seconds: Number
    greedy: Greedy


class ProgrammeChoice(Choice):
    name: str
    lat: Number
    lng: Number
    need_rank: int | None
    measure_names: list[str]


class ProgrammeSolution(Solution):
    choices: Sequence[ProgrammeChoice]


class Robust(ProgrammeSolution):
    nominal_objective: Number | None


class ProgrammeOptimum(ProgrammeSolution):
    """The best portfolio for the real stations and catalogue, with the robust one."""

    build_seconds: Number
    greedy: Greedy
    robust: Robust | None = None
    objective_at_low_effects: Number | None = None
    instance: dict[str, Any] = Field(description="what the problem was built from")
    frontier: list[dict[str, Any]] | None = None


class FrontierPoint(Out):
    budget: Number
    objective: Number
    cost: Number
    status: str
    gap: Number | None
    stations: int
    seconds: Number
    greedy: Number | None = None


class Frontier(Out):
    points: list[FrontierPoint]
    robust: list[FrontierPoint]
    instance: dict[str, Any]

"""Response models of effect evaluation. Numbers that could not be computed (or were not
finite) are null; the contract keys ``method``, ``att``, ``ci_low``, ``ci_high``, ... are always
present."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perron.api.schemas import Number, Out, Timestamp

__all__ = ["Evaluation", "EvaluationSummary", "Evidence", "StoredEvaluation"]


class EventTime(Out):
    e: int = Field(description="months since the start (negative: before)")
    att: Number | None
    relative: Number | None
    low: Number | None
    high: Number | None
    n: Number | None


class Check(Out):
    code: str
    passed: bool
    value: Number | None
    nl: str
    en: str
    fails_credibility: bool


class Donor(Out):
    unit: str
    weight: Number | None


class LeaveOneOut(Out):
    without: str
    att: Number | None
    relative: Number | None


class Evaluation(Out):
    """An evaluation: the effect on the treated with its interval, the event study, the
    checks and the verdict."""

    method: str
    design: str
    assumptions_nl: str
    assumptions_en: str
    att: Number | None = Field(description="average effect on the treated, per unit and month")
    ci_low: Number | None
    ci_high: Number | None
    relative: Number | None
    relative_ci_low: Number | None
    relative_ci_high: Number | None
    counterfactual: Number | None
    observed: Number | None
    pre_trend_p: Number | None
    placebo_p: Number | None
    credible: bool
    counts: bool
    units: int
    treated_units: int
    periods: int
    first_period: str
    last_period: str
    mde: Number | None
    mde_relative: Number | None
    naive_change: Number | None
    twfe: Number | None
    event: list[EventTime]
    checks: list[Check]
    donors: list[Donor]
    leave_one_out: list[LeaveOneOut]
    dropped: list[Any]
    treated: list[str]
    seed: int
    replicates: int
    outcome: str
    synthetic: bool
    source: str
    reasons_nl: list[str]
    reasons_en: list[str]
    measure: dict[str, Any] | None = Field(None, description="the deal measure evaluated")
    evaluation_id: int | None = Field(None, description="when stored (save=true)")


class EvaluationSummary(Out):
    id: int
    created_at: Timestamp
    created_by: str
    title: str
    source: str
    measure_id: str | None
    method: str
    outcome: str
    att: Number | None
    relative: Number | None
    credible: bool
    synthetic: bool


class StoredEvaluation(EvaluationSummary):
    panel_sha256: str
    result: dict[str, Any] = Field(description="the evaluation as it was stored")


class Evidence(Out):
    measure_code: str
    evaluation_id: int
    stations: list[str]
    start: str | None
    relative: Number | None
    relative_ci_low: Number | None
    relative_ci_high: Number | None
    credible: bool
    synthetic: bool
    method: str


class MeasurePower(Out):
    """Before a deal measure starts: the smallest effect an evaluation could see."""

    method: str
    units: list[str] = Field(description="the measure's stations in the panel")
    months_after: int = Field(description="months after the start the evaluation would use")
    mde: Number | None = Field(description="minimum detectable effect in the outcome's units")
    mde_relative: Number | None = Field(description="the same as a fraction (0.2: 20 %)")
    counterfactual: Number
    note_nl: str
    note_en: str
    measure: dict[str, Any] = Field(description="the deal measure")

"""Response models of effect evaluation. Numbers that could not be computed (or were not
finite) are null; the contract keys ``method``, ``att``, ``ci_low``, ``ci_high``, ... are always
present."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perron.api.schemas import Out, Timestamp

__all__ = ["Evaluation", "EvaluationSummary", "Evidence", "StoredEvaluation"]


class EventTime(Out):
    e: int = Field(description="months since the start (negative: before)")
    att: float | None
    relative: float | None
    low: float | None
    high: float | None
    n: float | None


class Check(Out):
    code: str
    passed: bool
    value: float | None
    nl: str
    en: str
    fails_credibility: bool


class Donor(Out):
    unit: str
    weight: float | None


class LeaveOneOut(Out):
    without: str
    att: float | None
    relative: float | None


class Evaluation(Out):
    """An evaluation: the effect on the treated with its interval, the event study, the
    checks and the verdict."""

    method: str
    design: str
    assumptions_nl: str
    assumptions_en: str
    att: float | None = Field(description="average effect on the treated, per unit and month")
    ci_low: float | None
    ci_high: float | None
    relative: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    counterfactual: float | None
    observed: float | None
    pre_trend_p: float | None
    placebo_p: float | None
    credible: bool
    counts: bool
    units: int
    treated_units: int
    periods: int
    first_period: str
    last_period: str
    mde: float | None
    mde_relative: float | None
    naive_change: float | None
    twfe: float | None
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
    att: float | None
    relative: float | None
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
    relative: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    credible: bool
    synthetic: bool
    method: str

"""What an evaluation says: the effect with its interval, the event study, the checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class EventPoint:
    """The effect ``e`` months after the start (negative: a lead, before the start)."""

    e: int
    att: float
    relative: float | None
    low: float  # simultaneous band over all event times
    high: float
    n: float  # treated units contributing


@dataclass
class Check:
    """One honest check: its name, whether it passed, a figure and the reason in words."""

    code: str
    passed: bool
    value: float | None
    nl: str
    en: str
    fails_credibility: bool = True


@dataclass
class Evaluation:
    method: str
    design: str
    assumptions_nl: str
    assumptions_en: str
    att: float
    ci_low: float
    ci_high: float
    relative: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    counterfactual: float
    observed: float
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
    event: list[EventPoint] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    donors: list[dict[str, Any]] = field(default_factory=list)
    leave_one_out: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    treated: list[str] = field(default_factory=list)  # the treated units (at most 1,000)
    seed: int = 0
    replicates: int = 0
    outcome: str = "outcome"
    synthetic: bool = False
    source: str = ""

    @property
    def reasons(self) -> list[Check]:
        return [c for c in self.checks if not c.passed and c.fails_credibility]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reasons_nl"] = [c.nl for c in self.reasons]
        d["reasons_en"] = [c.en for c in self.reasons]
        return d

"""The budget optimiser: which measures at which stations avoid the most harm within a budget.

The problem (a multiple-choice knapsack, solved exactly as a mixed-integer programme):

* station ``s`` has expected yearly harm ``H_s`` without new measures;
* a set ``C`` of measures at ``s`` leaves ``H_s · Π_{m∈C}(1 − e_{s,m})`` (diminishing returns:
  the second measure works on what the first left);
* a binary variable per (station, combination of applicable measures); at most one combination
  per station; total cost within the budget; optional limits per budget line and per station
  (cost, number of measures); measures already in running deals are fixed (always on, not paid
  from this budget) and the new ones work on the harm they leave.

Combinations are enumerated per station by a dynamic programme over the measures that keeps
only the non-dominated ones (no other combination is cheaper — in total and on every limited
budget line — and leaves less harm). Dropping dominated combinations never changes the optimum,
so the programme over the rest is exact, and it stays small: for the full catalogue a station
has some tens of non-dominated combinations out of tens of thousands. Measures that require
another (live camera monitoring needs cameras) form a group whose valid sub-sets are enumerated
together.

HiGHS (through :func:`scipy.optimize.milp`) proves optimality; the relative gap it reports is
part of the result. Beside it: a greedy baseline (best extra harm avoided per euro first), a
robust variant (every effect at the low end of its interval, i.e. the least reduction) and the
efficient frontier over a range of budgets.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: a station with more non-dominated combinations than this is refused (set max_measures)
MAX_OPTIONS_PER_STATION = 50_000
MAX_STATIONS = 5_000
MAX_MEASURES = 62  # member sets are 64-bit masks
MAX_AMOUNT = 1e13
#: the relative optimality gap HiGHS must prove before it reports "optimal" (its own default)
MIP_REL_GAP = 1e-4
#: measures enumerated together in one step of the dynamic programme
BLOCK = 4


class InstanceError(ValueError):
    """An optimisation problem that cannot be solved as given; the message names the field."""


@dataclass(frozen=True)
class MeasureOption:
    """A measure the optimiser may choose: its code, cost, effect and effect interval."""

    code: str
    cost: float
    effect: float
    low: float | None = None
    high: float | None = None
    line: str | None = None  # the budget line that pays it (for line limits)
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class StationProblem:
    """One station: its harm, which measures apply, per-station overrides and limits."""

    code: str
    harm: float
    applicable: tuple[str, ...] | None = None  # None: every measure
    fixed: tuple[str, ...] = ()  # measures of running deals: always on, not paid here
    costs: Mapping[str, float] = field(default_factory=dict)  # per-station cost overrides
    effects: Mapping[str, float] = field(default_factory=dict)  # per-station effect overrides
    lows: Mapping[str, float] = field(default_factory=dict)
    max_cost: float | None = None
    max_measures: int | None = None


@dataclass(frozen=True)
class Instance:
    budget: float
    stations: tuple[StationProblem, ...]
    measures: tuple[MeasureOption, ...]
    line_limits: Mapping[str, float] = field(default_factory=dict)
    max_measures: int | None = None  # for every station (a station's own limit wins)


@dataclass
class Choice:
    station: str
    measures: list[str]
    cost: float
    harm: float
    harm_avoided: float
    fixed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "station": self.station,
            "measures": self.measures,
            "cost": round(self.cost, 2),
            "harm": round(self.harm, 6),
            "harm_avoided": round(self.harm_avoided, 6),
            "fixed": self.fixed,
        }


@dataclass
class Portfolio:
    """A solution: status, harm avoided (objective), cost and the choice per station."""

    method: str
    status: str
    objective: float
    cost: float
    budget: float
    choices: list[Choice]
    gap: float | None = None
    dual_bound: float | None = None
    seconds: float = 0.0
    options: int = 0
    nodes: int | None = None
    kept: int | None = None  # options left after reduced-cost fixing
    picked: np.ndarray | None = field(default=None, repr=False)
    lagrangian_bound: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "status": self.status,
            "objective": round(self.objective, 6),
            "cost": round(self.cost, 2),
            "budget": self.budget,
            "gap": self.gap,
            "dual_bound": None if self.dual_bound is None else round(self.dual_bound, 6),
            "seconds": round(self.seconds, 4),
            "options": self.options,
            "options_after_fixing": self.kept,
            "lagrangian_bound": None
            if self.lagrangian_bound is None
            else round(self.lagrangian_bound, 6),
            "nodes": self.nodes,
            "choices": [c.as_dict() for c in self.choices],
        }


# ------------------------------------------------------------------------- parsing


def _number(value: Any, where: str, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstanceError(f"{where}: expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise InstanceError(f"{where}: must be a finite number")
    if low is not None and v < low:
        raise InstanceError(f"{where}: must be at least {low:g}, not {v:g}")
    if high is not None and v > high:
        raise InstanceError(f"{where}: must be at most {high:g}, not {v:g}")
    return v


def _code(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 80:
        raise InstanceError(f"{where}: expected a code (text of 1–80 characters), got {value!r}")
    return value.strip()


def parse_instance(data: Any) -> Instance:
    """An :class:`Instance` from its JSON form; errors name the field (``stations[2].harm``)."""
    if not isinstance(data, dict):
        raise InstanceError("the instance must be a JSON object with budget, stations, measures")
    for key in ("budget", "stations", "measures"):
        if key not in data:
            raise InstanceError(f"{key}: missing")
    budget = _number(data["budget"], "budget", 0, MAX_AMOUNT)
    raw_m = data["measures"]
    if not isinstance(raw_m, list) or not raw_m:
        raise InstanceError("measures: expected a non-empty list")
    if len(raw_m) > MAX_MEASURES:
        raise InstanceError(f"measures: at most {MAX_MEASURES} measures")
    measures: list[MeasureOption] = []
    seen: set[str] = set()
    for i, m in enumerate(raw_m):
        w = f"measures[{i}]"
        if not isinstance(m, dict):
            raise InstanceError(f"{w}: expected an object with code, cost, effect")
        code = _code(m.get("code"), f"{w}.code")
        if code in seen:
            raise InstanceError(f"{w}.code: {code!r} appears twice")
        seen.add(code)
        effect = _number(m.get("effect"), f"{w}.effect", -1, 1)
        low = _number(m["low"], f"{w}.low", -1, 1) if m.get("low") is not None else None
        high = _number(m["high"], f"{w}.high", -1, 1) if m.get("high") is not None else None
        if low is not None and low > effect:
            raise InstanceError(f"{w}.low: the low end {low:g} is above the effect {effect:g}")
        line = m.get("line")
        requires = m.get("requires") or []
        if not isinstance(requires, list):
            raise InstanceError(f"{w}.requires: expected a list of measure codes")
        measures.append(
            MeasureOption(
                code,
                _number(m.get("cost"), f"{w}.cost", 0, MAX_AMOUNT),
                effect,
                low,
                high,
                None if line is None else _code(line, f"{w}.line"),
                tuple(_code(r, f"{w}.requires") for r in requires),
            )
        )
    for i, m in enumerate(measures):
        for r in m.requires:
            if r not in seen:
                raise InstanceError(f"measures[{i}].requires: unknown measure {r!r}")
    raw_s = data["stations"]
    if not isinstance(raw_s, list):
        raise InstanceError("stations: expected a list")
    if len(raw_s) > MAX_STATIONS:
        raise InstanceError(f"stations: at most {MAX_STATIONS} stations")
    stations: list[StationProblem] = []
    seen_s: set[str] = set()
    for i, s in enumerate(raw_s):
        w = f"stations[{i}]"
        if not isinstance(s, dict):
            raise InstanceError(f"{w}: expected an object with code and harm")
        code = _code(s.get("code"), f"{w}.code")
        if code in seen_s:
            raise InstanceError(f"{w}.code: {code!r} appears twice")
        seen_s.add(code)
        applicable = s.get("applicable")
        if applicable is not None:
            if not isinstance(applicable, list):
                raise InstanceError(f"{w}.applicable: expected a list of measure codes")
            applicable = tuple(_code(a, f"{w}.applicable") for a in applicable)
        fixed = s.get("fixed") or []
        if not isinstance(fixed, list):
            raise InstanceError(f"{w}.fixed: expected a list of measure codes")
        for f in fixed:
            if f not in seen:
                raise InstanceError(f"{w}.fixed: unknown measure {f!r}")
        mx = s.get("max_measures")
        stations.append(
            StationProblem(
                code,
                _number(s.get("harm"), f"{w}.harm", 0, MAX_AMOUNT),
                applicable,
                tuple(fixed),
                {
                    k: _number(v, f"{w}.costs.{k}", 0, MAX_AMOUNT)
                    for k, v in (s.get("costs") or {}).items()
                },
                {
                    k: _number(v, f"{w}.effects.{k}", -1, 1)
                    for k, v in (s.get("effects") or {}).items()
                },
                {},
                None
                if s.get("max_cost") is None
                else _number(s["max_cost"], f"{w}.max_cost", 0, MAX_AMOUNT),
                None if mx is None else int(_number(mx, f"{w}.max_measures", 0, MAX_MEASURES)),
            )
        )
    limits = data.get("line_limits") or {}
    if not isinstance(limits, dict):
        raise InstanceError("line_limits: expected an object of line -> amount")
    mx = data.get("max_measures")
    return Instance(
        budget,
        tuple(stations),
        tuple(measures),
        {
            _code(k, "line_limits"): _number(v, f"line_limits.{k}", 0, MAX_AMOUNT)
            for k, v in limits.items()
        },
        None if mx is None else int(_number(mx, "max_measures", 0, MAX_MEASURES)),
    )


# ------------------------------------------------------------------------- combinations


@dataclass
class _Options:
    """Every non-dominated combination of every station, stacked (the MILP's columns)."""

    station: np.ndarray  # index of the station per option
    cost: np.ndarray
    benefit: np.ndarray  # harm avoided (with the effects used)
    line_cost: np.ndarray  # options x limited lines
    bits: np.ndarray  # the measures of each option, a bit mask over its station's codes
    codes_of: list[tuple[str, ...]]  # per station: the measure codes its bits refer to
    lines: list[str]
    base_harm: np.ndarray  # per station: harm left by the fixed measures
    fixed: list[tuple[str, ...]]
    steps: list[tuple[float, int, int, int]] | None = None  # the greedy's hull steps, cached

    def members(self, k: int) -> list[str]:
        codes = self.codes_of[int(self.station[k])]
        b = int(self.bits[k])
        return [codes[i] for i in range(len(codes)) if b >> i & 1]


def _pareto(cost: np.ndarray, resid: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Indices of combinations no other one beats: cheaper (or equal) on cost and every extra
    column, and leaving less (or equal) harm — strictly better on at least one."""
    order = np.lexsort((resid, cost))
    if extra.shape[1] == 0:
        r = resid[order]
        best = np.minimum.accumulate(r)
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = r[1:] < best[:-1] - 1e-12
        return order[keep]
    kept = np.empty(len(order), dtype=np.int64)
    n_kept = 0
    k_res = np.empty(len(order))
    k_extra = np.empty((len(order), extra.shape[1]))
    for i in order:  # sorted by cost: only earlier (cheaper or equal) ones can dominate
        if n_kept:
            beats = (k_res[:n_kept] <= resid[i] + 1e-12) & np.all(
                k_extra[:n_kept] <= extra[i] + 1e-9, axis=1
            )
            if beats.any():
                continue
        kept[n_kept], k_res[n_kept], k_extra[n_kept] = i, resid[i], extra[i]
        n_kept += 1
    return kept[:n_kept]


def _groups(codes: Sequence[str], requires: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """Measures tied by ``requires`` form one group (a dependant sits with what it needs)."""
    parent = {c: c for c in codes}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for c in codes:
        for r in requires.get(c, ()):
            if r in parent:
                parent[find(c)] = find(r)
    out: dict[str, list[str]] = {}
    for c in codes:
        out.setdefault(find(c), []).append(c)
    return list(out.values())


@dataclass(frozen=True)
class _GroupPlan:
    """The valid sub-sets of each group of measures, as 0/1 rows over the station's measures."""

    masks: tuple[np.ndarray, ...]  # per group: subsets x measures (float 0/1)
    bits: tuple[np.ndarray, ...]  # per group: the member bitmask of each subset (int64)


_PLANS: dict[tuple[Any, ...], _GroupPlan] = {}


def _plan(
    codes: tuple[str, ...], requires: Mapping[str, tuple[str, ...]], have: frozenset[str]
) -> _GroupPlan:
    key = (codes, tuple(sorted((c, requires.get(c, ())) for c in codes)), have)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    index = {c: i for i, c in enumerate(codes)}
    masks, bits = [], []
    # independent groups are packed into blocks of up to BLOCK measures: fewer, larger steps
    blocks: list[list[str]] = []
    for group in sorted(_groups(codes, requires), key=len, reverse=True):
        if blocks and len(blocks[-1]) + len(group) <= BLOCK:
            blocks[-1].extend(group)
        else:
            blocks.append(list(group))
    for group in blocks:
        rows = []
        for mask in range(1, 1 << len(group)):
            chosen = {group[k] for k in range(len(group)) if mask >> k & 1}
            if all(r in chosen or r in have for c in chosen for r in requires.get(c, ())):
                row = np.zeros(len(codes))
                for c in chosen:
                    row[index[c]] = 1.0
                rows.append(row)
        if rows:
            m = np.array(rows)
            masks.append(m)
            bits.append((m.astype(np.int64) << np.arange(len(codes), dtype=np.int64)).sum(axis=1))
    plan = _GroupPlan(tuple(masks), tuple(bits))
    if len(_PLANS) > 256:
        _PLANS.clear()
    _PLANS[key] = plan
    return plan


def _station_options(
    codes: list[str],
    cost: np.ndarray,
    factor: np.ndarray,  # 1 - effect per measure
    line_of: np.ndarray,  # index of the limited line per measure, -1 when none
    n_lines: int,
    requires: Mapping[str, tuple[str, ...]],
    have: frozenset[str],
    max_cost: float | None,
    max_n: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Non-dominated combinations of one station: cost, residual factor, line costs, members
    (a bit mask over ``codes``).

    A dynamic programme over the groups of measures: each state (a combination so far) is
    extended by every valid subset of the next group, and only non-dominated states are kept."""
    plan = _plan(tuple(codes), requires, have)
    track_n = max_n is not None
    n_extra = n_lines + (1 if track_n else 0)
    # per measure: its line costs (+ a count column), so a subset's extras are a product
    unit_extra = np.zeros((len(codes), n_extra))
    for i, li in enumerate(line_of):
        if li >= 0:
            unit_extra[i, li] = cost[i]
    if track_n:
        unit_extra[:, -1] = 1.0
    log_f = np.log(np.maximum(factor, 1e-300))  # an effect of 1 leaves (practically) nothing
    s_cost = np.zeros(1)
    s_res = np.ones(1)
    s_extra = np.zeros((1, n_extra))
    s_bits = np.zeros(1, dtype=np.int64)
    for masks, bits in zip(plan.masks, plan.bits, strict=True):
        sub_cost = masks @ cost
        sub_res = np.exp(masks @ log_f)
        sub_extra = masks @ unit_extra
        n_s, n_g = len(s_cost), len(sub_cost)
        new_cost = np.concatenate([s_cost, (s_cost[:, None] + sub_cost[None, :]).ravel()])
        new_res = np.concatenate([s_res, (s_res[:, None] * sub_res[None, :]).ravel()])
        new_extra = np.concatenate(
            [s_extra, (s_extra[:, None, :] + sub_extra[None, :, :]).reshape(n_s * n_g, n_extra)]
        )
        new_bits = np.concatenate([s_bits, (s_bits[:, None] | bits[None, :]).ravel()])
        ok = np.ones(len(new_cost), dtype=bool)
        if max_cost is not None:
            ok &= new_cost <= max_cost + 1e-9
        if track_n:
            ok &= new_extra[:, -1] <= max_n
        idx = np.flatnonzero(ok)
        keep = idx[_pareto(new_cost[idx], new_res[idx], new_extra[idx])]
        if len(keep) > MAX_OPTIONS_PER_STATION:
            raise InstanceError(
                f"more than {MAX_OPTIONS_PER_STATION} non-dominated combinations at one station: "
                "limit the measures per station (max_measures)"
            )
        s_cost, s_res, s_extra, s_bits = (
            new_cost[keep],
            new_res[keep],
            new_extra[keep],
            new_bits[keep],
        )
    return s_cost, s_res, s_extra[:, :n_lines], s_bits


def build_options(instance: Instance, robust: bool = False) -> _Options:
    """The non-dominated combinations of every station (``robust``: effects at their low end)."""
    by_code = {m.code: m for m in instance.measures}
    requires = {m.code: m.requires for m in instance.measures}
    lines = sorted(instance.line_limits)
    line_index = {name: i for i, name in enumerate(lines)}
    st_idx: list[np.ndarray] = []
    costs: list[np.ndarray] = []
    bens: list[np.ndarray] = []
    lcs: list[np.ndarray] = []
    bits_all: list[np.ndarray] = []
    codes_of: list[tuple[str, ...]] = [() for _ in instance.stations]
    base = np.zeros(len(instance.stations))
    fixed_out: list[tuple[str, ...]] = []
    for s_i, st in enumerate(instance.stations):

        def eff(code: str, st: StationProblem = st) -> float:
            m = by_code[code]
            if robust:
                if code in st.lows:
                    return st.lows[code]
                if m.low is not None:
                    scale = st.effects[code] / m.effect if code in st.effects and m.effect else 1
                    return m.low * scale
            return st.effects.get(code, m.effect)

        fixed = tuple(f for f in st.fixed if f in by_code)
        fixed_out.append(fixed)
        left = st.harm * math.prod(1 - eff(f) for f in fixed)
        base[s_i] = left
        allowed = st.applicable if st.applicable is not None else tuple(by_code)
        codes = [c for c in by_code if c in allowed and c not in fixed]
        if not codes:
            continue
        cost = np.array([st.costs.get(c, by_code[c].cost) for c in codes], dtype=float)
        factor = np.array([1 - eff(c) for c in codes], dtype=float)
        line_of = np.array(
            [line_index.get(by_code[c].line or "", -1) for c in codes], dtype=np.int64
        )
        max_n = st.max_measures if st.max_measures is not None else instance.max_measures
        codes_of[s_i] = tuple(codes)
        c, r, lc, bits = _station_options(
            codes,
            cost,
            factor,
            line_of,
            len(lines),
            requires,
            frozenset(fixed),
            st.max_cost,
            max_n,
        )
        take = bits != 0  # the empty combination is the slack
        c, r, lc, bits = c[take], r[take], lc[take], bits[take]
        st_idx.append(np.full(len(c), s_i, dtype=np.int64))
        costs.append(c)
        bens.append(left * (1 - r))
        lcs.append(lc)
        bits_all.append(bits)
    if costs:
        return _Options(
            np.concatenate(st_idx),
            np.concatenate(costs),
            np.concatenate(bens),
            np.concatenate(lcs) if lines else np.zeros((sum(map(len, costs)), 0)),
            np.concatenate(bits_all),
            codes_of,
            lines,
            base,
            fixed_out,
        )
    empty = np.zeros(0)
    return _Options(
        np.zeros(0, dtype=np.int64), empty, empty, np.zeros((0, len(lines))),
        np.zeros(0, dtype=np.int64), codes_of, lines, base, fixed_out,
    )  # fmt: skip


# ------------------------------------------------------------------------- solving


def _portfolio(
    instance: Instance,
    opts: _Options,
    picked: np.ndarray,
    method: str,
    status: str,
    seconds: float,
    **extra: Any,
) -> Portfolio:
    choices: list[Choice] = []
    by_station = {int(opts.station[k]): int(k) for k in np.flatnonzero(picked)}
    for s_i, st in enumerate(instance.stations):
        k = by_station.get(s_i)
        if k is None and not opts.fixed[s_i]:
            continue
        choices.append(
            Choice(
                st.code,
                opts.members(k) if k is not None else [],
                float(opts.cost[k]) if k is not None else 0.0,
                st.harm,
                float(opts.benefit[k]) if k is not None else 0.0,
                list(opts.fixed[s_i]),
            )
        )
    choices = [c for c in choices if c.measures]
    objective = float(opts.benefit[picked].sum()) if len(picked) else 0.0
    cost = float(opts.cost[picked].sum()) if len(picked) else 0.0
    return Portfolio(
        method,
        status,
        objective,
        cost,
        instance.budget,
        choices,
        seconds=seconds,
        options=len(opts.cost),
        picked=np.flatnonzero(picked),
        **extra,
    )


def _station_max(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per station (options sorted by station, ``starts`` their first index): the largest value."""
    return np.maximum.reduceat(values, starts) if len(values) else np.zeros(0)


def _lagrangian(
    opts: _Options, budget: float, starts: np.ndarray, counts: np.ndarray
) -> tuple[float, float, np.ndarray]:
    """The Lagrangian bound of the budget constraint, minimised over its multiplier λ.

    ``L(λ) = λ·B + Σ_s max(0, max_k (b_k − λ·c_k))`` bounds the optimum from above for every
    λ ≥ 0 (the line limits are dropped, which only loosens it). Returns L, λ and per station
    the best reduced profit ``max(0, max_k (b_k − λ c_k))``."""

    def value(lam: float) -> tuple[float, np.ndarray]:
        best = np.maximum(_station_max(opts.benefit - lam * opts.cost, starts), 0.0)
        return lam * budget + float(best.sum()), best

    ratio = opts.benefit / np.maximum(opts.cost, 1e-9)
    lo, hi = 0.0, float(ratio.max()) if len(ratio) else 0.0
    # L is convex in λ: golden-section search, then the better end
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = value(c)[0], value(d)[0]
    for _ in range(80):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = value(c)[0]
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = value(d)[0]
    candidates = [value(x) + (x,) for x in (lo, hi, (a + b) / 2)]
    bound, best, lam = min(candidates, key=lambda t: t[0])
    return bound, lam, best


def _reduce(
    opts: _Options, budget: float, incumbent: float
) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Options that can be part of a solution better than ``incumbent`` (reduced-cost fixing).

    Forcing option k of station s bounds the objective by ``L(λ) − best_s + (b_k − λ c_k)``;
    an option whose bound is below the incumbent is in no better solution and is dropped. The
    incumbent's own options always stay, so the optimum of the rest is the optimum of all."""
    n = len(opts.cost)
    if n == 0:
        return np.ones(0, dtype=bool), 0.0, 0.0, np.zeros(0, dtype=bool)
    starts = np.flatnonzero(np.r_[True, opts.station[1:] != opts.station[:-1]])
    counts = np.diff(np.r_[starts, n])
    bound, lam, best = _lagrangian(opts, budget, starts, counts)
    per_option_best = np.repeat(best, counts)
    forced = bound - per_option_best + (opts.benefit - lam * opts.cost)
    tol = 1e-7 * (1.0 + abs(incumbent))
    keep = (forced >= incumbent - tol) & (opts.cost <= budget + 1e-9)
    # taking nothing at station s is bounded by L - best_s: below the incumbent, s must take one
    must = np.zeros(int(opts.station.max()) + 1 if n else 0, dtype=bool)
    must[opts.station[starts]] = bound - best < incumbent - tol
    return keep, bound, lam, must


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints some diagnostics to the process's standard output, which would corrupt
    JSON printed there: send file descriptor 1 to standard error while it runs."""
    with _SOLVER_LOCK:
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError):
            yield
            return
        try:
            os.dup2(2, 1)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


_SOLVER_LOCK = threading.Lock()

_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "error"}


#: the largest cost grid (budget / common unit of the costs) the exact knapsack DP takes on
MAX_DP_CELLS = 4_000_000


def _dp_exact(opts: _Options, cols: np.ndarray, budget_left: float) -> np.ndarray | None:
    """The exact optimum over ``cols`` (at most one per station, total cost within
    ``budget_left``) by dynamic programming over the budget in units of the costs' greatest
    common divisor; None when the costs are not whole numbers or the grid is too large."""
    cost = opts.cost[cols]
    if len(cols) == 0 or budget_left < 0:
        return None
    if not np.all(np.abs(cost - np.round(cost)) < 1e-9):
        return None
    ints = np.round(cost).astype(np.int64)
    unit = int(np.gcd.reduce(ints[ints > 0])) if (ints > 0).any() else 1
    cells = int(math.floor(budget_left / unit + 1e-9))
    if cells > MAX_DP_CELLS:
        return None
    w = ints // unit
    ben = opts.benefit[cols]
    groups: dict[int, list[int]] = {}
    for j, st in enumerate(opts.station[cols].tolist()):
        groups.setdefault(st, []).append(j)
    f = np.zeros(cells + 1)
    choices = []
    for members in groups.values():
        best = f.copy()
        pick = np.full(cells + 1, -1, dtype=np.int32)
        for j in members:
            wj = int(w[j])
            if wj > cells:
                continue
            cand = np.full(cells + 1, -np.inf)
            cand[wj:] = f[: cells + 1 - wj] + ben[j]
            better = cand > best + 1e-12
            best = np.where(better, cand, best)
            pick = np.where(better, j, pick)
        choices.append(pick)
        f = best
    chosen = np.zeros(len(cols), dtype=bool)
    c = int(np.argmax(f))
    for pick in reversed(choices):
        j = int(pick[c])
        if j >= 0:
            chosen[j] = True
            c -= int(w[j])
    return chosen


@dataclass
class _DPResult:
    """The exact dynamic programme's answer, shaped like HiGHS's (status 0, no gap left)."""

    x: np.ndarray
    status: int = 0
    mip_gap: float = 0.0
    mip_dual_bound: float | None = None
    mip_node_count: int | None = None


def _solve_reduced(
    instance: Instance,
    opts: _Options,
    budget: float,
    incumbent: np.ndarray,
    mip_rel_gap: float,
    time_limit: float,
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, float]:
    """HiGHS on the options that can beat ``incumbent`` (a feasible choice): returns the
    result, its columns, the options fixed to 1, the options kept, and the Lagrangian bound."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix, vstack

    value = float(opts.benefit[incumbent].sum())
    keep, bound, _lam, must = _reduce(opts, budget, value)
    keep |= incumbent
    n_left = np.bincount(opts.station[keep], minlength=len(instance.stations))
    # a station that must take an option and has one left takes it: fixed, out of the MILP
    sure = keep & must[opts.station] & (n_left[opts.station] == 1)
    cols = np.flatnonzero(keep & ~sure)
    n = len(cols)
    if n == 0:
        return None, cols, sure, keep, bound
    budget_left = budget - float(opts.cost[sure].sum())
    if not opts.lines:
        chosen = _dp_exact(opts, cols, budget_left)
        if chosen is not None:
            return _DPResult(chosen.astype(float)), cols, sure, keep, bound
    rows = [
        coo_matrix(
            (np.ones(n), (opts.station[cols], np.arange(n))), shape=(len(instance.stations), n)
        )
    ]
    ub = [np.ones(len(instance.stations)), np.array([budget_left])]
    rows.append(coo_matrix(opts.cost[cols].reshape(1, n)))
    for j, line in enumerate(opts.lines):
        rows.append(coo_matrix(opts.line_cost[cols, j].reshape(1, n)))
        ub.append(np.array([instance.line_limits[line] - float(opts.line_cost[sure, j].sum())]))
    with _quiet_stdout():
        res = milp(
            -opts.benefit[cols],
            integrality=np.ones(n),
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(vstack(rows).tocsr(), -np.inf, np.concatenate(ub)),
            options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "presolve": True},
        )
    return res, cols, sure, keep, bound


def solve_milp(
    instance: Instance,
    opts: _Options | None = None,
    budget: float | None = None,
    time_limit: float = 30.0,
    mip_rel_gap: float = MIP_REL_GAP,
    method: str = "milp",
) -> Portfolio:
    """The optimum by HiGHS; ``status`` optimal means proven within ``mip_rel_gap`` of the best
    bound (the gap found is in the result; pass a smaller ``mip_rel_gap`` for a tighter proof).

    Options that cannot beat an incumbent are dropped first by reduced-cost fixing on the
    Lagrangian bound (:func:`_reduce`), which leaves the optimum unchanged. Two rounds: the
    greedy solution improved by local search is the first incumbent; HiGHS solves the rest to
    a gap of 1e-4; its solution is the second incumbent, which drops nearly every remaining
    option, and HiGHS proves the optimum of what is left to ``mip_rel_gap``."""
    t = time.perf_counter()
    opts = opts if opts is not None else build_options(instance)
    budget = instance.budget if budget is None else budget
    inst = instance if budget == instance.budget else _with_budget(instance, budget)
    n_all = len(opts.cost)
    if n_all == 0:
        return _portfolio(inst, opts, np.zeros(0, dtype=bool), method, "optimal", 0.0, gap=0.0)
    greedy = solve_greedy(instance, opts, budget)
    incumbent = _improve(
        instance, opts, np.isin(np.arange(n_all), _picked_of(greedy, opts)), budget
    )
    rounds: tuple[tuple[float, float], ...] = ((mip_rel_gap, time_limit),)
    if mip_rel_gap < 1e-4:
        rounds = ((1e-4, time_limit / 3), (mip_rel_gap, time_limit))
    res = None
    cols = sure = keep = np.zeros(0, dtype=np.int64)
    bound = 0.0
    for gap_target, limit in rounds:
        res, cols, sure, keep, bound = _solve_reduced(
            instance,
            opts,
            budget,
            incumbent,
            gap_target,
            max(limit - (time.perf_counter() - t), 1.0),
        )
        picked = sure.copy()
        if res is not None and res.x is not None:
            picked[cols[res.x > 0.5]] = True
        if float(opts.benefit[picked].sum()) >= float(opts.benefit[incumbent].sum()) - 1e-12:
            incumbent = picked
        if res is None or (res.status == 0 and gap_target <= mip_rel_gap):
            break
    seconds = time.perf_counter() - t
    kept = int(keep.sum())
    fixed_value = float(opts.benefit[sure].sum())
    total = float(opts.benefit[incumbent].sum())
    if res is None:
        return _portfolio(
            inst, opts, incumbent, method, "optimal", seconds, gap=0.0, dual_bound=total,
            kept=kept, lagrangian_bound=bound,
        )  # fmt: skip
    status = _STATUS.get(res.status, "error")
    if res.x is None and not incumbent.any():
        return _portfolio(inst, opts, incumbent, method, status, seconds, kept=kept)
    dual = getattr(res, "mip_dual_bound", None)
    gap = getattr(res, "mip_gap", None)
    upper = float(opts.benefit[incumbent].sum()) if isinstance(res, _DPResult) else None
    if isinstance(res, _DPResult):
        method = method + "+dp"
    if dual is not None and math.isfinite(dual):
        upper = -dual + fixed_value  # HiGHS minimises -benefit: -dual bounds the benefit above
        gap = max(0.0, (upper - total) / max(abs(total), 1e-12))
    return _portfolio(
        inst,
        opts,
        incumbent,
        method,
        status,
        seconds,
        gap=None if gap is None or not math.isfinite(gap) else float(max(gap, 0.0)),
        dual_bound=upper,
        nodes=getattr(res, "mip_node_count", None),
        kept=kept,
        lagrangian_bound=bound,
    )


def _picked_of(p: Portfolio, opts: _Options) -> np.ndarray:
    return np.asarray(p.picked if p.picked is not None else [], dtype=np.int64)


def _with_budget(instance: Instance, budget: float) -> Instance:
    return Instance(
        budget, instance.stations, instance.measures, instance.line_limits, instance.max_measures
    )


def _hull_steps(opts: _Options) -> list[tuple[float, int, int, int]]:
    """The steps along each station's upper convex hull of (cost, harm avoided), best ratio
    first: (-ratio, station, from option, to option); -1 is "nothing"."""
    n = len(opts.cost)
    steps: list[tuple[float, int, int, int]] = []
    if n:
        starts = np.flatnonzero(np.r_[True, opts.station[1:] != opts.station[:-1]])
        ends = np.r_[starts[1:], n]
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            order = lo + np.lexsort((-opts.benefit[lo:hi], opts.cost[lo:hi]))
            hull: list[int] = [-1]  # -1: nothing at this station
            for k in order.tolist():
                c, b = float(opts.cost[k]), float(opts.benefit[k])
                if b <= (float(opts.benefit[hull[-1]]) if hull[-1] >= 0 else 0.0) + 1e-12:
                    continue
                while len(hull) >= 2:
                    k1, k2 = hull[-2], hull[-1]
                    c1 = float(opts.cost[k1]) if k1 >= 0 else 0.0
                    b1 = float(opts.benefit[k1]) if k1 >= 0 else 0.0
                    c2, b2 = float(opts.cost[k2]), float(opts.benefit[k2])
                    # k2 lies on or below the line from k1 to k: not on the hull
                    if (b2 - b1) * (c - c1) <= (b - b1) * (c2 - c1):
                        hull.pop()
                    else:
                        break
                hull.append(k)
            s_i = int(opts.station[lo])
            for a, b_ in zip(hull[:-1], hull[1:], strict=True):
                dc = float(opts.cost[b_]) - (float(opts.cost[a]) if a >= 0 else 0.0)
                db = float(opts.benefit[b_]) - (float(opts.benefit[a]) if a >= 0 else 0.0)
                ratio = db / dc if dc > 0 else math.inf
                steps.append((-ratio, s_i, a, b_))
    steps.sort(key=lambda x: (x[0], x[1]))
    return steps


def solve_greedy(
    instance: Instance, opts: _Options | None = None, budget: float | None = None
) -> Portfolio:
    """Greedy baseline: the steps along each station's upper convex hull of (cost, harm
    avoided), best extra harm avoided per extra euro first, each taken when it still fits (budget
    and line limits); a station whose step does not fit takes no further step."""
    t = time.perf_counter()
    opts = opts if opts is not None else build_options(instance)
    budget = instance.budget if budget is None else budget
    inst = instance if budget == instance.budget else _with_budget(instance, budget)
    n = len(opts.cost)
    steps = opts.steps if opts.steps is not None else _hull_steps(opts)
    opts.steps = steps
    left = budget
    line_left = np.array([instance.line_limits[name] for name in opts.lines], dtype=float)
    current: dict[int, int] = {}
    blocked: set[int] = set()
    for _r, s_i, a, b_ in steps:
        if s_i in blocked or current.get(s_i, -1) != a:
            continue
        dc = float(opts.cost[b_]) - (float(opts.cost[a]) if a >= 0 else 0.0)
        dl = opts.line_cost[b_] - (opts.line_cost[a] if a >= 0 else 0.0)
        if dc > left + 1e-9 or (len(dl) and bool(np.any(dl > line_left + 1e-9))):
            blocked.add(s_i)
            continue
        left -= dc
        if len(dl):
            line_left -= dl
        current[s_i] = b_
    picked = np.zeros(n, dtype=bool)
    if current:
        picked[list(current.values())] = True
    return _portfolio(inst, opts, picked, "greedy", "feasible", time.perf_counter() - t)


def _improve(
    instance: Instance, opts: _Options, picked: np.ndarray, budget: float, rounds: int = 200
) -> np.ndarray:
    """Local search from a feasible choice: switch one station to the option that adds the
    most harm avoided within the money left, or switch one station down and another up
    (pairs among the best candidates), until nothing improves. Only a better incumbent for the
    exact solver; the baseline reported is the plain greedy."""
    n_st = len(instance.stations)
    cur = np.full(n_st, -1, dtype=np.int64)
    cur[opts.station[picked]] = np.flatnonzero(picked)
    line_cap = np.array([instance.line_limits[name] for name in opts.lines], dtype=float)
    zero_line = np.zeros(len(opts.lines))

    def cur_vals() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c = np.where(cur >= 0, opts.cost[np.maximum(cur, 0)], 0.0)
        b = np.where(cur >= 0, opts.benefit[np.maximum(cur, 0)], 0.0)
        lc = np.where((cur >= 0)[:, None], opts.line_cost[np.maximum(cur, 0)], zero_line)
        return c, b, lc

    for _ in range(rounds):
        c, b, lc = cur_vals()
        left = budget - float(c.sum())
        line_left = line_cap - lc.sum(axis=0)
        d_cost = opts.cost - c[opts.station]
        d_ben = opts.benefit - b[opts.station]
        ok = (d_cost <= left + 1e-9) & (d_ben > 1e-9)
        if opts.lines:
            ok &= np.all(opts.line_cost - lc[opts.station] <= line_left + 1e-9, axis=1)
        if ok.any():
            k = int(np.argmax(np.where(ok, d_ben, -np.inf)))
            cur[opts.station[k]] = k
            continue
        if opts.lines:
            break
        # a pair: free money at one station (down), spend it at another (up)
        up = np.flatnonzero((d_ben > 1e-9) & (d_cost > left))
        down = np.flatnonzero(d_cost < 0)
        if not len(up) or not len(down):
            break
        up = up[np.argsort(-(d_ben[up] / d_cost[up]))[:400]]
        down = down[np.argsort(d_ben[down] / d_cost[down])[:400]]  # least loss per euro freed
        gain = d_ben[up][:, None] + d_ben[down][None, :]
        fits = d_cost[up][:, None] + d_cost[down][None, :] <= left + 1e-9
        same = opts.station[up][:, None] == opts.station[down][None, :]
        gain = np.where(fits & ~same, gain, -np.inf)
        i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if not gain[i, j] > 1e-9:
            break
        cur[opts.station[up[i]]] = up[i]
        cur[opts.station[down[j]]] = down[j]
    out = np.zeros(len(opts.cost), dtype=bool)
    out[cur[cur >= 0]] = True
    return out


def evaluate(instance: Instance, portfolio: Portfolio, robust: bool = True) -> float:
    """Harm avoided by ``portfolio``'s choices when every effect is at its low end (or as
    given when ``robust`` is False)."""
    by_code = {m.code: m for m in instance.measures}
    stations = {s.code: s for s in instance.stations}
    total = 0.0
    for c in portfolio.choices:
        st = stations[c.station]

        def eff(code: str, st: StationProblem = st) -> float:
            m = by_code[code]
            if robust:
                if code in st.lows:
                    return st.lows[code]
                if m.low is not None:
                    scale = st.effects[code] / m.effect if code in st.effects and m.effect else 1
                    return m.low * scale
            return st.effects.get(code, m.effect)

        left = st.harm * math.prod(1 - eff(f) for f in c.fixed)
        total += left * (1 - math.prod(1 - eff(m) for m in c.measures))
    return total


def optimise(
    instance: Instance,
    with_baselines: bool = True,
    opts: _Options | None = None,
    robust_opts: _Options | None = None,
) -> dict[str, Any]:
    """The exact portfolio with its gap, and beside it the greedy baseline and the robust
    variant (effects at the low end of their interval). ``opts`` and ``robust_opts`` are the
    options of :func:`build_options` when the caller keeps them between budgets."""
    t = time.perf_counter()
    opts = opts if opts is not None else build_options(instance)
    build_seconds = time.perf_counter() - t
    best = solve_milp(instance, opts)
    out: dict[str, Any] = best.as_dict()
    out["build_seconds"] = round(build_seconds, 4)
    if not with_baselines:
        return out
    greedy = solve_greedy(instance, opts)
    out["greedy"] = {
        "objective": round(greedy.objective, 6),
        "cost": round(greedy.cost, 2),
        "share_of_optimum": None if best.objective <= 0 else greedy.objective / best.objective,
        "choices": [c.as_dict() for c in greedy.choices],
    }
    if any(m.low is not None for m in instance.measures) or any(s.lows for s in instance.stations):
        r_opts = robust_opts if robust_opts is not None else build_options(instance, robust=True)
        robust = solve_milp(instance, r_opts, method="milp_robust")
        out["robust"] = {
            **robust.as_dict(),
            "nominal_objective": round(evaluate(instance, robust, robust=False), 6),
        }
        out["objective_at_low_effects"] = round(evaluate(instance, best, robust=True), 6)
    return out


def frontier(
    instance: Instance,
    budgets: Sequence[float],
    robust: bool = False,
    greedy: bool = True,
    opts: _Options | None = None,
) -> list[dict[str, Any]]:
    """Harm avoided against budget: the exact optimum (and the greedy value) per budget."""
    opts = opts if opts is not None else build_options(instance, robust=robust)
    points = []
    for b in budgets:
        p = solve_milp(instance, opts, budget=float(b))
        point: dict[str, Any] = {
            "budget": float(b),
            "objective": round(p.objective, 6),
            "cost": round(p.cost, 2),
            "status": p.status,
            "gap": p.gap,
            "stations": len(p.choices),
            "seconds": round(p.seconds, 4),
        }
        if greedy:
            point["greedy"] = round(solve_greedy(instance, opts, budget=float(b)).objective, 6)
        points.append(point)
    return points


__all__ = [
    "Choice",
    "Instance",
    "InstanceError",
    "MeasureOption",
    "Portfolio",
    "StationProblem",
    "build_options",
    "evaluate",
    "frontier",
    "optimise",
    "parse_instance",
    "solve_greedy",
    "solve_milp",
]

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
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: a station with more non-dominated combinations than this is refused (set max_measures)
MAX_OPTIONS_PER_STATION = 50_000
MAX_STATIONS = 5_000
MAX_MEASURES = 64
MAX_AMOUNT = 1e13


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
    members: list[tuple[str, ...]]
    lines: list[str]
    base_harm: np.ndarray  # per station: harm left by the fixed measures
    fixed: list[tuple[str, ...]]


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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[str, ...]]]:
    """Non-dominated combinations of one station: cost, residual factor, line costs, members."""
    index = {c: i for i, c in enumerate(codes)}
    track_n = max_n is not None
    # state arrays: cost, residual, extra (line costs [+ count]), member bitsets (python ints)
    s_cost = np.zeros(1)
    s_res = np.ones(1)
    n_extra = n_lines + (1 if track_n else 0)
    s_extra = np.zeros((1, n_extra))
    s_members: list[int] = [0]
    for group in _groups(codes, requires):
        # valid subsets of the group: every member's requirements are in it or already on
        subs: list[int] = []
        g_idx = [index[c] for c in group]
        for mask in range(1, 1 << len(group)):
            chosen = {group[k] for k in range(len(group)) if mask >> k & 1}
            if all(r in chosen or r in have for c in chosen for r in requires.get(c, ())):
                subs.append(mask)
        if not subs:
            continue
        sub_cost = np.array(
            [sum(cost[g_idx[k]] for k in range(len(group)) if m >> k & 1) for m in subs]
        )
        sub_res = np.array(
            [math.prod(factor[g_idx[k]] for k in range(len(group)) if m >> k & 1) for m in subs]
        )
        sub_extra = np.zeros((len(subs), n_extra))
        sub_bits = []
        for r, m in enumerate(subs):
            bits = 0
            for k in range(len(group)):
                if m >> k & 1:
                    i = g_idx[k]
                    bits |= 1 << i
                    if line_of[i] >= 0:
                        sub_extra[r, line_of[i]] += cost[i]
                    if track_n:
                        sub_extra[r, -1] += 1
            sub_bits.append(bits)
        # every state with every subset (plus the state itself)
        n_s, n_g = len(s_cost), len(subs)
        new_cost = np.concatenate([s_cost, (s_cost[:, None] + sub_cost[None, :]).ravel()])
        new_res = np.concatenate([s_res, (s_res[:, None] * sub_res[None, :]).ravel()])
        new_extra = np.concatenate(
            [s_extra, (s_extra[:, None, :] + sub_extra[None, :, :]).reshape(n_s * n_g, n_extra)]
        )
        new_members = s_members + [a | b for a in s_members for b in sub_bits]
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
        s_cost, s_res, s_extra = new_cost[keep], new_res[keep], new_extra[keep]
        s_members = [new_members[k] for k in keep]
    names = [tuple(codes[i] for i in range(len(codes)) if b >> i & 1) for b in s_members]
    return s_cost, s_res, s_extra[:, :n_lines], names


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
    members: list[tuple[str, ...]] = []
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
        c, r, lc, names = _station_options(
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
        take = np.array([bool(n) for n in names])  # the empty combination is the slack
        c, r, lc = c[take], r[take], lc[take]
        names = [n for n, t in zip(names, take, strict=True) if t]
        st_idx.append(np.full(len(c), s_i, dtype=np.int64))
        costs.append(c)
        bens.append(left * (1 - r))
        lcs.append(lc)
        members.extend(names)
    if costs:
        return _Options(
            np.concatenate(st_idx),
            np.concatenate(costs),
            np.concatenate(bens),
            np.concatenate(lcs) if lines else np.zeros((sum(map(len, costs)), 0)),
            members,
            lines,
            base,
            fixed_out,
        )
    empty = np.zeros(0)
    return _Options(
        np.zeros(0, dtype=np.int64), empty, empty, np.zeros((0, len(lines))), [], lines, base,
        fixed_out,
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
                list(opts.members[k]) if k is not None else [],
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
        **extra,
    )


_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "error"}


def solve_milp(
    instance: Instance,
    opts: _Options | None = None,
    budget: float | None = None,
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-9,
    method: str = "milp",
) -> Portfolio:
    """The exact optimum by HiGHS; ``status`` optimal means proven within ``mip_rel_gap``."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix, vstack

    t = time.perf_counter()
    opts = opts if opts is not None else build_options(instance)
    budget = instance.budget if budget is None else budget
    inst = instance if budget == instance.budget else _with_budget(instance, budget)
    n = len(opts.cost)
    if n == 0:
        return _portfolio(inst, opts, np.zeros(0, dtype=bool), method, "optimal", 0.0, gap=0.0)
    n_st = len(instance.stations)
    rows = [coo_matrix((np.ones(n), (opts.station, np.arange(n))), shape=(n_st, n))]
    ub = [np.ones(n_st)]
    rows.append(coo_matrix(opts.cost.reshape(1, n)))
    ub.append(np.array([budget]))
    for j, line in enumerate(opts.lines):
        rows.append(coo_matrix(opts.line_cost[:, j].reshape(1, n)))
        ub.append(np.array([instance.line_limits[line]]))
    a = vstack(rows).tocsr()
    upper = np.concatenate(ub)
    res = milp(
        -opts.benefit,
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(a, -np.inf, upper),
        options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "presolve": True},
    )
    seconds = time.perf_counter() - t
    status = _STATUS.get(res.status, "error")
    if res.x is None:
        return _portfolio(inst, opts, np.zeros(n, dtype=bool), method, status, seconds)
    picked = res.x > 0.5
    gap = getattr(res, "mip_gap", None)
    bound = getattr(res, "mip_dual_bound", None)
    return _portfolio(
        inst,
        opts,
        picked,
        method,
        status,
        seconds,
        gap=None if gap is None or not math.isfinite(gap) else float(max(gap, 0.0)),
        dual_bound=None if bound is None else float(-bound),
        nodes=getattr(res, "mip_node_count", None),
    )


def _with_budget(instance: Instance, budget: float) -> Instance:
    return Instance(
        budget, instance.stations, instance.measures, instance.line_limits, instance.max_measures
    )


def solve_greedy(
    instance: Instance, opts: _Options | None = None, budget: float | None = None
) -> Portfolio:
    """Greedy baseline: repeatedly move one station to the combination with the most extra
    harm avoided per extra euro that still fits (budget and line limits)."""
    t = time.perf_counter()
    opts = opts if opts is not None else build_options(instance)
    budget = instance.budget if budget is None else budget
    inst = instance if budget == instance.budget else _with_budget(instance, budget)
    n = len(opts.cost)
    current = np.full(len(instance.stations), -1, dtype=np.int64)
    cur_cost = np.zeros(len(instance.stations))
    cur_ben = np.zeros(len(instance.stations))
    cur_line = np.zeros((len(instance.stations), len(opts.lines)))
    left = budget
    line_left = np.array([instance.line_limits[name] for name in opts.lines])
    alive = np.ones(n, dtype=bool)
    while n:
        d_cost = opts.cost - cur_cost[opts.station]
        d_ben = opts.benefit - cur_ben[opts.station]
        d_line = opts.line_cost - cur_line[opts.station]
        ok = alive & (d_ben > 1e-12) & (d_cost <= left + 1e-9)
        if opts.lines:
            ok &= np.all(d_line <= line_left + 1e-9, axis=1)
        if not ok.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d_cost > 0, d_ben / np.maximum(d_cost, 1e-12), np.inf)
        ratio[~ok] = -np.inf
        k = int(np.argmax(ratio))
        s = int(opts.station[k])
        left -= float(d_cost[k])
        if opts.lines:
            line_left -= d_line[k]
        current[s] = k
        cur_cost[s], cur_ben[s] = opts.cost[k], opts.benefit[k]
        cur_line[s] = opts.line_cost[k]
        alive[k] = False
    picked = np.zeros(n, dtype=bool)
    picked[current[current >= 0]] = True
    return _portfolio(inst, opts, picked, "greedy", "feasible", time.perf_counter() - t)


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


def optimise(instance: Instance, with_baselines: bool = True) -> dict[str, Any]:
    """The exact portfolio with its gap, and beside it the greedy baseline and the robust
    variant (effects at the low end of their interval)."""
    t = time.perf_counter()
    opts = build_options(instance)
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
        r_opts = build_options(instance, robust=True)
        robust = solve_milp(instance, r_opts, method="milp_robust")
        out["robust"] = {
            **robust.as_dict(),
            "nominal_objective": round(evaluate(instance, robust, robust=False), 6),
        }
        out["objective_at_low_effects"] = round(evaluate(instance, best, robust=True), 6)
    return out


def frontier(
    instance: Instance, budgets: Sequence[float], robust: bool = False, greedy: bool = True
) -> list[dict[str, Any]]:
    """Harm avoided against budget: the exact optimum (and the greedy value) per budget."""
    opts = build_options(instance, robust=robust)
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

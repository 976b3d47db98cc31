"""The budget optimiser against brute force, with its rules (limits, fixed, requires) and its
input checks."""

import itertools
import math

import numpy as np
import pytest

from perron.programme.optimiser import (
    Instance,
    InstanceError,
    MeasureOption,
    StationProblem,
    frontier,
    optimise,
    parse_instance,
    solve_greedy,
    solve_milp,
)


def brute_force(inst: Instance) -> float:
    """The best harm avoided by trying every combination at every station."""
    by = {m.code: m for m in inst.measures}
    per_station = []
    for s in inst.stations:
        codes = [c for c in by if (s.applicable is None or c in s.applicable) and c not in s.fixed]
        left = s.harm * math.prod(1 - s.effects.get(f, by[f].effect) for f in s.fixed)
        opts = [(0.0, 0.0, {})]
        for r in range(1, len(codes) + 1):
            for combo in itertools.combinations(codes, r):
                if any(q not in combo and q not in s.fixed for c in combo for q in by[c].requires):
                    continue
                mx = s.max_measures if s.max_measures is not None else inst.max_measures
                if mx is not None and len(combo) > mx:
                    continue
                cost = sum(s.costs.get(c, by[c].cost) for c in combo)
                if s.max_cost is not None and cost > s.max_cost:
                    continue
                lines: dict[str, float] = {}
                for c in combo:
                    if by[c].line:
                        lines[by[c].line] = lines.get(by[c].line, 0) + s.costs.get(c, by[c].cost)
                ben = left * (1 - math.prod(1 - s.effects.get(c, by[c].effect) for c in combo))
                opts.append((cost, ben, lines))
        per_station.append(opts)
    best = 0.0
    for pick in itertools.product(*per_station):
        if sum(p[0] for p in pick) > inst.budget + 1e-9:
            continue
        ok = all(
            sum(p[2].get(line, 0) for p in pick) <= lim + 1e-9
            for line, lim in inst.line_limits.items()
        )
        if ok:
            best = max(best, sum(p[1] for p in pick))
    return best


def random_instance(rng: np.random.Generator, lines: bool = False) -> Instance:
    n_m = int(rng.integers(2, 5))
    measures = []
    for j in range(n_m):
        req = ("m0",) if j == n_m - 1 and n_m > 2 and rng.random() < 0.5 else ()
        measures.append(
            MeasureOption(
                f"m{j}",
                float(rng.integers(1, 20)) * 10_000,
                float(rng.uniform(-0.05, 0.6)),
                line=("a" if j % 2 else "b") if lines else None,
                requires=req,
            )
        )
    stations = []
    for i in range(int(rng.integers(1, 4))):
        codes = [m.code for m in measures]
        applicable = tuple(c for c in codes if rng.random() < 0.8) if rng.random() < 0.5 else None
        fixed = ("m1",) if rng.random() < 0.2 else ()
        stations.append(
            StationProblem(
                f"S{i}",
                float(rng.uniform(0, 100)),
                applicable,
                fixed,
                costs={"m0": float(rng.integers(1, 20)) * 10_000} if rng.random() < 0.3 else {},
                max_cost=float(rng.integers(5, 40)) * 10_000 if rng.random() < 0.2 else None,
                max_measures=int(rng.integers(1, 3)) if rng.random() < 0.2 else None,
            )
        )
    limits = {"a": float(rng.integers(0, 30)) * 10_000} if lines else {}
    return Instance(float(rng.integers(0, 60)) * 10_000, tuple(stations), tuple(measures), limits)


@pytest.mark.parametrize("seed", range(40))
def test_milp_equals_brute_force(seed):
    inst = random_instance(np.random.default_rng(seed), lines=seed % 3 == 0)
    best = brute_force(inst)
    p = solve_milp(inst)
    assert p.status == "optimal"
    assert p.objective == pytest.approx(best, abs=1e-6)
    assert p.cost <= inst.budget + 1e-6
    g = solve_greedy(inst)
    assert g.objective <= best + 1e-6
    # each choice obeys the station's rules
    by = {s.code: s for s in inst.stations}
    for c in p.choices:
        s = by[c.station]
        assert not set(c.measures) & set(s.fixed)
        if s.applicable is not None:
            assert set(c.measures) <= set(s.applicable)


def test_the_contract_example():
    inst = parse_instance(
        {
            "budget": 3500000,
            "stations": [{"code": "ASDL", "harm": 120.0, "applicable": ["cctv", "lighting"]}],
            "measures": [{"code": "cctv", "cost": 250000, "effect": 0.16}],
        }
    )
    res = optimise(inst)
    assert res["status"] == "optimal"
    assert res["objective"] == pytest.approx(19.2)
    assert res["cost"] == 250000
    assert res["choices"][0]["station"] == "ASDL" and res["choices"][0]["measures"] == ["cctv"]


def test_diminishing_returns_and_budget():
    inst = parse_instance(
        {
            "budget": 300,
            "stations": [{"code": "A", "harm": 100}, {"code": "B", "harm": 60}],
            "measures": [
                {"code": "x", "cost": 100, "effect": 0.5},
                {"code": "y", "cost": 100, "effect": 0.5},
            ],
        }
    )
    res = optimise(inst)
    # A gets both (50 + 25), B one (30): 105 — not 50+50 at A (which would be 100 if additive)
    assert res["objective"] == pytest.approx(105.0)
    assert res["cost"] == 300


def test_robust_uses_the_least_reduction():
    inst = parse_instance(
        {
            "budget": 100,
            "stations": [{"code": "A", "harm": 100}],
            "measures": [
                {"code": "sure", "cost": 100, "effect": 0.2, "low": 0.15},
                {"code": "maybe", "cost": 100, "effect": 0.3, "low": -0.1},
            ],
        }
    )
    res = optimise(inst)
    assert res["choices"][0]["measures"] == ["maybe"]
    assert res["robust"]["choices"][0]["measures"] == ["sure"]
    assert res["robust"]["objective"] == pytest.approx(15.0)
    assert res["objective_at_low_effects"] == pytest.approx(-10.0)


def test_frontier_rises_with_budget():
    inst = random_instance(np.random.default_rng(5))
    pts = frontier(inst, [0, 50_000, 100_000, 200_000, 400_000])
    values = [p["objective"] for p in pts]
    assert values[0] == 0
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:], strict=False))
    assert all(p["greedy"] <= p["objective"] + 1e-9 for p in pts)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"stations": [], "measures": []}, "budget"),
        (
            {"budget": -1, "stations": [], "measures": [{"code": "a", "cost": 1, "effect": 0.1}]},
            "budget",
        ),
        (
            {"budget": "x", "stations": [], "measures": [{"code": "a", "cost": 1, "effect": 0.1}]},
            "budget",
        ),
        (
            {"budget": 1, "stations": [], "measures": [{"code": "a", "cost": 1, "effect": 2}]},
            "measures[0].effect",
        ),
        (
            {
                "budget": 1,
                "stations": [{"code": "A", "harm": float("nan")}],
                "measures": [{"code": "a", "cost": 1, "effect": 0.1}],
            },
            "stations[0].harm",
        ),
        (
            {
                "budget": 1,
                "stations": [{"code": "A", "harm": 1}, {"code": "A", "harm": 1}],
                "measures": [{"code": "a", "cost": 1, "effect": 0.1}],
            },
            "stations[1].code",
        ),
        (
            {
                "budget": 1,
                "stations": [{"code": "A", "harm": 1, "fixed": ["zz"]}],
                "measures": [{"code": "a", "cost": 1, "effect": 0.1}],
            },
            "stations[0].fixed",
        ),
        (
            {
                "budget": 1,
                "stations": [],
                "measures": [{"code": "a", "cost": 1, "effect": 0.1, "requires": ["q"]}],
            },
            "measures[0].requires",
        ),
        ([], "instance"),
    ],
)
def test_bad_instances_name_the_field(data, field):
    with pytest.raises(InstanceError, match=field.replace("[", r"\[").replace("]", r"\]")):
        parse_instance(data)


def test_unknown_applicable_codes_are_ignored_and_fixed_are_not_chosen():
    inst = parse_instance(
        {
            "budget": 1000,
            "stations": [{"code": "A", "harm": 10, "applicable": ["a", "nope"], "fixed": ["a"]}],
            "measures": [{"code": "a", "cost": 1, "effect": 0.5}],
        }
    )
    res = optimise(inst)
    assert res["choices"] == [] and res["objective"] == 0


def test_dynamic_programme_and_highs_agree_on_a_larger_instance():
    rng = np.random.default_rng(77)
    measures = tuple(
        MeasureOption(f"m{j}", float(rng.integers(1, 40)) * 5_000, float(rng.uniform(0.02, 0.4)))
        for j in range(8)
    )
    stations = tuple(
        StationProblem(
            f"S{i}", float(rng.gamma(2, 20)), None, (),
            effects={m.code: m.effect * float(rng.uniform(0.3, 1)) for m in measures},
        )
        for i in range(60)
    )  # fmt: skip
    plain = Instance(1_500_000.0, stations, measures)
    lined = Instance(
        1_500_000.0,
        stations,
        tuple(MeasureOption(m.code, m.cost, m.effect, line="x") for m in measures),
        {"x": 1e12},  # a limit that never binds: HiGHS instead of the dynamic programme
    )
    a = solve_milp(plain)
    b = solve_milp(lined, mip_rel_gap=1e-9)
    assert a.method.endswith("+dp") and not b.method.endswith("+dp")
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, rel=1e-7)
    assert a.objective >= solve_greedy(plain).objective - 1e-9

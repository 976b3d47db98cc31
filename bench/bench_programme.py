"""Programme optimiser benchmarks: all 397 stations × the full measure catalogue.

Targets: the portfolio under € 20 M, every applicable combination, to proven optimality < 5 s;
the efficient frontier (21 budgets, € 0 … € 20 M) < 60 s.

The stations, size classes, zones and the catalogue are the real shipped ones; the harm per
station and its split over the categories the measures target are synthetic (seeded), because
the real registry is not public. Usage: .venv/bin/python bench/bench_programme.py
"""

from __future__ import annotations

import os
import time

import numpy as np

from common import median, verdict, write_section

SOLVE_TARGET = 5.0
FRONTIER_TARGET = 60.0


def instance():
    from perron.domain.zones import default_zones
    from perron.programme.catalogue import load_catalogue
    from perron.programme.optimiser import Instance, MeasureOption, StationProblem
    from perron.reference.bundle import stations

    cat = load_catalogue()
    rng = np.random.default_rng(2026)
    measures = tuple(
        MeasureOption(m.code, cat.cost(m), m.effect.estimate, m.effect.low, m.effect.high,
                      None, m.requires)
        for m in cat.measures
    )  # fmt: skip
    problems = []
    for s in stations():
        zones = set(default_zones(s.size_class, s.type))
        applicable = tuple(m.code for m in cat.measures if set(m.zones) & zones)
        share = {m.code: float(rng.uniform(0.3, 1.0)) for m in cat.measures}
        harm = float(rng.gamma(2.0, 2.0 + s.travellers_per_day / 2000))
        problems.append(
            StationProblem(
                s.code, harm, applicable, (),
                {m.code: cat.cost(m, s.size_class) for m in cat.measures},
                {m.code: m.effect.estimate * share[m.code] for m in cat.measures},
                {m.code: m.effect.low * share[m.code] for m in cat.measures},
            )
        )  # fmt: skip
    return Instance(20_000_000.0, tuple(problems), measures)


def main() -> int:
    from perron.programme.optimiser import build_options, frontier, solve_milp
    from perron.programme.portfolio import FRONTIER_BUDGETS

    load_before = os.getloadavg()[0]
    inst = instance()
    runs = []
    cold = None
    for i in range(5):
        t = time.perf_counter()
        opts = build_options(inst)
        built = time.perf_counter() - t
        p = solve_milp(inst, opts)
        total = time.perf_counter() - t
        if i == 0:
            cold = total
        runs.append((total, built, p))
    total = median([r[0] for r in runs])
    built = median([r[1] for r in runs])
    p = runs[-1][2]
    t = time.perf_counter()
    opts = build_options(inst)
    pts = frontier(inst, FRONTIER_BUDGETS, opts=opts)
    t_frontier = time.perf_counter() - t
    statuses = {x["status"] for x in pts}
    gaps = max(x["gap"] or 0.0 for x in pts)
    load_after = os.getloadavg()[0]
    body = f"""
| measure | median | target | |
|---|---|---|---|
| portfolio under € 20 M: 397 stations × {len(inst.measures)} measures, every applicable combination ({p.options:,} non-dominated combinations, {p.kept:,} left after fixing), solved exactly (method `{p.method}`, status `{p.status}`, gap {p.gap:.1e}) | {total:.2f} s (first run in the process {cold:.2f} s; building the combinations {built:.2f} s) | < {SOLVE_TARGET:.0f} s | {verdict(total < SOLVE_TARGET)} |
| efficient frontier, 21 budgets € 0 … € 20 M, same method (plus the greedy value at each) | {t_frontier:.1f} s (one run; statuses {", ".join(sorted(statuses))}, largest gap {gaps:.1e}) | < {FRONTIER_TARGET:.0f} s | {verdict(t_frontier < FRONTIER_TARGET)} |

Command: `.venv/bin/python bench/bench_programme.py`. Real stations, size classes, zones and
catalogue; synthetic harm per station (the registry is not public). Harm avoided at € 20 M:
{p.objective:,.1f}. After reduced-cost fixing on the Lagrangian bound of the budget constraint
(options that cannot beat the greedy-plus-local-search incumbent are dropped; this never changes
the optimum), the few hundred options left are solved exactly by a dynamic programme over the
budget in units of the costs' greatest common divisor (`+dp`); HiGHS (`scipy.optimize.milp`)
takes over when budget-line limits apply or the grid would be too large. Load average {load_before:.1f} before and
{load_after:.1f} after (2 cores shared with other work), so wall times include waiting for a core.
"""
    write_section("Programme optimiser", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Calibration of the effect evaluation's tests on generated panels without any effect.

How often, on sound panels (no effect, parallel trends), the pre-trend test rejects at 5 %, the
interval excludes zero (a false positive) and the verdict says "not credible" — for the
staggered design with 20, 8 and 4 treated stations (imputation, 99 bootstrap replicates) and for
one station (synthetic control, 39 placebos).
Usage: .venv/bin/python bench/bench_effect_calibration.py [--runs N]
"""

from __future__ import annotations

import sys

import numpy as np

from perron.effect import Options, make_panel, run

from common import write_section


def rates(runs: int, treated: int) -> tuple[str, float, float, float]:
    pre, fp, cred = [], [], []
    method = ""
    for r in range(runs):
        if treated == 1:
            p = make_panel(
                units=40,
                periods=48,
                treated=1,
                first_start=36,
                last_start=36,
                effect=0.0,
                seed=100 + r,
            )
            ev = run(p, "auto", Options(seed=r, placebos=39))
        else:
            p = make_panel(units=60, periods=40, treated=treated, effect=0.0, seed=5000 + r)
            ev = run(p, "auto", Options(seed=r, replicates=99, placebos=0))
        method = ev.method
        pre.append(ev.pre_trend_p is not None and ev.pre_trend_p < 0.05)
        fp.append(not (ev.ci_low <= 0 <= ev.ci_high))
        cred.append(not ev.credible)
    return method, float(np.mean(pre)), float(np.mean(fp)), float(np.mean(cred))


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 400
    rows = []
    for treated in (20, 8, 4, 1):
        n = runs if treated > 1 else runs // 2
        method, pre, fp, not_cred = rates(n, treated)
        rows.append(
            f"| {treated} treated of {60 if treated > 1 else 40} ({method}) | {n} | {pre:.1%} "
            f"| {fp:.1%} | {not_cred:.1%} |"
        )
    body = (
        "Generated panels without an effect (parallel trends hold). Nominal rate of the tests: "
        "5 %.\n\n| Design | Runs | Pre-trend test rejects | Interval excludes 0 | "
        "Not credible |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\nRun: `.venv/bin/python bench/bench_effect_calibration.py`."
    )
    write_section("Effect evaluation: calibration", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

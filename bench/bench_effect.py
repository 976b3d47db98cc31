"""Effect evaluation benchmark: 397 stations × 120 months, including placebo inference.

Target: one evaluation of a panel of 397 stations × 120 months in < 30 s, including the
bootstrap (199 replicates) and placebo inference (49 placebo runs). Measured for the staggered
design (60 stations starting at different months: imputation estimator, Poisson) and for one
treated station (synthetic control with 49 in-space placebos and leave-one-out), plus the
panel's CSV read.
Usage: .venv/bin/python bench/bench_effect.py [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from perron.effect import Options, make_panel, read_panel_csv, run

from common import median, verdict, write_section

TARGET_S = 30.0


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return median(times), out


def main() -> int:
    quick = "--quick" in sys.argv
    repeat = 1 if quick else 3
    load = os.getloadavg()[0]
    stag = make_panel(units=397, periods=120, treated=60, first_start=48, last_start=96, seed=1)
    one = make_panel(
        units=397, periods=120, treated=1, first_start=84, last_start=84, level=20, seed=2
    )
    opts = Options(seed=0, replicates=199, placebos=49)
    t_stag, ev_s = timed(lambda: run(stag, "auto", opts), repeat)
    t_one, ev_o = timed(lambda: run(one, "auto", opts), repeat)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "panel.csv"
        path.write_text(stag.to_csv())
        t_read, _ = timed(lambda: read_panel_csv(path), repeat)
    worst = max(t_stag + t_read, t_one + t_read)
    body = f"""
Load average when started: {load:.1f} on {os.cpu_count()} cores. Median of {repeat} run(s).

| Measure | Result | Target | |
|---|---|---|---|
| staggered: 397 × 120, 60 treated ({ev_s.method}, 199 bootstrap + 49 placebos) | {t_stag:.1f} s | < 30 s | {verdict(t_stag + t_read < TARGET_S)} |
| one station: 397 × 120 ({ev_o.method}, 49 placebos + leave-one-out) | {t_one:.1f} s | < 30 s | {verdict(t_one + t_read < TARGET_S)} |
| reading the panel CSV (47,640 rows) | {t_read:.2f} s | | |

Estimates on these generated panels (true effect −20 %): staggered {ev_s.relative:+.1%}
[{ev_s.relative_ci_low:+.1%}, {ev_s.relative_ci_high:+.1%}], one station {ev_o.relative:+.1%}
[{ev_o.relative_ci_low:+.1%}, {ev_o.relative_ci_high:+.1%}].

Run: `.venv/bin/python bench/bench_effect.py`.
"""
    write_section("Effect evaluation", body)
    print(body)
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())

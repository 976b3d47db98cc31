"""Forecast benchmarks: the full rolling backtest and a 7-day forecast for every station.

Targets: backtest 2022-01-01 … 2023-12-31 on the real disruption file < 5 min; a 7-day forecast
for all 397 stations × 7 days × 6 blocks (with a stored model) < 2 s.
Usage: .venv/bin/python bench/bench_forecast.py [--quick]   (--quick: 8-week backtest only)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import median, verdict, write_section

BACKTEST_TARGET = 300.0
WEEK_TARGET = 2.0


def main() -> int:
    quick = "--quick" in sys.argv
    tmp = tempfile.mkdtemp(prefix="perron-bench-forecast-")
    os.environ["PERRON_DATA_DIR"] = tmp
    from perron.config import Settings
    from perron.forecast import service
    from perron.forecast.backtest import run_backtest
    from perron.forecast.data import default_data_file, last_day
    from perron.forecast.service import DEFAULT_MODEL, train, week

    settings = Settings(data_dir=Path(tmp))
    path = default_data_file()
    start, end = date(2022, 1, 1), date(2023, 12, 31)
    if quick:
        start = last_day(path) - timedelta(days=56)
    load_before = os.getloadavg()[0]
    t, c = time.perf_counter(), time.process_time()
    rep = run_backtest(path, start, end)
    backtest_s, backtest_cpu = time.perf_counter() - t, time.process_time() - c
    load_after = os.getloadavg()[0]
    print(
        f"backtest {rep['from']} … {rep['to']} ({rep['weeks']} weeks): {backtest_s:.1f} s "
        f"(target < {BACKTEST_TARGET:.0f} s); CPU {backtest_cpu:.0f} s; "
        f"load average {load_before:.1f} → {load_after:.1f}"
    )

    first = last_day(path) + timedelta(days=1)
    train(path, first, settings=settings)
    week(path, first, settings=settings)  # parses and caches the incidents once
    times, cpu = [], []
    for _ in range(5):
        service._MEMO.clear()  # measure the forecast, not the copy of a remembered one
        t, c = time.perf_counter(), time.process_time()
        res = week(path, first, settings=settings)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    week_s, week_cpu = median(times), median(cpu)
    print(
        f"7-day forecast ({DEFAULT_MODEL}), {len(res['cells'])} cells with drivers: "
        f"median {week_s:.2f} s "
        f"(target < {WEEK_TARGET:.0f} s); CPU {week_cpu:.2f} s"
    )
    if quick:
        return 0
    kinds = [m["kind"] for m in rep["models"]]
    body = f"""
| measure | median | target | |
|---|---|---|---|
| rolling backtest {rep["from"]} … {rep["to"]} ({rep["weeks"]} weeks, refit every \
{rep["refit_every_weeks"]} weeks, {kinds.count("baseline")} baselines + \
{kinds.count("model")} models), real disruption file | \
{backtest_s:.0f} s (one run) | < {BACKTEST_TARGET:.0f} s | {verdict(backtest_s < BACKTEST_TARGET)} |
| 7-day forecast, {len(res["cells"])} station × day × block cells with drivers, stored model \
`{DEFAULT_MODEL}` (5 runs, each computed anew) | {week_s:.2f} s | < {WEEK_TARGET:.0f} s | {verdict(week_s < WEEK_TARGET)} |

Command: `.venv/bin/python bench/bench_forecast.py`. The backtest used {backtest_cpu:.0f} s of \
CPU (wall time {backtest_s:.0f} s, of which model fitting {rep["seconds"]["fitting"]:.0f} s); the \
7-day forecast {week_cpu:.2f} s of CPU. The load average was {load_before:.1f} before and \
{load_after:.1f} after the backtest (2 cores shared with other work), so wall times include \
waiting for a core.
"""
    write_section("Forecast", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Perception monitor benchmark: scoring 1,000,000 survey responses.

Target: weights plus the weighted mean, 95 % interval and n for every station x year x item
(and nationally, by gender and by size class per year) of 1,000,000 responses in < 3 s, with a
peak memory of the process < 1 GB. Also measured: writing the default synthetic survey (three
years, 249,000 responses) into a fresh SQLite database and reading one year back.
Usage: .venv/bin/python bench/bench_monitor.py [--quick]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from perron.monitor import scores as sc
from perron.monitor.generator import DEFAULT_YEARS, Targets, generate, reference_stations
from perron.monitor.model import ITEMS

from common import median, verdict, write_section

TARGET_S = 3.0
TARGET_MB = 1024
N = 1_000_000


def score_everything(frame):
    weighted = sc.add_weights(frame)
    groupings = [["station_code", "year"], ["year"], ["year", "gender"], ["year", "size_class"]]
    return sc.score_tables(weighted, groupings, ITEMS)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_roundtrip() -> tuple[float, float, int]:
    """Seconds to write the default survey (three years) to SQLite and to read one year back."""
    from perron.monitor import store
    from perron.reference.load import load_reference
    from perron.store.db import make_engine, transaction, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        with transaction(engine) as s:
            load_reference(s)
            stations = store.stations_frame(s).reset_index(drop=True)
        survey = generate(stations, seed=1)
        t0 = time.perf_counter()
        with transaction(engine) as s:
            store.insert_frame(s, survey.frame)
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with transaction(engine) as s:
            store.load_frame(s, years=[DEFAULT_YEARS[-1]])
        read_s = time.perf_counter() - t0
        engine.dispose()
    return write_s, read_s, len(survey.frame)


def worker(path: str, runs: int) -> None:
    """Read the responses from ``path`` and score them ``runs`` times; print the figures.

    Runs in a process of its own, so its peak memory is that of reading and scoring only."""
    import pandas as pd

    frame = pd.read_parquet(path)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = score_everything(frame)
        times.append(time.perf_counter() - t0)
    rss = peak_rss_mb()
    tracemalloc.start()
    score_everything(frame)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "times": times,
                "rss_mb": rss,
                "traced_mb": traced_peak / 2**20,
                "frame_mb": frame.memory_usage(deep=True).sum() / 2**20,
                "rows": len(frame),
                "cells": len(result[0]),
            }
        )
    )


def main() -> int:
    if "--worker" in sys.argv:
        i = sys.argv.index("--worker")
        worker(sys.argv[i + 1], int(sys.argv[i + 2]))
        return 0
    quick = "--quick" in sys.argv
    runs = 3 if quick else 7
    stations = reference_stations()
    per_year = -(-N // len(DEFAULT_YEARS))
    frame = generate(stations, seed=1, targets=Targets(responses_per_year=per_year)).frame
    frame = frame.iloc[:N].drop(columns=["respondent_ref", "source"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.parquet"
        frame.to_parquet(path)
        del frame
        out = subprocess.run(
            [sys.executable, __file__, "--worker", str(path), str(runs)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    times, rss, traced = figures["times"], figures["rss_mb"], figures["traced_mb"]
    med = median(times)
    cells = figures["cells"]
    write_s, read_s, stored = store_roundtrip()
    stations_n = len(stations)
    load = os.getloadavg()[0]

    lines = [
        f"scoring {figures['rows']:,} responses ({len(DEFAULT_YEARS)} years, {stations_n} stations, "
        f"{len(ITEMS)} items): median {med:.2f} s over {runs} runs (min {min(times):.2f}, "
        f"max {max(times):.2f}); target < {TARGET_S:.0f} s",
        f"peak memory of the scoring process {rss:.0f} MB (frame {figures['frame_mb']:.0f} MB; "
        f"scoring allocates at most {traced:.0f} MB more); target < {TARGET_MB} MB",
        f"SQLite: writing {stored:,} responses {write_s:.1f} s, reading one year {read_s:.1f} s",
    ]
    for line in lines:
        print(line)
    body = f"""
Scoring: post-stratification weights per year, then weighted mean, linearisation standard
error, 95 % interval and n for every station × year × item ({cells:,} cells) plus national, by
gender and by size class per year; input {figures["rows"]:,} synthetic responses, read from a
Parquet file by a separate process whose peak resident memory is reported. The two cores were
shared with other work during the measurement (load average {load:.1f}).

| measure | result | target | |
|---|---|---|---|
| scoring, median of {runs} runs | {med:.2f} s | < {TARGET_S:.0f} s | {verdict(med < TARGET_S)} |
| peak memory of the scoring process (reading + scoring) | {rss:.0f} MB | < {TARGET_MB} MB | {verdict(rss < TARGET_MB)} |
| memory allocated while scoring (tracemalloc) | {traced:.0f} MB | | |
| writing the default survey ({stored:,} rows) to SQLite | {write_s:.1f} s | well under 60 s | {verdict(write_s < 60)} |
| reading one year back from SQLite | {read_s:.1f} s | | |
"""
    write_section("Perception monitor", body)
    return 0 if med < TARGET_S and rss < TARGET_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Registry import benchmark: a CSV of synthetic incidents into SQLite through the generic profile.

Target: >= 50,000 rows/s for 1,000,000 rows on SQLite (validation, pseudonymisation, both
tables, one transaction). Usage: .venv/bin/python bench/bench_registry_import.py [--rows N]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from common import median, verdict, write_section

CATEGORIES = [
    "nuisance",
    "theft",
    "vandalism",
    "aggression_staff_verbal",
    "aggression_traveller_physical",
    "sexual_harassment",
    "drugs",
]
ZONES = ["platform", "hall", "tunnel", "forecourt", "bicycle_parking"]


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    from perron.reference.bundle import stations

    rng = np.random.default_rng(seed)
    codes = np.array([s.code for s in stations()])
    weights = np.array([s.travellers_per_day for s in stations()], dtype=float)
    station = rng.choice(codes, size=rows, p=weights / weights.sum())
    category = rng.choice(CATEGORIES, size=rows)
    zone = rng.choice(ZONES, size=rows)
    base = np.datetime64("2020-01-01T00:00")
    minutes = rng.integers(0, 4 * 365 * 24 * 60, size=rows)
    when = (base + minutes.astype("timedelta64[m]")).astype(str)
    person = np.where(
        rng.random(rows) < 0.1, np.char.add("EMP-", rng.integers(0, 99999, rows).astype(str)), ""
    )
    with path.open("w") as fh:
        fh.write("ref,category,occurred_at,station,zone,description,person_id\n")
        for i in range(rows):
            fh.write(
                f"B{i},{category[i]},{when[i]},{station[i]},{zone[i]},synthetisch,{person[i]}\n"
            )


def run_once(csv_path: Path, tmp: Path) -> tuple[float, int]:
    from perron.reference.load import load_reference
    from perron.registry.importers import import_file
    from perron.registry.profiles import GENERIC
    from perron.store.db import make_engine, transaction, upgrade

    url = f"sqlite:///{tmp / f'bench-{time.monotonic_ns()}.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        load_reference(session)
    t0 = time.perf_counter()
    with transaction(engine) as session:
        result = import_file(session, csv_path, "ns", GENERIC, "bench")
    seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds, result.created


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["PERRON_DATA_DIR"] = str(tmp)
        csv_path = tmp / "incidents.csv"
        write_csv(csv_path, args.rows)
        times = []
        for _ in range(args.runs):
            seconds, created = run_once(csv_path, tmp)
            assert created == args.rows, created
            times.append(seconds)
            print(
                f"{args.rows} rows in {seconds:.1f} s = {args.rows / seconds:,.0f} rows/s",
                flush=True,
            )
    rate = args.rows / median(times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    body = f"""
Command: `.venv/bin/python bench/bench_registry_import.py --rows {args.rows}` — a CSV of
{args.rows:,} synthetic incidents (generic profile; 10 % carry a person identifier that is
pseudonymised) imported into a fresh SQLite database in one transaction: reading, validating
every row, writing `incident` and `incident_version`, one audit entry.

| figure | result | target | |
|---|---|---|---|
| import rate, median of {len(times)} runs | {rate:,.0f} rows/s ({median(times):.1f} s; min {min(times):.1f}, max {max(times):.1f}) | ≥ 50,000 rows/s | {verdict(rate >= 50_000)} |
| peak memory of the process | {peak_mb:,.0f} MB | — | |
"""
    print(body)
    write_section("Registry: CSV import", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

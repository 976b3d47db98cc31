"""A small synthetic disruption file in the Rijden de Treinen format, written by the tests."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HEADER = [
    "rdt_id",
    "ns_lines",
    "rdt_lines",
    "rdt_lines_id",
    "rdt_station_names",
    "rdt_station_codes",
    "cause_nl",
    "cause_en",
    "statistical_cause_nl",
    "statistical_cause_en",
    "cause_group",
    "start_time",
    "end_time",
    "duration_minutes",
]
HOT = ["UT", "ASD", "RTD", "NA", "EHV", "GN", "ZL", "AMF"]


def row(i: int, codes: str, cause: str, start: datetime, stat: str | None = None) -> list:
    end = start + timedelta(minutes=60)
    return [
        i,
        "A-B",
        "A - B",
        "1",
        "",
        codes,
        cause,
        cause,
        stat or cause,
        stat or cause,
        "external",
        start.strftime("%Y-%m-%d %H:%M:%S"),
        end.strftime("%Y-%m-%d %H:%M:%S"),
        60,
    ]


def write_synthetic(path: Path, start: str = "2019-01-01", days: int = 900, seed: int = 1) -> Path:
    """Incidents at a few hot stations, more in the evening, with some non-safety noise rows."""
    rng = np.random.default_rng(seed)
    t0 = datetime.fromisoformat(start)
    rows = []
    i = 1
    rates = {c: 0.05 * (k + 1) for k, c in enumerate(HOT)}
    causes = ["persoon op het spoor", "aanrijding", "inzet van de politie", "vandalisme"]
    for d in range(days):
        day = t0 + timedelta(days=d)
        for code, r in rates.items():
            for _ in range(rng.poisson(r)):
                hour = int(rng.choice([2, 9, 14, 18, 21, 22]))
                cause = causes[int(rng.integers(len(causes)))]
                rows.append(row(i, code, cause, day + timedelta(hours=hour, minutes=7)))
                i += 1
        if d % 5 == 0:
            rows.append(row(i, "UT, ASD", "defecte trein", day + timedelta(hours=8)))
            i += 1
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path

"""Rebuild src/perron/programme/data/evening_service.csv from ../shared/data.

Per station: train stops per day in the timetable's day window (Mon–Thu until 20:00) and in its
evening window (every day after 20:00), from timetable/station_service_intensity_2026_derived.csv,
and the evening share = evening / (day + evening). The need index uses that share as the proxy
for the share of travellers after 19:00 (no public per-station figure exists).

Usage: python tools/build_programme_data.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "perron" / "programme" / "data" / "evening_service.csv"
SOURCE = Path("timetable") / "station_service_intensity_2026_derived.csv"


def build(shared: Path) -> str:
    day: dict[str, int] = {}
    evening: dict[str, int] = {}
    with (shared / SOURCE).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            trips = int(row["trips_per_day_in_window_both_dirs"])
            if row["window_page"] == "1":
                day[row["code"]] = trips
            elif row["window_page"] == "4":
                evening[row["code"]] = trips
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "day_trips", "evening_trips", "evening_share"])
    for code in sorted(set(day) | set(evening)):
        d, e = day.get(code, 0), evening.get(code, 0)
        share = e / (d + e) if d + e else 0.0
        w.writerow([code, d, e, f"{share:.4f}"])
    return buf.getvalue()


def main() -> int:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    OUT.write_text(build(shared), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

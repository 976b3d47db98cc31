"""Military path benchmark: a plan with alternatives for Vlissingen → Zevenaar and Rotterdam
Waalhaven → Oldenzaal in the evening pattern (window 4).

Target: ≤ 60 s per plan (median of 5) on this machine, against "days" by hand. Measured twice:
cold (a fresh ``perron military plan --json`` process each time: Python start, loading the
shipped network and pattern, building the occupancy, searching) and warm (in one process, as
the server answers after its first plan).
Usage: .venv/bin/python bench/bench_military.py [--quick]   (--quick: 2 runs instead of 5)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import median, verdict, write_section

TARGET = 60.0
CASES = (
    ("Vlissingen → Zevenaar", "VS", "ZV"),
    ("Rotterdam Waalhaven → Oldenzaal", "RTZ", "ODZ"),
)
EARLIEST = "2026-12-08T20:30"  # a Tuesday evening: window 4
PERRON = Path(sys.executable).parent / "perron"


def main() -> int:
    runs = 2 if "--quick" in sys.argv else 5
    from perron.military.planner import parse_request, plan_request, shipped_inputs

    rows = []
    ok = True
    inputs = shipped_inputs()
    for name, a, b in CASES:
        args = [str(PERRON), "military", "plan", "--from", a, "--to", b, "--earliest", EARLIEST]
        args += ["--length-m", "740", "--mass-t", "2400", "--json"]
        cold = []
        out: dict = {}
        for _ in range(runs):
            t = time.perf_counter()
            res = subprocess.run(args, capture_output=True, text=True, check=True)
            cold.append(time.perf_counter() - t)
            out = json.loads(res.stdout)
        raw = {"origin": a, "destination": b, "earliest": EARLIEST, "length_m": 740}
        raw["mass_t"] = 2400
        plan_request(parse_request(raw, inputs.network), inputs)  # builds the occupancy once
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            plan_request(parse_request(raw, inputs.network), inputs)
            warm.append(time.perf_counter() - t)
        c, w = median(cold), median(warm)
        ok = ok and c <= TARGET
        print(
            f"{name}: cold {c:.2f} s, warm {w:.2f} s (median of {runs}); departure "
            f"{out['departure']}, arrival {out['arrival']}, {len(out['alternatives'])} "
            f"alternatives, {out['civil_impact']['trains_affected']} civil trains affected"
        )
        rows.append(
            f"| {name} | {c:.2f} s | {w:.2f} s | {out['departure'][11:16]} → "
            f"{out['arrival'][11:16]} | {len(out['route'])} | {len(out['alternatives'])} | "
            f"{out['civil_impact']['trains_affected']} |"
        )
    body = f"""
Target: a plan with alternatives in ≤ {TARGET:.0f} s (median of {runs}), evening pattern
(earliest departure {EARLIEST}, 740 m, 2,400 t, 100 km/h, electric): {verdict(ok)}.
Command: `.venv/bin/python bench/bench_military.py`. Cold = a fresh
`perron military plan ... --json` process per run (start-up, loading the shipped data, building
the civil occupancy, searching {4} candidate routes and the later-departure alternative); warm =
the same plan again in one process (as the server answers after its first plan). Load average
at the end: {os.getloadavg()[0]:.1f}. Planners by hand take days.

| case | cold | warm | proposed slot | stations on route | alternatives | civil trains affected |
|---|---|---|---|---|---|---|
""" + "\n".join(rows)
    write_section("Military paths", body)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

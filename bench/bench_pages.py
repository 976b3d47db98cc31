"""Server time of every page and main API call of the demo.

Prepares the demo (``perron demo --no-serve``) in a temporary data folder, or uses
``--data-dir DIR`` of an existing one, logs in as the demo user and requests every page and
main API call ``--runs`` times (after one warm-up request each) from the app in-process (ASGI,
no network: the time measured is the server's). Target: p95 < 100 ms, except the documented
heavy calls below. Usage: .venv/bin/python bench/bench_pages.py [--data-dir DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import median, percentile, verdict, write_section

TARGET_MS = 100.0

#: calls whose size makes them slower than the target, with the reason (docs/benchmarks.md)
HEAVY = {
    "/api/forecast/week": "the whole week: 397 stations × 7 days × 6 blocks with explanations",
    "/incidents/export.csv": "an export of every incident the user may see",
    "/programme/optimiser": "solves the budget optimisation for the stations and catalogue",
    "/api/programme/optimise": "solves the budget optimisation for the stations and catalogue",
    "/api/programme/frontier": "21 budgets, each solved exactly, greedily and robustly",
    "/api/programme/need-index": "1 MiB: every station with its six components, their sources "
    "and the reasons in Dutch and English",
}


def requests(station: str, incident: int | None, alert: int | None) -> list[tuple[str, str]]:
    """(label, path) of every page and main API call."""
    out = [
        ("page", "/"),
        ("page", f"/stations/{station}"),
        ("page", "/incidents"),
        ("page", "/incidents/import"),
        ("page", "/monitor"),
        ("page", "/live"),
        ("page", "/field"),
        ("page", "/forecast"),
        ("page", "/docs"),
        ("fragment", f"/monitor/stations/{station}/fragment"),
        ("fragment", f"/incidents/stations/{station}/fragment"),
        ("fragment", f"/forecast/stations/{station}/fragment"),
        ("fragment", f"/live/stations/{station}/fragment"),
        ("api", "/api/health"),
        ("api", "/api/auth/me"),
        ("api", "/api/stations"),
        ("api", f"/api/stations/{station}"),
        ("api", "/api/network"),
        ("api", "/api/municipalities"),
        ("api", "/api/incidents?purpose=analysis&limit=50"),
        ("api", "/api/incidents/aggregate?purpose=analysis&by=category"),
        ("api", "/api/incidents/access"),
        ("api", f"/api/incidents/stations/{station}/counts?purpose=analysis"),
        ("api", "/api/agreements"),
        ("api", "/api/monitor/years"),
        ("api", "/api/monitor/scores"),
        ("api", "/api/monitor/below-threshold"),
        ("api", "/api/monitor/map"),
        ("api", f"/api/monitor/stations/{station}"),
        ("api", "/api/alerts"),
        ("api", "/api/alerts/response-times"),
        ("api", "/api/units"),
        ("api", "/api/forecast/tonight"),
        ("api", "/api/forecast/backtest"),
        ("api", "/api/forecast/week"),
        ("api", "/openapi.json"),
        ("page", "/programme"),
        ("page", "/programme/need"),
        ("page", "/programme/optimiser"),
        ("page", "/effect"),
        ("page", "/inspections"),
        ("page", "/inspections/actions"),
        ("page", "/recommendations"),
        ("page", "/network"),
        ("page", "/military"),
        ("page", "/joint"),
        ("fragment", f"/inspections/stations/{station}/fragment"),
        ("api", "/api/programme/need-index"),
        ("api", "/api/programme/measures"),
        ("api", "/api/programme/deals"),
        ("api", "/api/programme/budget"),
        ("api", "/api/programme/optimise"),
        ("api", "/api/programme/frontier"),
        ("api", "/api/effect/evaluations"),
        ("api", "/api/inspections/walks"),
        ("api", "/api/inspections/actions"),
        ("api", "/api/recommendations"),
        ("api", "/api/network/criticality"),
        ("api", "/api/military/plans"),
        ("api", "/api/military/rules"),
        ("api", "/api/joint/agreements"),
        ("api", "/api/joint/runs"),
    ]
    if incident is not None:
        out.insert(3, ("page", f"/incidents/{incident}"))
        out.append(("api", f"/api/incidents/{incident}?purpose=analysis"))
    if alert is not None:
        out.append(("api", f"/api/alerts/{alert}"))
    return out


def prepare(data_dir: Path) -> None:
    env = {**os.environ, "PERRON_DATA_DIR": str(data_dir)}
    env.pop("PERRON_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "perron.cli", "demo", "--no-serve"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure(data_dir: Path, runs: int) -> list[dict]:
    os.environ["PERRON_DATA_DIR"] = str(data_dir)
    os.environ.pop("PERRON_DATABASE_URL", None)
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from perron.api.app import create_app
    from perron.cli.serve import warm_caches
    from perron.config import get_settings
    from perron.store.db import engine_for, transaction
    from perron.store.tables.live import Alert
    from perron.store.tables.registry import Incident

    get_settings.cache_clear()
    settings = get_settings()
    password = (data_dir / "demo-password.txt").read_text().strip()
    with transaction(engine_for(settings.database_url)) as s:
        incident = s.scalar(select(Incident.id).order_by(Incident.id.desc()).limit(1))
        alert = s.scalar(select(Alert.id).order_by(Alert.id.desc()).limit(1))
    rows = []
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        r = client.post("/api/auth/login", json={"username": "demo", "password": password})
        if r.status_code >= 400 or client.get("/api/auth/me").status_code != 200:
            raise RuntimeError(f"demo login failed: {r.status_code}")
        warm_caches(settings, delay=0)  # as `perron serve` does after start-up
        for label, path in requests("UT", incident, alert):
            status = client.get(path).status_code  # warm-up: caches, lazy imports
            times = []
            size = 0
            for _ in range(runs):
                t0 = time.perf_counter()
                resp = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                size = len(resp.content)
                status = resp.status_code
            rows.append(
                {
                    "label": label,
                    "path": path,
                    "status": status,
                    "bytes": size,
                    "p50": median(times),
                    "p95": percentile(times, 95),
                }
            )
            print(
                f"{label:8} {path:48} {status} p50 {rows[-1]['p50']:7.1f} ms"
                f" p95 {rows[-1]['p95']:7.1f} ms",
                flush=True,
            )
    return rows


def report(rows: list[dict], runs: int) -> str:
    def heavy(path: str) -> str | None:
        return next((why for p, why in HEAVY.items() if path.startswith(p)), None)

    light = [r for r in rows if heavy(r["path"]) is None]
    slow = [r for r in light if r["p95"] >= TARGET_MS]
    lines = [
        "Server time (in-process ASGI requests, no network) of every page and main API call of "
        f"the demo, logged in as the demo administrator; {runs} requests each after one warm-up. "
        f"Target: p95 < {TARGET_MS:.0f} ms except the heavy calls named below. As `perron serve` "
        "does after start-up, the caches of the monitor and forecast pages are warmed and the "
        "start-up heap is frozen out of the garbage collector's reach (`gc.freeze`) first.",
        "",
        "Command: `.venv/bin/python bench/bench_pages.py` (prepares the demo with "
        "`perron demo --no-serve` in a temporary folder; `--data-dir DIR` uses an existing one).",
        "",
        "| kind | request | status | size | p50 | p95 | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        why = heavy(r["path"])
        target = f"heavy: {why}" if why else verdict(r["p95"] < TARGET_MS)
        lines.append(
            f"| {r['label']} | `{r['path']}` | {r['status']} | {r['bytes'] / 1024:,.0f} KiB"
            f" | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {target} |"
        )
    lines += [
        "",
        f"{len(light) - len(slow)} of {len(light)} requests meet p95 < {TARGET_MS:.0f} ms"
        + (f"; not met: {', '.join(r['path'] for r in slow)}." if slow else "."),
        f"Load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"({os.cpu_count()} cores, shared with other work).",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="an existing demo data folder")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()
    if args.data_dir:
        rows = measure(args.data_dir.resolve(), args.runs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            prepare(Path(tmp))
            rows = measure(Path(tmp), args.runs)
    body = report(rows, args.runs)
    print(body)
    if not args.no_write:
        write_section("Pages and API calls of the demo", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Audit trail benchmark: `audit verify` of 1,000,000 entries, on SQLite and PostgreSQL.

Target: < 10 s. The chain is built with the same hash function as `perron.access.audit.record`
and written in bulk, then `audit.verify` recomputes it (three runs, median reported).
Usage: .venv/bin/python bench/bench_audit.py [--quick] [--postgres URL]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from perron.access import audit
from perron.store.db import make_engine, upgrade
from perron.store.tables.access import AuditEntry

from common import median, verdict, write_section

TARGET_S = 10.0


def build(url: str, n: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = audit.GENESIS
    batch: list[dict] = []
    with Session(engine) as session:
        for seq in range(1, n + 1):
            at = start + timedelta(seconds=seq)
            detail = audit.canonical_detail(
                {"fields": ["category", "station_code"], "rows": seq % 50}
            )
            party = ("ns", "prorail", "ilt", "politie")[seq % 4]
            subject = f"incident/{seq % 100_000}"
            digest = audit.entry_hash(
                seq,
                audit.format_time(at),
                f"user{seq % 37}",
                party,
                "analysis",
                "incident.read",
                subject,
                detail,
                prev,
            )
            batch.append(
                dict(
                    seq=seq,
                    at=at,
                    actor=f"user{seq % 37}",
                    party=party,
                    purpose="analysis",
                    action="incident.read",
                    subject=subject,
                    detail=detail,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
            if len(batch) == 20_000:
                session.execute(insert(AuditEntry), batch)
                batch.clear()
        if batch:
            session.execute(insert(AuditEntry), batch)
        session.commit()
    engine.dispose()


def measure(url: str, n: int, runs: int = 3) -> tuple[list[float], list[float]]:
    """Wall times and CPU times of this process (the database server's own CPU is not
    included) of ``runs`` verifications."""
    engine = make_engine(url)
    times, cpu = [], []
    for _ in range(runs):
        with Session(engine) as session:
            t0, c0 = time.perf_counter(), time.process_time()
            result = audit.verify(session)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        if not result.ok or result.checked != n:
            raise SystemExit(f"verify failed on an intact chain: {result}")
    engine.dispose()
    return times, cpu


def cpu_probe() -> float:
    """Seconds for a fixed pure-Python loop (about 0.2 s on an idle core): shows how busy the
    shared machine was while the figures were taken."""
    t0 = time.perf_counter()
    sum(range(10_000_000))
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100,000 entries instead of 1,000,000")
    parser.add_argument(
        "--postgres",
        default="auto",
        help="a PostgreSQL URL of an empty database; 'auto' starts a throwaway cluster; 'no'",
    )
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    lines = [
        f"`audit verify` of {n:,} entries (target < {TARGET_S:.0f} s), median of 3 runs:",
        "",
        "| database | median | CPU of the verifying process (median) | verdict |",
        "| --- | --- | --- | --- |",
    ]
    ok_all = True
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'audit.db'}")]
        if args.postgres == "auto":
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
            from services import postgres_cluster

            targets.append(("PostgreSQL", stack.enter_context(postgres_cluster())))
        elif args.postgres != "no":
            targets.append(("PostgreSQL", args.postgres))
        for name, url in targets:
            t0 = time.perf_counter()
            build(url, n)
            print(
                f"{name}: built {n:,} entries in {time.perf_counter() - t0:.1f} s", file=sys.stderr
            )
            times, cpu = measure(url, n)
            m = median(times)
            ok = m < TARGET_S
            ok_all &= ok
            print(
                f"{name}: audit verify median {m:.2f} s, CPU {median(cpu):.2f} s "
                f"(target < {TARGET_S} s) {'OK' if ok else 'NOT MET'}"
            )
            lines.append(f"| {name} | {m:.2f} s | {median(cpu):.2f} s | {verdict(ok)} |")
    probe = cpu_probe()
    lines += [
        "",
        "One process streams the chain and hashes every entry: SQLite renders each entry's "
        "canonical JSON with `json_array`, PostgreSQL sends the entries with `COPY` (the "
        "server's CPU is not in the CPU column). Command: `.venv/bin/python bench/bench_audit.py`.",
        "",
        f"CPU probe after the run: {probe:.2f} s (about 0.2 s on an idle core).",
    ]
    print(f"CPU probe {probe:.2f} s")
    if not args.quick:
        write_section("Audit trail", "\n".join(lines))
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main())

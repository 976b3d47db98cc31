"""Live ingest benchmark: the in-process path and the path through Mosquitto.

Targets
  * in-process (Frigate payload → adapter → idempotent store → correlator → alerts, committed in
    batches of at most 500 events as the live engine does): ≥ 20,000 events/s sustained for 60 s
    with p99 event-to-alert latency ≤ 50 ms. Events arrive at the target rate; a batch starts
    when 500 events have arrived, but at most 5 ms after the previous one started (group commit;
    the live engine waits up to 50 ms). The latency of an event is the time from its arrival
    until the transaction holding it (and any alert it causes) is committed, waiting included,
    so it is the event-to-alert latency of every alerting event;
  * through Mosquitto with QoS 1 (``perron live`` in its own process; the simulator publishing
    from ``--publishers`` processes, one connection each, seeds apart): ≥ 5,000 events/s with
    zero loss (every message the broker acknowledged is stored exactly once);
  * memory stays flat: resident memory of the in-process run sampled every 5 s; the 10-minute
    run is ``--memory`` (a section of its own).

The stream is the simulator's (all 397 stations, ordinary detections with rare incidents) on a
simulated clock. It is generated once (a pool of at most 150,000 messages, taken after 45
simulated seconds so that updates and ends of tracked objects are as frequent as in a running
system) and replayed as often as needed with fresh event ids, so generating it does not count
against the engine.

Usage: .venv/bin/python bench/bench_live_ingest.py [--quick | --full] [--seconds S] [--mqtt-seconds S]
       [--publishers N] [--no-in-process | --no-mqtt] [--no-write] [--postgres]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from perron.live import cameras, simulator
from perron.live.ingest import Context, Ingestor
from perron.live.sources import adapter_for, load_builtin
from perron.reference.load import load_reference
from perron.store.db import WalCheckpointer, make_engine, session_factory, transaction, upgrade
from perron.store.tables.live import Alert, SensorEvent

from common import REPO, verdict, write_section

TARGET_EPS = 20_000
TARGET_P99_MS = 50.0
TARGET_MQTT_EPS = 5_000
# The streams are offered 5 % above each target and a target counts as met only when the
# measured rate reaches it: a paced stream measured over a window lands a little under its pace.
OFFER_HEADROOM = 1.05
PUBLISHERS = 2
BATCH_MAX = 500
COMMIT_EVERY_S = 0.005  # in-process: a batch starts when 500 events are due, at most 5 ms apart
POOL_MAX = 150_000
WARM_UP_S = 45.0  # longer than any simulated object is tracked (40 s)
OVERRUN_S = 5.0  # a path that cannot keep up is stopped this long after the offered time
START = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 17:00 local: evening peak, then night
BIN_MS = 0.1  # latency histogram resolution
BINS = 200_000  # up to 20 s


def fmt_ms(ms: float) -> str:
    return f"≥ {ms:,.0f} ms" if ms >= BINS * BIN_MS else f"{ms:,.1f} ms"


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def prepare_db(path: Path) -> str:
    url = f"sqlite:///{path}"
    upgrade(url)
    eng = make_engine(url)
    with transaction(eng) as s:
        load_reference(s)
        cameras.replace(s, simulator.camera_mappings())
    eng.dispose()
    return url


def make_pool(n: int, rate: float, seed: int = 11) -> list[tuple[str, bytes]]:
    """``n`` messages of the simulator's stream at ``rate`` messages a second, taken after a
    warm-up of :data:`WARM_UP_S` simulated seconds so that the tracked objects' updates and ends
    are as frequent as in a running system (at the start every object is new)."""
    clock_t = [START.timestamp()]

    def clock() -> float:
        clock_t[0] += 1.0 / rate  # the clock is read once per message
        return clock_t[0]

    stream = simulator.Stream(seed, clock=clock)
    warm_until = START.timestamp() + WARM_UP_S
    while clock_t[0] < warm_until:
        next(stream)
    return [next(stream) for _ in range(n)]


def renamed(part: list[tuple[str, bytes]], rnd: int, seed: int = 11) -> list[tuple[str, bytes]]:
    """Pool messages with fresh ids for replay round ``rnd`` (cheap byte replacement, done per
    batch so no second copy of the pool is held)."""
    if rnd == 0:
        return part
    a, b = f"-s{seed}n".encode(), f"-s{seed}r{rnd}n".encode()  # Frigate object ids
    c, d = f'"crowd-{seed}-'.encode(), f'"crowd-{seed}r{rnd}-'.encode()  # crowd counts' ids
    swap = {"frigate/events": (a, b), "perron/events": (c, d)}  # the topics with ids
    return [(t, p.replace(*swap[t]) if t in swap else p) for t, p in part]


def prepare_postgres(server: str) -> str:
    """A fresh database on the PostgreSQL server at ``server``, prepared as :func:`prepare_db`."""
    from sqlalchemy import text

    name = f"bench_live_{time.time_ns()}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    eng = make_engine(url)
    with transaction(eng) as s:
        load_reference(s)
        cameras.replace(s, simulator.camera_mappings())
    eng.dispose()
    return url


def in_process(seconds: float, rate: float, quick: bool, postgres: str | None = None) -> dict:
    load_builtin()
    tmp = Path(tempfile.mkdtemp(prefix="perron-bench-live-"))
    url = prepare_db(tmp / "live.db") if postgres is None else prepare_postgres(postgres)
    eng = make_engine(url)
    checkpointer = WalCheckpointer(eng)  # as the live engine does
    sessions = session_factory(eng)
    ingestor = Ingestor(synthetic=True)
    with sessions() as s:
        ctx = Context.load(s)
    total = int(seconds * rate)
    t_gen = time.perf_counter()
    pool = make_pool(min(total, POOL_MAX), rate)
    gen_s = time.perf_counter() - t_gen
    # the pool is the harness's, not the engine's: keep its 150,000 tuples out of the
    # collector's full passes, which would otherwise be charged to the engine's latency
    gc.collect()
    gc.freeze()
    commits: list[tuple[float, int, int]] = []  # (time of the commit, first event, events)
    done = stored = alerts = batches = 0
    rss: list[tuple[float, float]] = []
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    t_last = t0 - COMMIT_EVERY_S
    next_rss = 0.0
    rnd, offset = 0, 0
    while done < total:
        now = time.perf_counter()
        if now - t0 > seconds + OVERRUN_S:
            break  # not keeping up: report what was processed in the time
        due = min(total, int((now - t0) * rate))
        if due <= done:
            time.sleep(max(0.0, (done + 1) / rate - (now - t0)))
            continue
        if due - done < BATCH_MAX and due < total and now - t_last < COMMIT_EVERY_S:
            # group commit: wait for a full batch, at most COMMIT_EVERY_S after the last start
            full_at = (done + BATCH_MAX) / rate - (now - t0)
            time.sleep(max(0.0, min(COMMIT_EVERY_S - (now - t_last), full_at)))
            continue
        t_last = now
        n = min(BATCH_MAX, due - done)
        batch = []
        while len(batch) < n:
            take = min(n - len(batch), len(pool) - offset)
            batch.extend(renamed(pool[offset : offset + take], rnd))
            offset += take
            if offset >= len(pool):
                rnd, offset = rnd + 1, 0
        received = datetime.now(UTC)
        events = []
        for topic, payload in batch:
            events.extend(adapter_for(topic)(topic, payload, ctx, received))
        with sessions() as s, s.begin():
            result = ingestor.process(s, events)
        t_commit = time.perf_counter()
        checkpointer.settle(eng)  # as the live engine does after each batch
        stored += result.stored
        alerts += len(result.alert_ids)
        batches += 1
        commits.append((t_commit, done, n))  # the latencies are counted after the run
        done += n
        if t_commit - t0 >= next_rss:
            rss.append((t_commit - t0, rss_mb()))
            next_rss += 5.0
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    checkpointer.stop()
    gc.unfreeze()
    hist = array("l", bytes(8 * BINS))
    for t_commit, first, n in commits:
        for i in range(first, first + n):
            ms = (t_commit - (t0 + i / rate)) * 1000
            hist[min(BINS - 1, max(0, int(ms / BIN_MS)))] += 1
    with sessions() as s:
        rows = s.scalar(select(func.count()).select_from(SensorEvent))
        alert_rows = s.scalar(select(func.count()).select_from(Alert))
    eng.dispose()
    shutil.rmtree(tmp, ignore_errors=True)  # a 10-minute run leaves gigabytes

    # percentiles from the histogram
    def pct(q: float) -> float:
        want, acc = q / 100 * done, 0
        for i, c in enumerate(hist):
            acc += c
            if acc >= want:
                return (i + 1) * BIN_MS
        return BINS * BIN_MS

    steady = [m for t, m in rss if t >= min(10.0, seconds / 4)]
    return {
        "events": done,
        "offered": total,
        "stored": stored,
        "rows": rows,
        "alert_changes": alerts,
        "alerts": alert_rows,
        "seconds": elapsed,
        "eps": done / elapsed,
        "cpu_eps": done / cpu if cpu else float("nan"),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "max_ms": pct(100),
        "rss": rss,
        "rss_growth_mb": (steady[-1] - steady[0]) if len(steady) >= 2 else float("nan"),
        "rss_end_mb": rss[-1][1] if rss else float("nan"),
        "pool": len(pool),
        "gen_s": gen_s,
        "batches": batches,
        "restarts": checkpointer.restarts,
    }


PUBLISH = """
import json, sys, time
from perron.live import simulator
host, port, rate, seconds, seed, start_at = sys.argv[1:7]
simulator.Stream(int(seed))  # loads the reference data before the start
time.sleep(max(0.0, float(start_at) - time.time()))  # all publishers start together
r = simulator.publish(host, int(port), rate=float(rate), duration=float(seconds), seed=int(seed))
print(json.dumps(dict(r, ended_at=time.time())))
"""
PUBLISHER_START_S = 5.0  # time for the publishing processes to start before they publish


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def through_mqtt(seconds: float, rate: float, publishers: int) -> dict:
    sys.path.insert(0, str(REPO / "tests"))
    from services import mosquitto_broker  # the same broker set-up as the tests

    tmp = Path(tempfile.mkdtemp(prefix="perron-bench-mqtt-"))
    url = prepare_db(tmp / "live.db")
    # COLUMNS: its summary line is printed by rich, which would wrap it at 80 columns
    env = dict(os.environ, PERRON_DATABASE_URL=url, PERRON_DATA_DIR=str(tmp), COLUMNS="200")
    perron = str(Path(sys.executable).with_name("perron"))
    output: list[str] = []
    with mosquitto_broker() as (host, port):
        proc = subprocess.Popen(
            [perron, "live", "--mqtt", f"mqtt://{host}:{port}", "--client-id", "bench-live"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if "reading" not in line:
                raise RuntimeError(f"perron live did not start: {line}")
            # keep reading its output, so that a full pipe never stalls the engine
            reader = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)
            reader.start()
            time.sleep(2.0)  # connected and subscribed
            engine_cpu0 = cpu_of(proc.pid)
            children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            start_at = time.time() + PUBLISHER_START_S
            # several publishing processes (one MQTT connection each), seeds apart so that
            # their event ids differ; together they offer ``rate``
            pubs = [
                subprocess.Popen(
                    [sys.executable, "-c", PUBLISH, host, str(port), str(rate / publishers)]
                    + [str(seconds), str(5 + 1000 * i), str(start_at)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for i in range(publishers)
            ]
            results = [json.loads(p.communicate()[0]) for p in pubs]
            t_pub_end = time.monotonic()
            took = max(r["ended_at"] for r in results) - start_at
            eng = make_engine(url)
            with session_factory(eng)() as s:
                stored_at_end = s.scalar(select(func.count()).select_from(SensorEvent))
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            pub_cpu = (children.ru_utime + children.ru_stime) - (
                children0.ru_utime + children0.ru_stime
            )
            last, stable_since = -1, time.monotonic()
            while time.monotonic() - stable_since < 3.0 and time.monotonic() - t_pub_end < 120:
                with session_factory(eng)() as s:
                    n = s.scalar(select(func.count()).select_from(SensorEvent))
                if n != last:
                    last, stable_since = n, time.monotonic()
                time.sleep(0.3)
            drained = stable_since - t_pub_end
            engine_cpu = cpu_of(proc.pid) - engine_cpu0
            eng.dispose()
            proc.terminate()
            proc.wait(timeout=30)
            reader.join(5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    shutil.rmtree(tmp, ignore_errors=True)
    stats_line = next((ln for ln in output if "messages," in ln), "")
    published = sum(r["published"] for r in results)
    return {
        "published": published,
        "acknowledged_by_broker": all(r["acknowledged_by_broker"] for r in results),
        "seconds": took,
        "rate": published / took,
        "stored_rate": stored_at_end / took,
        "publishers": publishers,
        "stored_rows": last,
        "drain_s": round(drained, 2),
        "engine": stats_line.removeprefix("live: ").strip(),
        "engine_cpu_per_msg_us": engine_cpu / max(1, last) * 1e6,
        "publisher_cpu_per_msg_us": pub_cpu / max(1, published) * 1e6,
    }


MEMORY_SECONDS = 600.0
MEMORY_FLAT_MB = 32.0  # "flat": resident memory grows by less than this after warm-up


def memory_run(rate: float, write: bool) -> None:
    """The in-process path for 10 minutes at the target rate: resident memory over time."""
    load = os.getloadavg()[0]
    r = in_process(MEMORY_SECONDS, rate, False)
    flat = r["rss_growth_mb"] <= MEMORY_FLAT_MB
    step = max(1, len(r["rss"]) // 20)
    samples = ", ".join(f"{t:.0f}s {mb:.0f}MB" for t, mb in r["rss"][::step])
    lines = [
        f"Load average when started: {load:.1f} on {os.cpu_count()} cores.",
        "",
        "| Measure | Result | Target | |",
        "|---|---|---|---|",
        f"| resident memory growth after warm-up, {r['seconds']:.0f} s in-process "
        f"| {r['rss_growth_mb']:+.1f} MB (end {r['rss_end_mb']:.0f} MB) "
        f"| flat (< {MEMORY_FLAT_MB:.0f} MB) | {verdict(flat)} |",
        f"| events processed / offered | {r['events']:,} / {r['offered']:,} | | |",
        f"| events/s over the run | {r['eps']:,.0f} (offered {rate:,.0f}/s) | | |",
        f"| stored rows = events stored | {r['rows']:,} = {r['stored']:,} | equal "
        f"| {verdict(r['rows'] == r['stored'])} |",
        "",
        f"Resident memory samples: {samples}.",
        "",
        "Run: `.venv/bin/python bench/bench_live_ingest.py --memory`.",
    ]
    print("\n".join(lines))
    if write:
        write_section("Live ingest: memory over 10 minutes", "\n".join(lines))


def compare_postgres(seconds: float, rate: float, write: bool) -> None:
    """The in-process path on SQLite and on PostgreSQL, the same stream and offered rate."""
    sys.path.insert(0, str(REPO / "tests"))
    from services import postgres_cluster

    load = os.getloadavg()[0]
    runs = {"SQLite": in_process(seconds, rate, False)}
    with postgres_cluster() as server:
        runs["PostgreSQL"] = in_process(seconds, rate, False, postgres=server)
    lines = [
        f"Load average when started: {load:.1f} on {os.cpu_count()} cores (the machine is shared;"
        f" {os.getloadavg()[0]:.1f} at the end). PostgreSQL runs on the same machine (a local "
        "server started for the run, default settings).",
        "",
        "| Measure | SQLite | PostgreSQL |",
        "|---|---|---|",
        f"| events/s over {seconds:.0f} s (offered {rate:,.0f}/s) | "
        + " | ".join(f"{r['eps']:,.0f}" for r in runs.values())
        + " |",
        "| p99 event-to-alert (commit) latency | "
        + " | ".join(f"{fmt_ms(r['p99_ms'])} (p50 {fmt_ms(r['p50_ms'])})" for r in runs.values())
        + " |",
        "| events processed / offered | "
        + " | ".join(f"{r['events']:,} / {r['offered']:,}" for r in runs.values())
        + " |",
        "| events per CPU-second of the process | "
        + " | ".join(f"{r['cpu_eps']:,.0f}" for r in runs.values())
        + " |",
        "| stored rows = events stored | "
        + " | ".join(f"{r['rows']:,} = {r['stored']:,}" for r in runs.values())
        + " |",
        "",
        "The same in-process path as above (simulator messages → adapter → idempotent insert →"
        " correlator → alerts, batches of at most 500 committed at least every 5 ms); on"
        " PostgreSQL the insert is one `INSERT … ON CONFLICT DO NOTHING RETURNING id` per batch,"
        " safe with several writers. The process's CPU does not include PostgreSQL's.",
        "",
        f"Run: `.venv/bin/python bench/bench_live_ingest.py --postgres --seconds {seconds:g}"
        f" --rate {rate:g}`.",
    ]
    body = "\n".join(lines)
    print(body)
    if write:
        write_section("Live ingest: SQLite beside PostgreSQL", body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=None, help="in-process run length")
    ap.add_argument("--rate", type=float, default=TARGET_EPS * OFFER_HEADROOM)
    ap.add_argument("--mqtt-seconds", type=float, default=None)
    ap.add_argument("--mqtt-rate", type=float, default=TARGET_MQTT_EPS * OFFER_HEADROOM)
    ap.add_argument(
        "--publishers", type=int, default=PUBLISHERS, help="publishing processes (MQTT)"
    )
    ap.add_argument("--no-in-process", action="store_true", help="only the path through MQTT")
    ap.add_argument("--quick", action="store_true", help="10 s in-process, 5 s through MQTT")
    ap.add_argument(
        "--full", action="store_true", help="the target lengths: 60 s in-process and via MQTT"
    )
    ap.add_argument("--no-mqtt", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument(
        "--memory",
        action="store_true",
        help="only the 10-minute in-process memory run, in a section of its own",
    )
    ap.add_argument(
        "--postgres",
        action="store_true",
        help="only the in-process path, on SQLite beside PostgreSQL (started for the run)",
    )
    args = ap.parse_args()
    if args.memory:
        memory_run(args.rate, not args.no_write)
        return
    if args.postgres:
        compare_postgres(args.seconds or 20.0, args.rate, not args.no_write)
        return
    # short runs by default; --full for the 60 s targets (--memory: the 10-minute run)
    short = (60.0, 60.0) if args.full else (10.0, 5.0) if args.quick else (20.0, 10.0)
    args.seconds = args.seconds or short[0]
    args.mqtt_seconds = args.mqtt_seconds or short[1]
    load = os.getloadavg()[0]
    lines = [
        f"Load average when started: {load:.1f} on {os.cpu_count()} cores (the machine is shared).",
        "",
        "| Measure | Result | Target | |",
        "|---|---|---|---|",
    ]
    notes: list[str] = []
    if not args.no_in_process:
        r = in_process(args.seconds, args.rate, args.quick)
        ok_eps = r["eps"] >= TARGET_EPS
        kept_up = r["events"] == r["offered"]
        ok_p99 = r["p99_ms"] <= TARGET_P99_MS and kept_up
        ok_rows = r["rows"] == r["stored"]
        lines += [
            f"| in-process events/s over {r['seconds']:.0f} s (offered {args.rate:,.0f}/s) "
            f"| {r['eps']:,.0f} | ≥ {TARGET_EPS:,} | {verdict(ok_eps)} |",
            f"| p99 event-to-alert (commit) latency | {fmt_ms(r['p99_ms'])} "
            f"(p50 {fmt_ms(r['p50_ms'])}, max {fmt_ms(r['max_ms'])}) | ≤ {TARGET_P99_MS:.0f} ms "
            f"| {verdict(ok_p99)} |",
            f"| events processed / offered in {args.seconds:.0f} s | {r['events']:,} / "
            f"{r['offered']:,} | all | {verdict(kept_up)} |",
            f"| events per CPU-second of the process | {r['cpu_eps']:,.0f} | | |",
            f"| stored rows = events stored | {r['rows']:,} = {r['stored']:,} | equal "
            f"| {verdict(ok_rows)} |",
            f"| alert changes / alerts | {r['alert_changes']:,} / {r['alerts']:,} | | |",
            f"| resident memory: growth after warm-up / at end | {r['rss_growth_mb']:+.1f} MB / "
            f"{r['rss_end_mb']:.0f} MB | flat | |",
        ]
        print("\n".join(lines))
        rss = ", ".join(
            f"{t:.0f}s {mb:.0f}MB" for t, mb in r["rss"][:: max(1, len(r["rss"]) // 12)]
        )
        notes += [
            f"Resident memory samples: {rss}.",
            "",
            f"The in-process stream is a pool of {r['pool']:,} simulator messages (generated in "
            f"{r['gen_s']:.0f} s, not counted) replayed with fresh ids; {r['batches']:,} "
            "batches committed to SQLite (a batch when 500 events have arrived, at most "
            f"{COMMIT_EVERY_S * 1000:.0f} ms after the previous one). SQLite's checkpoints run "
            "in a thread of their own and the log starts over between batches once it passes "
            f"64 MB ({r['restarts']} times), as in `perron live`; the pool is the harness's, so it is "
            "kept out of Python's garbage collector, whose full passes over it would otherwise "
            "be counted as the engine's latency.",
        ]
    if not args.no_mqtt:
        m = through_mqtt(args.mqtt_seconds, args.mqtt_rate, args.publishers)
        ok_rate = min(m["rate"], m["stored_rate"]) >= TARGET_MQTT_EPS
        ok_loss = m["stored_rows"] >= m["published"] and m["acknowledged_by_broker"]
        lines += [
            f"| through Mosquitto, QoS 1: published/s over {m['seconds']:.0f} s "
            f"(offered {args.mqtt_rate:,.0f}/s by {m['publishers']} publishing processes) "
            f"| {m['rate']:,.0f} | ≥ {TARGET_MQTT_EPS:,} | |",
            "| through Mosquitto: stored/s by the engine while the publishers ran "
            f"| {m['stored_rate']:,.0f} | ≥ {TARGET_MQTT_EPS:,} | {verdict(ok_rate)} |",
            f"| published / stored (zero loss) | {m['published']:,} / {m['stored_rows']:,} "
            f"| equal | {verdict(ok_loss)} |",
            f"| engine caught up after the publishers finished | {m['drain_s']} s | | |",
            f"| CPU per message: engine (perron live) / publishing processes (start-up included) "
            f"| {m['engine_cpu_per_msg_us']:,.0f} µs / {m['publisher_cpu_per_msg_us']:,.0f} µs "
            "| | |",
        ]
        print("\n".join(lines[-5:]))
        print("engine:", m["engine"])
        notes = [
            f"Engine summary: {m['engine']}. The Mosquitto rate target is met when both the "
            "published and the stored rate reach it.",
            "",
            *notes,
        ]
    lines += [
        "",
        *notes,
        "",
        "Run: `.venv/bin/python bench/bench_live_ingest.py` (short runs; `--full` for 60 s, "
        "`--memory` for the 10-minute memory run).",
    ]
    if not args.no_write:
        write_section("Live ingest", "\n".join(lines))


if __name__ == "__main__":
    main()

"""Live cluster load test: the national-scale stream through Mosquitto into `perron live`
workers on PostgreSQL, with one worker killed (SIGKILL) and restarted during the run.

What it measures
  * a run of ``--minutes`` (10 by default) with two workers: the simulator's stream for all 397
    stations with ``--cameras-scale`` 6 (about 5,900 cameras), at ``--rate`` messages/s with a
    burst of ``--burst`` times the rate for 10 s every minute; worker A is killed at 40 % of the
    run and started again at 60 %. Reported: messages published (acknowledged by the broker) and
    events stored (equal when nothing is lost or doubled), alerts and distinct situations
    (de-duplication keys; equal when no situation is raised twice), p50/p99 event-to-alert
    latency (an alert's creation minus its first event's time) in normal running and for the
    alerts whose first event fell in the failover (from the kill until the survivor owned every
    station, plus 5 s; new situations are started at fresh stations from the kill on so that
    there are such alerts), and the takeover time (kill → survivor owns every station). The
    published messages are compared with the stored rows by identity (the ids the adapters give
    them; audio ONs, which have none, by count per camera and type); the rows that differ are
    printed;
  * throughput with 1 and with 2 workers: ``--backlog`` messages published as fast as the
    broker takes them into the running worker(s) (the stations divided among them), and the time
    until every event is stored.

PostgreSQL and Mosquitto are started for the run (as the test suite does).

Usage: .venv/bin/python bench/bench_live_cluster.py [--minutes M] [--rate R] [--backlog N]
       [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select, text

from perron.live import cameras, simulator
from perron.live.ingest import Context
from perron.live.mqtt import Publisher
from perron.live.sources import adapter_for, load_builtin
from perron.reference.load import load_reference
from perron.store.db import make_engine, transaction, upgrade
from perron.store.tables.cluster import LiveLease
from perron.store.tables.live import Alert, SensorEvent

from common import REPO, percentile, write_section

sys.path.insert(0, str(REPO / "tests"))
from services import mosquitto_broker, postgres_cluster  # noqa: E402

SCALE = 6
#: progress of the run, on stderr
log = Console(stderr=True)


def worker(url: str, broker, cid: str, logdir: Path) -> subprocess.Popen:
    env = dict(os.environ, PERRON_DATABASE_URL=url, PERRON_DATA_DIR=str(logdir))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perron.cli",
            "live",
            "--mqtt",
            f"mqtt://{broker[0]}:{broker[1]}",
            "--client-id",
            cid,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(logdir / f"{cid}-{time.time_ns()}.log").open("w"),
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def count(engine, model=SensorEvent) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar_one()


def owners(engine) -> dict[str, int]:
    with engine.connect() as c:
        rows = c.execute(
            select(LiveLease.owner, func.count())
            .where(
                LiveLease.key.startswith("station:"),
                LiveLease.owner.is_not(None),
                LiveLease.expires_at > datetime.now(UTC),
            )
            .group_by(LiveLease.owner)
        ).all()
    return dict(rows)


def wait(cond, timeout: float, step: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return False


def clear(engine) -> None:
    with engine.begin() as c:
        c.execute(
            text(
                "TRUNCATE sensor_event, alert, alert_transition, webhook_delivery, "
                "live_dead_letter RESTART IDENTITY CASCADE"
            )
        )


def throughput(url, engine, broker, logdir, n_workers: int, backlog: int, seed: int) -> dict:
    """Publish ``backlog`` messages as fast as the broker takes them into ``n_workers`` running
    workers; the time from the first publication until every event is stored."""
    clear(engine)
    names = [f"bench-tp{n_workers}-{i}-{seed}" for i in range(n_workers)]
    procs = [worker(url, broker, n, logdir) for n in names]
    n_stations = len({m.station for m in simulator.camera_mappings()})
    divided = wait(
        lambda: (
            len(o := owners(engine)) == n_workers
            and sum(o.values()) == n_stations
            and min(o.values()) >= n_stations // (n_workers + 1)
        ),
        180,
    )
    stream = simulator.Stream(seed, cameras_scale=SCALE)
    messages = [next(stream) for _ in range(backlog)]
    pub = Publisher(*broker, client_id=f"bench-tp-pub-{seed}")
    t0 = time.monotonic()
    for i, (topic, payload) in enumerate(messages):
        pub.publish(topic, payload)
        if i % 10_000 == 9_999:
            pub.wait(120)
    pub.wait(120)
    pub.close()
    published_s = time.monotonic() - t0
    ok = wait(lambda: count(engine) >= backlog, 900, 0.1)
    took = time.monotonic() - t0
    stored = count(engine)
    for p in procs:
        stop(p)
    return {
        "workers": n_workers,
        "stored": stored,
        "seconds": took,
        "published_s": published_s,
        "ok": ok,
        "divided": divided,
    }


#: new situations started in the failover: a crowd above the limit at a fresh station's platform
#: every FAILOVER_EVERY s for FAILOVER_FOR s from the kill on (the stations of both workers)
FAILOVER_EVERY = 0.5
FAILOVER_FOR = 15.0


def fresh_platforms(stream: simulator.Stream, n: int) -> list[str]:
    """``n`` stations with a platform camera where the stream has raised nothing yet."""
    used = {code for _, code, _ in stream.incidents}
    codes = sorted(
        {m.station for m in simulator.camera_mappings(SCALE) if m.zone == "platform"} - used
    )
    return codes[:: max(1, len(codes) // n)][:n]


def failover_incident(i: int, code: str) -> tuple[str, bytes]:
    body = {
        "id": f"bench-failover-{i}",
        "source": "counter",
        "kind": "crowd",
        "station": code,
        "zone": "platform",
        "count": 300,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    return "perron/events", json.dumps(body).encode()


def reconcile(engine, messages: list[tuple[str, bytes]]) -> dict:
    """Compare what was published with the stored rows: the ids the adapters give every message
    (an audio ON has no id of its own: those are compared as counts per camera and type)."""
    load_builtin()
    with transaction(engine) as s:
        ctx = Context.load(s)
    at = datetime.now(UTC)
    expected: dict[str, str] = {}
    audio_pub: Counter = Counter()
    unparsed = 0
    for topic, payload in messages:
        adapter = adapter_for(topic)
        events = adapter(topic, payload, ctx, at) if adapter else []
        if not events:
            unparsed += 1
        for e in events:
            if e.kind == "audio":
                audio_pub[(e.camera, e.label)] += 1
            else:
                expected[e.id] = topic
    with engine.connect() as c:
        rows = c.execute(select(SensorEvent.id, SensorEvent.camera, SensorEvent.label)).all()
    audio_got: Counter = Counter()
    stored_ids = set()
    for rid, camera, label in rows:
        if rid.startswith("frigate-audio:"):
            audio_got[(camera, label)] += 1
        else:
            stored_ids.add(rid)
    missing = sorted(set(expected) - stored_ids)
    extra = sorted(stored_ids - set(expected))
    audio_missing = {k: n - audio_got[k] for k, n in audio_pub.items() if n > audio_got[k]}
    audio_extra = {k: n - audio_pub[k] for k, n in audio_got.items() if n > audio_pub[k]}
    return {
        "unparsed": unparsed,
        "missing": missing,
        "extra": extra,
        "audio_missing": audio_missing,
        "audio_extra": audio_extra,
    }


def failover_run(
    url, engine, broker, logdir, minutes: float, rate: float, burst: float, incident_rate: float
) -> dict:
    clear(engine)
    a, b = "bench-live-a", "bench-live-b"
    procs = {a: worker(url, broker, a, logdir), b: worker(url, broker, b, logdir)}
    assert wait(lambda: len(owners(engine)) == 2, 120), "the workers did not start"
    seconds = minutes * 60
    pub = Publisher(*broker, client_id="bench-cluster-pub")
    stream = simulator.Stream(7, cameras_scale=SCALE, incident_rate=incident_rate)
    n_stations = len({m.station for m in simulator.camera_mappings()})
    start = time.monotonic()
    sent = 0
    killed_at = restarted_at = took_over_at = None
    messages: list[tuple[str, bytes]] = []
    burst_codes: list[str] = []
    burst_i = 0
    kill_wall = None
    owned_log: list[tuple[float, dict]] = []
    next_check = 0.0
    next_report = 30.0
    try:
        while True:
            now = time.monotonic()
            el = now - start
            if el >= seconds:
                break
            if el >= next_report:
                next_report += 30.0
                log.log(
                    f"{el:5.0f} s: {sent} published, {pub.pending()} not yet acknowledged by "
                    f"the broker, {count(engine)} stored, owners {owners(engine)}"
                )
            # the offered rate: `rate`, and `burst` times it during 10 s of every minute
            due = int(rate * el + (burst - 1) * rate * _burst_seconds(el))
            while sent < due:
                if pub.pending() >= 20_000:
                    break
                msg = next(stream)
                pub.publish(*msg)
                messages.append(msg)
                sent += 1
            # new situations in the failover window, one every FAILOVER_EVERY s
            if burst_codes and el >= killed_at + FAILOVER_EVERY * burst_i:
                msg = failover_incident(burst_i, burst_codes.pop(0))
                pub.publish(*msg)
                messages.append(msg)
                sent += 1
                burst_i += 1
            if killed_at is None and el >= 0.4 * seconds:
                procs[a].send_signal(signal.SIGKILL)
                procs[a].wait(10)
                killed_at, kill_wall = el, datetime.now(UTC)
                burst_codes = fresh_platforms(stream, int(FAILOVER_FOR / FAILOVER_EVERY))
            if killed_at is not None and took_over_at is None and now >= next_check:
                o = owners(engine)
                owned_log.append((el, o))
                if o.get(b) == n_stations:
                    took_over_at = el
                next_check = now + 0.1
            if restarted_at is None and el >= 0.6 * seconds:
                procs[a] = worker(url, broker, a, logdir)
                restarted_at = el
            time.sleep(0.002)
        if not pub.wait(300):
            log.log(f"the broker did not acknowledge {pub.pending()} messages within 300 s")
    finally:
        pub.close()
    published = sent
    drained = _drain(engine, published)
    rejoined = wait(lambda: len(owners(engine)) == 2, 60)
    stored = count(engine)
    with engine.connect() as c:
        alerts = c.execute(select(func.count()).select_from(Alert)).scalar_one()
        keys = c.execute(select(func.count(func.distinct(Alert.dedup_key)))).scalar_one()
        rows = c.execute(select(Alert.created_at, Alert.first_event_at)).all()
    for p in procs.values():
        stop(p)
    diff = reconcile(engine, messages)
    fail_end = (
        kill_wall + timedelta(seconds=(took_over_at - killed_at) + 5)
        if took_over_at is not None
        else None
    )
    normal, during = [], []
    for created, first in rows:
        ms = (created - first).total_seconds() * 1000
        if fail_end is not None and kill_wall <= first <= fail_end:
            during.append(ms)
        else:
            normal.append(ms)
    return {
        "seconds": seconds,
        "published": published,
        "stored": stored,
        "drained": drained,
        "alerts": alerts,
        "situations": keys,
        "normal": normal,
        "during": during,
        "takeover_s": (took_over_at - killed_at) if took_over_at is not None else None,
        "killed_at": killed_at,
        "restarted_at": restarted_at,
        "rejoined": rejoined,
        "rate": rate,
        "burst": burst,
        "diff": diff,
        "failover_incidents": burst_i,
    }


def _drain(engine, published: int) -> bool:
    """Wait until every message is stored, or nothing more is stored for 30 s."""
    last, since = -1, time.monotonic()
    end = time.monotonic() + 300
    while time.monotonic() < end:
        n = count(engine)
        if n >= published:
            return True
        if n != last:
            if n // 10_000 != last // 10_000:
                log.log(f"draining: {n} of {published} stored")
            last, since = n, time.monotonic()
        elif time.monotonic() - since > 30:
            return False
        time.sleep(0.5)
    return False


def _burst_seconds(el: float) -> float:
    """Seconds of burst up to ``el``: 10 s (45–55 s) of every minute."""
    full, rest = divmod(el, 60)
    return full * 10 + min(max(rest - 45, 0), 10)


def fmt(values: list[float]) -> str:
    if not values:
        return "— (none)"
    return (
        f"p99 {percentile(values, 99):.0f} ms (p50 {percentile(values, 50):.0f} ms, "
        f"{len(values)} alerts)"
    )


def _diff_count(d: dict) -> int:
    return (
        len(d["missing"])
        + len(d["extra"])
        + sum(d["audio_missing"].values())
        + sum(d["audio_extra"].values())
        + d["unparsed"]
    )


def _diff_text(d: dict) -> str:
    missing = len(d["missing"]) + sum(d["audio_missing"].values())
    extra = len(d["extra"]) + sum(d["audio_extra"].values())
    audio = sum(d["audio_missing"].values()) + sum(d["audio_extra"].values())
    return f"{missing} / {extra} (of which audio ONs: {audio}; unreadable: {d['unparsed']})"


def print_diff(d: dict) -> None:
    """The rows that differ, for inspection (not written to the report)."""
    for name in ("missing", "extra"):
        for rid in d[name][:30]:
            print(f"{name}: {rid}")
    for name in ("audio_missing", "audio_extra"):
        for (camera, label), n in sorted(d[name].items())[:30]:
            print(f"{name}: {camera} {label} ×{n}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=300.0, help="messages/s in normal running")
    ap.add_argument("--burst", type=float, default=3.0, help="rate factor during bursts")
    ap.add_argument("--backlog", type=int, default=30_000)
    ap.add_argument(
        "--incident-rate",
        type=float,
        default=0.01,
        help="share of new situations that are incidents",
    )
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--logs", type=Path, help="keep the workers' logs in this directory")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with ExitStack() as stack:
        pg = stack.enter_context(postgres_cluster())
        broker = stack.enter_context(mosquitto_broker())
        logdir = args.logs or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        logdir.mkdir(parents=True, exist_ok=True)
        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text('CREATE DATABASE "bench_cluster"'))
        admin.dispose()
        url = pg.rsplit("/", 1)[0] + "/bench_cluster"
        upgrade(url)
        engine = make_engine(url)
        with transaction(engine) as s:
            load_reference(s)
            cameras.replace(s, simulator.camera_mappings(SCALE))
        n_cameras = len(simulator.camera_mappings(SCALE))
        tp = []
        for n in (1, 2):
            log.log(f"throughput with {n} worker(s): a backlog of {args.backlog} messages")
            tp.append(throughput(url, engine, broker, logdir, n, args.backlog, seed=20 + n))
        log.log(f"failover run of {args.minutes:g} min")
        run = failover_run(
            url, engine, broker, logdir, args.minutes, args.rate, args.burst, args.incident_rate
        )
        engine.dispose()
    load_end = os.getloadavg()[0]
    ratio = (tp[1]["stored"] / tp[1]["seconds"]) / (tp[0]["stored"] / tp[0]["seconds"])
    lines = [
        f"Load average: {load:.1f} at the start, {load_end:.1f} at the end, on 2 cores shared "
        "with other work (PostgreSQL, Mosquitto, the workers and the publisher all on this "
        "machine). The stream is synthetic (the simulator's).",
        "",
        "| Measure | Result | Target | |",
        "|---|---|---|---|",
        f"| run | {run['seconds'] / 60:g} min, 397 stations, {n_cameras:,} cameras, "
        f"{run['rate']:g} msg/s with bursts of {run['burst']:g}× for 10 s a minute | "
        "10 min | " + ("**met**" if run["seconds"] >= 600 else "shortened") + " |",
        f"| events stored = messages published | {run['stored']:,} = {run['published']:,} | "
        f"equal | {'**met**' if run['stored'] == run['published'] else '**not met**'} |",
        f"| published messages not stored / stored rows not published (by identity) | "
        f"{_diff_text(run['diff'])} | none | "
        f"{'**met**' if not _diff_count(run['diff']) else '**not met**'} |",
        f"| alerts = situations (distinct keys) | {run['alerts']:,} = {run['situations']:,} | "
        f"equal | {'**met**' if run['alerts'] == run['situations'] else '**not met**'} |",
        f"| event-to-alert latency, normal running | {fmt(run['normal'])} | | |",
        f"| event-to-alert latency, first event in the failover | {fmt(run['during'])} | | |",
        "| takeover (SIGKILL of a worker → the other owns every station) | "
        + (f"{run['takeover_s']:.1f} s" if run["takeover_s"] is not None else "did not happen")
        + " | ≤ 10 s | "
        + (
            "**met**"
            if run["takeover_s"] is not None and run["takeover_s"] <= 10
            else "**not met**"
        )
        + " |",
        f"| killed worker restarted and given its share again | "
        f"{'yes' if run['rejoined'] else 'no'} | yes | "
        f"{'**met**' if run['rejoined'] else '**not met**'} |",
        f"| throughput, 1 worker (backlog of {tp[0]['stored']:,}) | "
        f"{tp[0]['stored'] / tp[0]['seconds']:,.0f} events/s | | |",
        f"| throughput, 2 workers (backlog of {tp[1]['stored']:,}) | "
        f"{tp[1]['stored'] / tp[1]['seconds']:,.0f} events/s | | |",
        f"| ratio 2 workers / 1 worker | {ratio:.2f} | | |",
        "",
        f"Worker A was killed at {run['killed_at']:.0f} s and started again at "
        f"{run['restarted_at']:.0f} s. From the kill on, {run['failover_incidents']} new "
        f"situations were started, one every {FAILOVER_EVERY:g} s for {FAILOVER_FOR:g} s (a "
        "crowd above the limit at a platform of a station with no alert yet, of either worker); "
        "the failover latency is of the alerts whose first event fell between the kill and 5 s "
        "after the takeover. Stored and published are compared by identity: the bench reads "
        "every message it published with the adapters and looks up the event ids among the "
        "stored rows (audio ONs, which carry no id, by their count per camera and type). Event-to-alert latency is an alert's creation time minus "
        "the time of its first event (for Frigate events the time in the message, for audio the "
        "time of receipt). Throughput: a burst of messages published as fast as the broker takes "
        "them into the running worker(s), divided by the time until all are stored; with two "
        "workers every worker "
        "reads every message (each stores its own stations), and on this 2-core machine the "
        "workers, PostgreSQL and Mosquitto share the same cores, so the ratio says what a second "
        "worker adds here, not on separate machines.",
        "",
        f"Run: `.venv/bin/python bench/bench_live_cluster.py --minutes {args.minutes:g} "
        f"--rate {args.rate:g} --backlog {args.backlog} --incident-rate {args.incident_rate:g}`"
        " (incidents are over-represented to have enough alerts to take percentiles of).",
    ]
    body = "\n".join(lines)
    print_diff(run["diff"])
    print(body)
    if not args.no_write:
        write_section("Live cluster: two workers on PostgreSQL, failover", body)


if __name__ == "__main__":
    main()

"""Two `perron live` workers on one PostgreSQL and one Mosquitto: the stations are divided by
leases; one worker is killed (SIGKILL) during a simulated stream and restarted. Nothing is lost,
nothing is stored or alerted twice, the survivor takes the stations over and the restarted worker
gets its share back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from perron.live import cameras, simulator
from perron.live.cluster import status
from perron.live.ingest import Context
from perron.live.rules import Correlator
from perron.live.sources import adapter_for, load_builtin
from perron.store.db import make_engine, session_factory, transaction
from perron.store.tables.cluster import LiveDeadLetter, LiveLease
from perron.store.tables.live import Alert, SensorEvent

pytestmark = [pytest.mark.mqtt, pytest.mark.slow]
N = 2400
RATE = 150.0
SEED = 18
INCIDENTS = 0.03
AUDIO = "frigate-audio:"


def _cli(url: str, tmp_path, *args: str, log: str) -> subprocess.Popen:
    env = dict(os.environ, PERRON_DATABASE_URL=url, PERRON_DATA_DIR=str(tmp_path))
    with (tmp_path / f"{log}-{time.time_ns()}.log").open("w") as err:  # the child keeps its copy
        return subprocess.Popen(
            [sys.executable, "-m", "perron.cli", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _worker(url, broker, cid, tmp_path, *extra: str) -> subprocess.Popen:
    return _cli(
        url,
        tmp_path,
        "live",
        "--mqtt",
        f"mqtt://{broker[0]}:{broker[1]}",
        "--client-id",
        cid,
        "--lease-s",
        "3",
        *extra,
        log=cid,
    )


def _wait(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _expected(ctx: Context, start: float) -> tuple[set[str], set[str]]:
    """The event ids and the alert keys the stream must give: the same messages (same seed,
    same clock) read by the same adapters and correlated in one process."""
    load_builtin()
    made = iter(range(N + 1))
    stream = simulator.Stream(
        SEED, clock=lambda: start + next(made, N) / RATE, incident_rate=INCIDENTS
    )
    received = datetime.now(UTC)
    events = {}
    for _ in range(N):
        topic, payload = next(stream)
        for e in adapter_for(topic)(topic, payload, ctx, received):
            events.setdefault(e.id, e)
    # audio events take their time from their receipt, which only the run knows: the reference
    # gives the alert keys of the rules that do not listen to audio
    corr = Correlator()
    keys = set()
    for e in sorted(events.values(), key=lambda e: e.occurred_at):
        if e.kind != "audio":
            keys.update(c.dedup_key for c in corr.feed(e))
    return set(events), keys


def _audio_rules() -> set[str]:
    corr = Correlator()
    return {
        st.rule.id
        for signal in ("yell", "scream")
        for st in corr._by_signal.get(signal, ())  # noqa: SLF001 - the rules' own signals
    }


def _owners(sessions) -> dict[str, int]:
    with sessions() as s:
        rows = s.execute(
            select(LiveLease.owner, func.count())
            .where(LiveLease.key.startswith("station:"), LiveLease.owner.is_not(None))
            .group_by(LiveLease.owner)
        ).all()
    return dict(rows)


def test_two_workers_failover_loses_and_doubles_nothing(postgres_url, mqtt_broker, tmp_path):
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    with transaction(engine) as s:
        cameras.replace(s, simulator.camera_mappings())
    with sessions() as s:
        ctx = Context.load(s)
    start = (datetime.now(UTC) - timedelta(minutes=2)).timestamp()
    ids, keys = _expected(ctx, start)
    assert len(ids) == N and keys, "the reference stream gives no alerts"
    tag = uuid.uuid4().hex[:6]
    a, b = f"live-a-{tag}", f"live-b-{tag}"
    workers = {a: _worker(postgres_url, mqtt_broker, a, tmp_path)}
    sim = None
    try:
        workers[b] = _worker(postgres_url, mqtt_broker, b, tmp_path)
        n_stations = len(ctx.stations)
        # both are up and have divided the stations
        assert _wait(
            lambda: (
                len(o := _owners(sessions)) == 2
                and sum(o.values()) == n_stations
                and min(o.values()) >= n_stations // 3
            ),
            60,
        ), f"the stations were not divided: {_owners(sessions)}"
        sim = _cli(
            postgres_url,
            tmp_path,
            "simulate",
            "--mqtt",
            f"mqtt://{mqtt_broker[0]}:{mqtt_broker[1]}",
            "--count",
            str(N),
            "--seed",
            str(SEED),
            "--rate",
            str(RATE),
            "--incident-rate",
            str(INCIDENTS),
            "--start",
            datetime.fromtimestamp(start, UTC).isoformat(),
            log="simulate",
        )

        def stored() -> int:
            with engine.connect() as c:
                return c.execute(select(func.count()).select_from(SensorEvent)).scalar_one()

        assert _wait(lambda: stored() > N // 5, 60), "nothing was stored"
        workers[a].send_signal(signal.SIGKILL)
        workers[a].wait(10)
        killed_at = stored()
        # the survivor takes every station over once the leases of the killed one expire
        assert _wait(lambda: _owners(sessions) == {b: n_stations}, 30), _owners(sessions)
        # ...and the killed worker, restarted, gets its share back
        workers[a] = _worker(postgres_url, mqtt_broker, a, tmp_path)
        assert _wait(
            lambda: len(o := _owners(sessions)) == 2 and min(o.values()) >= n_stations // 3,
            60,
        ), f"the restarted worker did not rejoin: {_owners(sessions)}"
        assert sim.wait(120) == 0, "the simulator failed"
        assert killed_at < N, "the kill came too late to test anything"
        assert _wait(lambda: stored() == N, 60), f"stored {stored()} of {N}"

        # health: both alive with their stations; the survivor has committed (the restarted
        # worker may find nothing left to store when the stream ended during its rejoin)
        def healthy() -> bool:
            by_id = {w["client_id"]: w for w in _status(sessions)["workers"]}
            return (
                all(by_id.get(c, {}).get("alive") and by_id[c]["owned_stations"] for c in (a, b))
                and by_id[b]["last_commit_at"] is not None
            )

        assert _wait(healthy, 30), _status(sessions)["workers"]
        with sessions() as s:
            got_ids = set(s.scalars(select(SensorEvent.id)))
            per_key = s.execute(
                select(Alert.dedup_key, func.count()).group_by(Alert.dedup_key)
            ).all()
            letters = s.scalar(select(func.count()).select_from(LiveDeadLetter))
            health = status(s)
        # audio ON messages carry no id (theirs is made from the time of receipt): those are
        # compared by camera and type, the others by id
        assert {i for i in got_ids if not i.startswith(AUDIO)} == {
            i for i in ids if not i.startswith(AUDIO)
        }
        assert sorted(i.rsplit(":", 1)[0] for i in got_ids if i.startswith(AUDIO)) == sorted(
            i.rsplit(":", 1)[0] for i in ids if i.startswith(AUDIO)
        )
        audio_rules = _audio_rules()
        assert {k for k, _ in per_key if k.split(":")[0] not in audio_rules} == keys
        assert all(n == 1 for _, n in per_key), [kn for kn in per_key if kn[1] > 1]
        assert letters == 0
        by_id = {w["client_id"]: w for w in health["workers"]}
        assert _wait(
            lambda: all(
                w["alive"] for w in _status(sessions)["workers"] if w["client_id"] in (a, b)
            ),
            30,
        )
        assert by_id[b]["takeovers"] >= 1
        assert len(by_id[a]["owned_stations"]) + len(by_id[b]["owned_stations"]) == n_stations
    finally:
        if sim is not None and sim.poll() is None:
            sim.kill()
        for proc in workers.values():
            _stop(proc)
        engine.dispose()


def test_flood_and_bad_messages_are_kept_aside_and_do_not_stop_a_worker(
    postgres_url, mqtt_broker, tmp_path
):
    from perron.live.mqtt import Publisher

    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    with transaction(engine) as s:
        cameras.replace(s, [cameras.Mapping("ut_hall_1", "", "UT", "hall")])
    cid = f"live-bad-{uuid.uuid4().hex[:6]}"
    proc = _worker(postgres_url, mqtt_broker, cid, tmp_path)
    pub = Publisher(*mqtt_broker, client_id=f"pub-{cid}")
    try:
        assert _wait(lambda: _owners(sessions).get(cid, 0) > 0, 60)
        now = datetime.now(UTC).isoformat()

        def generic(i: int, station: str) -> str:
            return json.dumps(
                {
                    "id": f"{station}-{i}",
                    "source": "flood",
                    "kind": "detection",
                    "label": "person",
                    "station": station,
                    "zone": "hall",
                    "occurred_at": now,
                }
            )

        # a flood from one station, then one event of another, then bad messages
        for i in range(3000):
            pub.publish("perron/events", generic(i, "ASD"))
        pub.publish("perron/events", generic(0, "UT"))
        pub.publish("perron/events", b"{not json")
        pub.publish("perron/events", b'{"id": "x"}')
        pub.publish("perron/events", generic(1, "NOPE"))
        pub.publish("perron/events", b"x" * (300 * 1024))
        pub.publish("frigate/nowhere_cam/audio/yell", b"ON")
        pub.publish("frigate/ut_hall_1/audio/yell", b"ON")
        assert pub.wait(30)

        def count() -> int:
            with engine.connect() as c:
                return c.execute(select(func.count()).select_from(SensorEvent)).scalar_one()

        assert _wait(lambda: count() == 3002, 60), count()
        assert _wait(lambda: len(_reasons(sessions)) == 5, 30), _reasons(sessions)
        reasons = _reasons(sessions)
        with sessions() as s:
            sizes = dict(s.execute(select(LiveDeadLetter.reason, LiveDeadLetter.size)).all())
        assert reasons == [
            "malformed",
            "malformed",
            "oversized",
            "unknown_camera",
            "unknown_station",
        ], reasons
        assert sizes["oversized"] == 300 * 1024
        assert proc.poll() is None, "the worker stopped"

        def health() -> dict:
            with sessions() as s:
                return {w["client_id"]: w for w in status(s)["workers"]}[cid]

        assert _wait(lambda: health()["dead_letters"] == 5, 30), health()
    finally:
        pub.close()
        _stop(proc)
        engine.dispose()


def _reasons(sessions) -> list[str]:
    with sessions() as s:
        return sorted(s.scalars(select(LiveDeadLetter.reason)))


def _status(sessions) -> dict:
    with sessions() as s:
        return status(s)


def _lag(sessions, client_id: str) -> float:
    from perron.store.tables.cluster import LiveWorker

    with sessions() as s:
        return s.scalar(select(LiveWorker.lag_s).where(LiveWorker.client_id == client_id)) or 0.0


def test_a_worker_killed_far_behind_loses_nothing(postgres_url, mqtt_broker, tmp_path):
    """A worker killed while it is seconds behind, after a burst far above what the workers store
    per second (in which stations also move between them when a busy worker misses a lease
    renewal): the survivor kept every message the killed worker had not stored and stores it."""
    n = 8000
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    with transaction(engine) as s:
        cameras.replace(s, simulator.camera_mappings())
    start = (datetime.now(UTC) - timedelta(minutes=2)).timestamp()
    tag = uuid.uuid4().hex[:6]
    a, b = f"lag-a-{tag}", f"lag-b-{tag}"
    # small batches: more commits per message, so the burst leaves a worker seconds behind
    small = ("--batch-max", "100")
    workers = {a: _worker(postgres_url, mqtt_broker, a, tmp_path, *small)}
    sim = None
    try:
        workers[b] = _worker(postgres_url, mqtt_broker, b, tmp_path, *small)
        with sessions() as s:
            n_stations = len(Context.load(s).stations)
        assert _wait(
            lambda: len(o := _owners(sessions)) == 2 and sum(o.values()) == n_stations, 60
        ), _owners(sessions)
        # far more than the workers store per second, all at once: a backlog builds up
        sim = _cli(
            postgres_url,
            tmp_path,
            "simulate",
            "--mqtt",
            f"mqtt://{mqtt_broker[0]}:{mqtt_broker[1]}",
            "--count",
            str(n),
            "--seed",
            "7",
            "--rate",
            "50000",
            "--start",
            datetime.fromtimestamp(start, UTC).isoformat(),
            log="simulate",
        )

        def stored() -> int:
            with engine.connect() as c:
                return c.execute(select(func.count()).select_from(SensorEvent)).scalar_one()

        behind = _wait(lambda: _lag(sessions, a) > 3.0 and stored() < n - 500, 90)
        lag = _lag(sessions, a)
        assert behind, f"worker a did not fall behind (lag {lag:.1f} s, {stored()} stored)"
        workers[a].send_signal(signal.SIGKILL)
        workers[a].wait(10)
        killed_at = stored()
        assert sim.wait(120) == 0, "the simulator failed"
        assert _wait(lambda: _owners(sessions) == {b: n_stations}, 60), _owners(sessions)
        assert killed_at < n
        final = [0]

        def settled() -> bool:
            # done when nothing has been added for a while (no fixed count to wait for)
            now = stored()
            if now == final[0] and _lag(sessions, b) == 0.0:
                return True
            final[0] = now
            time.sleep(3)
            return False

        assert _wait(settled, 180)
        with sessions() as s:
            got = s.execute(
                select(SensorEvent.id).where(~SensorEvent.id.startswith(AUDIO))
            ).scalars()
            got_ids = set(got)
            n_audio = s.scalar(
                select(func.count())
                .select_from(SensorEvent)
                .where(SensorEvent.id.startswith(AUDIO))
            )
        with sessions() as s:
            ctx = Context.load(s)
        expected, audio = set(), 0
        load_builtin()
        made = iter(range(n + 1))
        stream = simulator.Stream(7, clock=lambda: start + next(made, n) / 50000)
        received = datetime.now(UTC)
        for _ in range(n):
            topic, payload = next(stream)
            for e in adapter_for(topic)(topic, payload, ctx, received):
                if e.id.startswith(AUDIO):
                    audio += 1
                else:
                    expected.add(e.id)
        missing = expected - got_ids
        assert not missing, f"{len(missing)} of {len(expected)} events lost (lag was {lag:.1f} s)"
        assert got_ids == expected
        assert n_audio == audio
    finally:
        if sim is not None and sim.poll() is None:
            sim.kill()
        for proc in workers.values():
            _stop(proc)
        engine.dispose()

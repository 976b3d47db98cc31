"""Operations of the live cluster: backup and restore, `perron live status`, the leader lease,
fencing of a worker whose station was taken over, fair batches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from perron.access import audit
from perron.domain.events import Event
from perron.live.cluster import LeaderLease, StationLeases, report_health
from perron.live.engine import Item, LiveEngine
from perron.store.db import make_engine, session_factory, transaction
from perron.store.tables.cluster import LiveLease

from services import _pg_bindir

pytestmark = pytest.mark.postgres


def _perron(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PERRON_DATABASE_URL=url, PERRON_DATA_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "perron.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_restored_backup_passes_audit_verify(postgres_url, tmp_path):
    engine = make_engine(postgres_url)
    with transaction(engine) as s:
        for i in range(25):
            audit.record(
                s,
                actor="backup-test",
                party="prorail",
                purpose="operational",
                action="events.ingest",
                subject=f"events:test-{i}",
                detail={"i": i},
            )
    engine.dispose()
    bindir = _pg_bindir()
    libpq = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    dump = tmp_path / "perron.dump"
    subprocess.run(
        [str(bindir / "pg_dump"), "-Fc", "--no-owner", "-f", str(dump), libpq],
        check=True,
        timeout=300,
    )
    restored = postgres_url.rsplit("/", 1)[0] + f"/restored_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{restored.rsplit("/", 1)[1]}"'))
    try:
        subprocess.run(
            [str(bindir / "pg_restore"), "--no-owner", "-d", _libpq(restored), str(dump)],
            check=True,
            timeout=300,
        )
        r = _perron(restored, tmp_path, "audit", "verify", "--json")
        assert r.returncode == 0, r.stdout + r.stderr
        result = json.loads(r.stdout)
        assert result["ok"] is True and result["checked"] >= 25
        # the restored chain is the original one: a changed entry is found
        eng = make_engine(restored)
        with eng.begin() as c:
            c.execute(
                text("UPDATE audit_entry SET actor = 'someone-else' WHERE actor = 'backup-test'")
            )
        eng.dispose()
        r = _perron(restored, tmp_path, "audit", "verify")
        assert r.returncode == 1 and "BROKEN" in r.stdout
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{restored.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_leases_divide_fence_and_move(postgres_url):
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    stations = ["ASD", "UT", "RTD", "GVC", "EHV"]
    a, b = StationLeases("a", ttl_s=5), StationLeases("b", ttl_s=5)
    t0 = datetime.now(UTC)

    def beat(leases, now):
        with sessions() as s, s.begin():
            report_health(
                s,
                leases.client_id,
                started_at=t0,
                last_commit_at=None,
                lag_s=0,
                stations=len(leases.owned),
                detail={},
                now=now,
            )
            return leases.tick(s, stations, now=now)

    assert beat(a, t0).gained == set(stations)  # alone: all of them
    got = beat(b, t0 + timedelta(seconds=1))
    assert got.gained == set() and got.workers == 2  # all are taken and not expired
    got = beat(a, t0 + timedelta(seconds=2))  # a sees b: gives back what exceeds its share
    assert len(a.owned) == 3 and len(got.lost) == 2
    got = beat(b, t0 + timedelta(seconds=3))
    assert got.gained == got.gained & set(stations) and len(b.owned) == 2
    assert set(a.owned).isdisjoint(b.owned)
    # a stops renewing (killed); after the expiry b takes everything, with a new epoch
    old = dict(a.owned)
    beat(b, t0 + timedelta(seconds=9))
    assert set(b.owned) == set(stations)
    assert all(b.owned[s] > e for s, e in old.items())
    # a comes back believing it owns its stations: its writes are fenced off
    with sessions() as s, s.begin():
        assert a.fence(s, old) == set()
    assert a.owned == {}
    with sessions() as s, s.begin():
        assert b.fence(s, stations) == set(stations)
    engine.dispose()


def test_a_lagging_worker_gives_back_what_it_read_after_the_newcomer_joined(postgres_url):
    """Stations with messages waiting are given back once what was read of them before the
    newcomer joined is stored, however much waits after that."""
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    stations = ["ASD", "UT", "RTD", "GVC"]
    a, b = StationLeases("a", ttl_s=25), StationLeases("b", ttl_s=25)
    t0 = datetime.now(UTC)

    def beat(leases, now, joined=None, lag=0.0, waiting=None):
        with sessions() as s, s.begin():
            report_health(
                s,
                leases.client_id,
                started_at=t0,
                last_commit_at=None,
                lag_s=lag,
                stations=len(leases.owned),
                detail={"joined_at": joined.isoformat() if joined else None},
                now=now,
            )
            return leases.tick(s, stations, now=now, waiting_since=waiting)

    joined_a = t0
    assert beat(a, t0, joined_a, lag=40.0).gained == set(stations)
    # b joins at t0+10 s; a has messages waiting at every station, two of them read before
    joined_b = t0 + timedelta(seconds=10)
    got = beat(b, joined_b, joined_b)
    assert got.gained == set() and got.workers == 2
    waiting = {
        "ASD": joined_b - timedelta(seconds=30),  # read long before b joined: kept
        "GVC": joined_b - timedelta(seconds=30),
        "RTD": joined_b + timedelta(seconds=1),  # read after b joined: may go
        "UT": joined_b - timedelta(seconds=1),  # within the margin: may go
    }
    got = beat(a, joined_b + timedelta(seconds=1), joined_a, waiting=waiting)
    assert got.lost == {"RTD", "UT"} and set(a.owned) == {"ASD", "GVC"}
    got = beat(b, joined_b + timedelta(seconds=2), joined_b)
    assert got.gained == {"RTD", "UT"} == got.handed_over
    # a newcomer that states no joining time: a keeps every station with messages waiting
    with sessions() as s, s.begin():
        report_health(
            s,
            "b",
            started_at=t0,
            last_commit_at=None,
            lag_s=0,
            stations=2,
            detail={},
            now=joined_b + timedelta(seconds=3),
        )
    got = beat(a, joined_b + timedelta(seconds=3), joined_a, waiting=dict.fromkeys(stations, t0))
    assert got.lost == set()
    engine.dispose()


def test_leader_lease_has_one_holder(postgres_url):
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    one, two = LeaderLease("escalation", "api-1", ttl_s=5), LeaderLease("escalation", "api-2")
    t0 = datetime.now(UTC)
    with sessions() as s, s.begin():
        assert one.held(s, t0)
    with sessions() as s, s.begin():
        assert not two.held(s, t0 + timedelta(seconds=1))
    with sessions() as s, s.begin():
        assert one.held(s, t0 + timedelta(seconds=4))  # renewed
    with sessions() as s, s.begin():
        assert not two.held(s, t0 + timedelta(seconds=8))
    with sessions() as s, s.begin():
        assert two.held(s, t0 + timedelta(seconds=10))  # expired: taken over
        first_epoch = two.epoch
    with sessions() as s, s.begin():
        assert not one.held(s, t0 + timedelta(seconds=11))
        two.release(s)
    with sessions() as s, s.begin():
        assert one.held(s, t0 + timedelta(seconds=12)) and one.epoch > first_epoch
    with sessions() as s:
        n = s.scalar(select(func.count()).select_from(LiveLease))
    assert n == 1
    engine.dispose()


def test_live_status_shows_workers_and_stations(postgres_url, tmp_path):
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    leases = StationLeases("worker-1", ttl_s=600)
    now = datetime.now(UTC)
    with sessions() as s, s.begin():
        report_health(
            s,
            "worker-1",
            started_at=now,
            last_commit_at=now,
            lag_s=0.25,
            stations=0,
            detail={"messages": 7, "lease_s": 600},
        )
        leases.tick(s, ["UT", "ASD"])
    engine.dispose()
    r = _perron(postgres_url, tmp_path, "live", "status", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    (w,) = data["workers"]
    assert w["client_id"] == "worker-1" and w["alive"] is True
    assert w["owned_stations"] == ["ASD", "UT"] and w["lag_s"] == 0.25
    assert w["last_commit_at"] is not None and w["messages"] == 7
    assert data["stations_unowned"] == 0
    r = _perron(postgres_url, tmp_path, "live", "status")
    assert r.returncode == 0 and "worker-1" in r.stdout and "2 stations" in r.stdout


def test_a_flood_from_one_station_does_not_hold_back_the_others(sqlite_url):
    eng = LiveEngine(sqlite_url, "127.0.0.1", 1, batch_max=100)
    try:
        now = datetime.now(UTC)

        def item(station: str, i: int) -> Item:
            e = Event(f"{station}-{i}", "t", "detection", "person", station, "hall", now, now)
            return Item(station, [e], i, 1, 0.0)

        eng.pending = {
            "ASD": deque(item("ASD", i) for i in range(5000)),
            "UT": deque([item("UT", 0), item("UT", 1)]),
            "RTD": deque([item("RTD", 0)]),
        }
        batch = eng._select()
        assert len(batch) == 100
        assert sorted(i.station for i in batch if i.station != "ASD") == ["RTD", "UT", "UT"]
        assert len(eng.pending["ASD"]) == 5000 - 97
    finally:
        eng.engine.dispose()


def test_live_and_simulate_name_the_bad_option():
    from typer.testing import CliRunner

    from perron.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["live"])
    assert r.exit_code != 0 and "--mqtt" in r.output
    r = runner.invoke(app, ["live", "--mqtt", "mqtt://127.0.0.1:1", "--lease-s", "0.5"])
    assert r.exit_code != 0 and "--lease-s" in r.output
    r = runner.invoke(app, ["simulate", "--mqtt", "mqtt://127.0.0.1:1", "--count", "0"])
    assert r.exit_code != 0 and "--count" in r.output
    r = runner.invoke(
        app, ["simulate", "--mqtt", "mqtt://127.0.0.1:1", "--count", "5", "--start", "noon"]
    )
    assert r.exit_code != 0 and "--start" in r.output
    r = runner.invoke(app, ["simulate", "--mqtt", "mqtt://127.0.0.1:1", "--start", "2026-01-01Z"])
    assert r.exit_code != 0 and "--count" in r.output

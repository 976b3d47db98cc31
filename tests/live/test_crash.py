"""Kill `perron live` during load: nothing acknowledged is lost, nothing is stored or alerted
twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from perron.live.mqtt import Publisher
from perron.store.db import make_engine
from perron.store.tables.live import Alert, SensorEvent

from .ingestkit import map_cameras

pytestmark = pytest.mark.mqtt
N = 3000
STATIONS = ("UT", "ASD", "RTD", "GVC", "EHV", "AMF")


def _live(url: str, broker, cid: str, tmp_path) -> subprocess.Popen:
    env = dict(os.environ, PERRON_DATABASE_URL=url, PERRON_DATA_DIR=str(tmp_path))
    log = (tmp_path / f"live-{time.time_ns()}.log").open("w")
    with log:  # the child has its own copy of the file
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
            stderr=log,
        )


def _stored(engine) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(SensorEvent)).scalar_one()


def _wait(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def _events() -> list[tuple[str, str]]:
    """N generic events with stable ids: people detections, and help-point presses that each
    open one alert per station (later presses within the cool-down update it)."""
    now = datetime.now(UTC).isoformat()
    out = []
    for i in range(N):
        station = STATIONS[i % len(STATIONS)]
        kind = "help_point" if i % 250 == 7 else "detection"
        body = {
            "id": f"e{i}",
            "source": "crash",
            "kind": kind,
            "label": "person" if kind == "detection" else None,
            "station": station,
            "zone": "platform",
            "occurred_at": now,
        }
        out.append((f"crash:e{i}", json.dumps({k: v for k, v in body.items() if v is not None})))
    return out


def test_kill_during_load_loses_and_doubles_nothing(sqlite_url, mqtt_broker, tmp_path):
    map_cameras(sqlite_url, [])
    cid = f"crash-{uuid.uuid4().hex[:8]}"
    engine = make_engine(sqlite_url)
    pub = Publisher(*mqtt_broker, client_id=f"pub-{cid}")
    proc = _live(sqlite_url, mqtt_broker, cid, tmp_path)
    try:
        # wait until the engine has subscribed (its persistent session exists): a probe arrives
        probe = {
            "id": "probe",
            "source": "crash",
            "kind": "detection",
            "label": "person",
            "station": "UT",
            "zone": "hall",
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        pub.publish("perron/events", json.dumps(probe))
        assert _wait(
            lambda: (
                _stored(engine) == 1 or (pub.publish("perron/events", json.dumps(probe)) and False)
            ),
            20,
        )
        events = _events()

        def send() -> None:
            for _id, body in events:
                pub.publish("perron/events", body)
                time.sleep(0.0003)

        sender = threading.Thread(target=send)
        sender.start()
        assert _wait(lambda: _stored(engine) > 1 + N // 4, 20), "the engine stored nothing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed_at = _stored(engine)
        sender.join(30)
        assert pub.wait(20), "the broker did not acknowledge every message"
        assert killed_at < 1 + N, "the kill came too late to test anything"
        proc = _live(sqlite_url, mqtt_broker, cid, tmp_path)
        assert _wait(lambda: _stored(engine) == 1 + N, 25), f"stored {_stored(engine)} of {1 + N}"
        # the broker delivers a session's messages in order, redeliveries first: once a marker
        # published now is stored, anything redelivered late has been handled before it
        marker = dict(probe, id="marker", occurred_at=datetime.now(UTC).isoformat())
        pub.publish("perron/events", json.dumps(marker))
        assert pub.wait(10)
        assert _wait(lambda: _stored(engine) == 2 + N, 25), f"stored {_stored(engine)} of {2 + N}"
        with engine.connect() as c:
            ids = {
                i for (i,) in c.execute(select(SensorEvent.id).where(SensorEvent.source == "crash"))
            }
            alerts = c.execute(
                select(Alert.dedup_key, func.count()).group_by(Alert.dedup_key)
            ).all()
        assert ids == {i for i, _ in events} | {"crash:probe", "crash:marker"}
        presses = {STATIONS[i % len(STATIONS)] for i in range(N) if i % 250 == 7}
        assert {k for k, _ in alerts} == {f"help_point:{s}:platform" for s in presses}
        assert all(n == 1 for _, n in alerts), alerts
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        pub.close()
        engine.dispose()

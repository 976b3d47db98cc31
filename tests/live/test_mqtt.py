"""The live engine against a real Mosquitto: Frigate and generic events in, alerts out."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from perron.live.engine import LiveEngine
from perron.live.mqtt import Publisher
from perron.store.db import make_engine
from perron.store.tables.live import Alert, SensorEvent

from .ingestkit import examples, frigate_event, map_cameras

pytestmark = pytest.mark.mqtt


def _count(url: str, model, *where) -> int:
    engine = make_engine(url)
    with engine.connect() as c:
        n = c.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
    engine.dispose()
    return n


def _wait(cond, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def _start(url: str, broker, client_id: str) -> tuple[LiveEngine, threading.Thread]:
    eng = LiveEngine(url, *broker, client_id=client_id)
    th = threading.Thread(target=eng.run, daemon=True)
    th.start()
    assert eng.ready.wait(10)  # set once the broker acknowledged the subscription
    return eng, th


def test_events_alerts_duplicates_and_persistent_session(sqlite_url, mqtt_broker):
    map_cameras(
        sqlite_url, [("ut_tunnel_1", "", "UT", "tunnel"), ("front_door", "", "ASD", "hall")]
    )
    cid = f"test-{uuid.uuid4().hex[:8]}"
    eng, th = _start(sqlite_url, mqtt_broker, cid)
    pub = Publisher(*mqtt_broker, client_id=f"pub-{cid}")
    try:
        now = time.time()
        person = json.dumps(frigate_event(f"{now:.6f}-p1", "ut_tunnel_1", "person", "new", now))
        pub.publish("frigate/events", person)
        pub.publish("frigate/ut_tunnel_1/audio/yell", "ON")
        pub.publish("frigate/events", json.dumps(examples()[0]["payload"]))
        help_point = {
            "id": "hp-1",
            "source": "helppoint",
            "kind": "help_point",
            "station": "ASD",
            "zone": "hall",
            "occurred_at": datetime.now(UTC).isoformat(),
            "device": "hp-1",
        }
        pub.publish("perron/events", json.dumps(help_point))
        pub.publish("perron/events", b"{not json")
        assert pub.wait(10)
        assert _wait(lambda: _count(sqlite_url, SensorEvent) == 4)
        assert _wait(lambda: _count(sqlite_url, Alert) == 2)
        rules = {r for (r,) in make_engine(sqlite_url).connect().execute(select(Alert.rule_id))}
        assert rules == {"aggression", "help_point"}
        # a redelivered message (same id) is neither stored nor alerted again
        pub.publish("perron/events", json.dumps(help_point))
        pub.publish("frigate/events", person)
        assert pub.wait(10)
        assert _wait(lambda: eng.stats.duplicates >= 2)
        assert _count(sqlite_url, SensorEvent) == 4
        assert eng.stats.invalid == 1
        # what is published while the engine is down arrives after it restarts
        eng.stop.set()
        th.join(10)
        assert not th.is_alive()  # no engine runs: nothing can store what comes now
        later = dict(help_point, id="hp-2", station="UT", zone="tunnel")
        pub.publish("perron/events", json.dumps(later))
        assert pub.wait(10)
        assert _count(sqlite_url, SensorEvent) == 4
        eng, th = _start(sqlite_url, mqtt_broker, cid)
        assert _wait(lambda: _count(sqlite_url, SensorEvent) == 5)
        assert _count(sqlite_url, Alert, Alert.rule_id == "help_point") == 2
    finally:
        eng.stop.set()
        th.join(10)
        pub.close()

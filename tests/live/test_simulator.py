"""The simulator: all stations, day/night rhythm, rare incidents, a registry that fits, and a
stream that the engine takes in through a real broker."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from perron.cli import app
from perron.live.engine import LiveEngine
from perron.live.simulator import Stream, camera_mappings, publish
from perron.store.db import make_engine
from perron.store.tables.live import CameraMapping, SensorEvent

AMS = ZoneInfo("Europe/Amsterdam")


def _at(hour: int) -> float:
    return datetime(2026, 11, 20, hour, 0, tzinfo=AMS).timestamp()


def test_cameras_cover_all_stations_by_size():
    maps = camera_mappings()
    per = {}
    for m in maps:
        per[m.station] = per.get(m.station, 0) + 1
    assert len(per) == 397
    assert per["UT"] == 8 and min(per.values()) == 2


def test_rhythm_and_rare_incidents():
    day = Stream(3, clock=lambda: _at(8))
    night = Stream(3, clock=lambda: _at(3))
    msgs = list(itertools.islice(day, 9000))
    list(itertools.islice(night, 30))
    assert night._cum[-1] < day._cum[-1] / 10  # nights are far quieter than the morning peak
    topics = {t for t, _ in msgs}
    assert "frigate/events" in topics
    labels = [json.loads(p)["after"]["label"] for t, p in msgs if t == "frigate/events"]
    assert labels.count("person") / len(labels) > 0.6
    assert 0 < len(day.incidents) < 30  # rare
    stations = {
        json.loads(p)["after"]["camera"].split("_")[0] for t, p in msgs if t == "frigate/events"
    }
    assert len(stations) > 150


def test_cli_registry_roundtrip_and_errors(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PERRON_DATABASE_URL", sqlite_url)
    from perron.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    f = tmp_path / "cams.csv"
    r = runner.invoke(app, ["simulate", "--write-cameras", str(f)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["cameras", "import", str(f), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"imported": len(camera_mappings())}
    bad = tmp_path / "bad.csv"
    bad.write_text("camera,frigate_zone,station,zone\nc1,,UT,tunnel\nc2,,NOPE,hall\n")
    r = runner.invoke(app, ["cameras", "import", str(bad)])
    assert r.exit_code == 1
    assert f"{bad}: row 3: field 'station'" in r.output  # on one line, at any width
    engine = make_engine(sqlite_url)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(CameraMapping)).scalar_one() == len(
            camera_mappings()
        )
    engine.dispose()
    r = runner.invoke(app, ["cameras", "list", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == len(camera_mappings())
    get_settings.cache_clear()


@pytest.mark.mqtt
def test_simulated_stream_through_the_broker_is_stored(sqlite_url, mqtt_broker):
    """600 messages of the simulator (on a clock of their own, so the same for the same seed)
    through Mosquitto into the engine: every event the adapters make of them is stored, by
    identity (audio ONs, which have no id of their own, by camera and type)."""
    from datetime import UTC

    from perron.live import cameras
    from perron.live.ingest import Context
    from perron.live.simulator import COUNT_START
    from perron.live.sources import adapter_for, load_builtin
    from perron.store.db import transaction

    n, rate = 600, 600.0
    engine = make_engine(sqlite_url)
    with transaction(engine) as s:
        cameras.replace(s, camera_mappings())
    with engine.connect() as c, Session(bind=c) as s:
        ctx = Context.load(s)
    load_builtin()
    made = iter(range(n + 1))
    stream = Stream(5, clock=lambda: COUNT_START + next(made, n) / rate)
    received = datetime.now(UTC)
    expected: list[str] = []
    for _ in range(n):
        topic, payload = next(stream)
        expected += [e.id for e in adapter_for(topic)(topic, payload, ctx, received)]
    eng = LiveEngine(sqlite_url, *mqtt_broker, client_id=f"sim-{uuid.uuid4().hex[:8]}")
    th = threading.Thread(target=eng.run, daemon=True)
    th.start()
    assert eng.ready.wait(10)  # set once the broker acknowledged the subscription
    try:
        result = publish(*mqtt_broker, rate=rate, duration=0, seed=5, count=n)
        assert result["acknowledged_by_broker"] and result["published"] == n
        end = time.monotonic() + 30
        while eng.stats.messages < n and time.monotonic() < end:
            time.sleep(0.05)
        assert eng.stats.messages == n
        end = time.monotonic() + 30
        while eng.stats.stored < len(expected) and time.monotonic() < end:
            time.sleep(0.05)
        with engine.connect() as c:
            got = list(c.execute(select(SensorEvent.id)).scalars())

        def by_kind(ids):
            audio = sorted(i.rsplit(":", 1)[0] for i in ids if i.startswith("frigate-audio:"))
            return {i for i in ids if not i.startswith("frigate-audio:")}, audio

        assert len(got) == eng.stats.stored == len(expected)
        assert by_kind(got) == by_kind(expected)
    finally:
        eng.stop.set()
        th.join(10)
        engine.dispose()


def _received(mqtt_broker, args: list[str], n: int) -> list[tuple[str, bytes]]:
    """Run `perron simulate` with ``args`` and return what a subscriber got (in order)."""
    from perron.live import mqtt

    got: list[tuple[str, bytes]] = []
    done = threading.Event()
    subscribed = threading.Event()
    cl = mqtt.client(f"count-{uuid.uuid4().hex[:8]}")

    def on_message(c, userdata, msg):
        got.append((msg.topic, bytes(msg.payload)))
        if len(got) >= n:
            done.set()

    cl.on_message = on_message
    cl.on_subscribe = lambda *a: subscribed.set()
    cl.on_connect = lambda c, *a: c.subscribe([("frigate/#", 1), ("perron/#", 1)])
    mqtt.connect(cl, *mqtt_broker)
    try:
        assert subscribed.wait(20)
        r = CliRunner().invoke(
            app, ["simulate", "--mqtt", f"mqtt://{mqtt_broker[0]}:{mqtt_broker[1]}", *args]
        )
        assert r.exit_code == 0, r.output
        if "--json" in args:
            out = r.stdout
            assert json.loads(out[out.index("{") :])["published"] == n
        assert done.wait(30), f"{len(got)} of {n} arrived"
    finally:
        cl.disconnect()
        cl.loop_stop()
    return got


@pytest.mark.mqtt
def test_simulate_count_publishes_exactly_n_and_the_same_for_a_seed(mqtt_broker):
    args = ["--count", "300", "--seed", "9", "--rate", "2000", "--json"]
    first = _received(mqtt_broker, args, 300)
    second = _received(mqtt_broker, args, 300)
    other = _received(mqtt_broker, ["--count", "300", "--seed", "10", "--rate", "2000"], 300)
    assert len(first) == 300 and first == second
    assert len(other) == 300 and other != first

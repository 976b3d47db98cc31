"""The demo's live feed: a real Mosquitto, `perron live` and `perron simulate` as child
processes, writing new synthetic events and alerts into the demo database while it is served."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from perron.config import Settings
from perron.live import demo
from perron.store.db import make_engine
from perron.store.tables.live import Alert, SensorEvent

pytestmark = pytest.mark.mqtt


def _counts(url: str) -> tuple[int, int]:
    eng = make_engine(url)
    try:
        with eng.connect() as c:
            events = c.scalar(select(func.count()).select_from(SensorEvent))
            alerts = c.scalar(select(func.count()).select_from(Alert))
    finally:
        eng.dispose()
    return events, alerts


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_feed_brings_new_events_and_alerts_then_stops(settings: Settings) -> None:
    demo.prepare(settings)
    events0, alerts0 = _counts(settings.database_url)
    feed = demo.Feed(settings, rate=200, incident_rate=0.05, duration=600)
    try:
        line = feed.start()
        assert "mqtt://127.0.0.1:" in line, line
        deadline = time.monotonic() + 90
        events, alerts = events0, alerts0
        while time.monotonic() < deadline:
            assert feed.running(), settings.data_dir.joinpath("demo-live.log").read_text()
            events, alerts = _counts(settings.database_url)
            if events > events0 + 200 and alerts > alerts0:
                break
            time.sleep(0.5)
        assert events > events0 + 200, (events0, events)
        assert alerts > alerts0, (alerts0, alerts)
    finally:
        procs = list(feed.procs)
        feed.stop()
    assert procs and all(p.poll() is not None for p in procs)
    assert not feed.running()
    # every process of the feed has exited (asserted above), so what they wrote is all there
    # is: two reads agree, with no waiting needed
    settled = _counts(settings.database_url)
    assert _counts(settings.database_url) == settled

"""Demo data of the live ingest: the simulator's camera registry and a short synthetic burst
replayed through the in-process path, so the operator console has events and alerts to show."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from perron.config import Settings
from perron.live.cameras import CameraMapping, list_mappings
from perron.live.ingest import Context, Ingestor
from perron.live.simulator import Stream, camera_mappings
from perron.live.sources import adapter_for, load_builtin
from perron.live.units import seed_demo_units
from perron.store.db import engine_for, transaction
from perron.store.tables.live import SensorEvent

SEED = 7
MESSAGES = 4000
SPAN_S = 600.0


def prepare(settings: Settings) -> str:
    load_builtin()
    engine = engine_for(settings.database_url)
    with transaction(engine) as s:
        have = {(m["camera"], m["frigate_zone"]) for m in list_mappings(s)}
        now = datetime.now(UTC)
        added = [m for m in camera_mappings() if (m.camera, m.frigate_zone) not in have]
        s.add_all(
            CameraMapping(
                camera=m.camera,
                frigate_zone=m.frigate_zone,
                station_code=m.station,
                zone=m.zone,
                updated_at=now,
            )
            for m in added
        )
        units = seed_demo_units(s)  # synthetic response units to dispatch (idempotent)
        done = s.scalar(
            select(func.count())
            .select_from(SensorEvent)
            .where(SensorEvent.id.like(f"frigate:%-s{SEED}n%"))
        )
    if done:
        return (
            f"live: synthetic events already present ({len(added)} camera mappings, "
            f"{units} units added)"
        )
    start = time.time() - SPAN_S
    step = SPAN_S / MESSAGES
    tick = iter(range(10**9))
    stream = Stream(SEED, clock=lambda: start + next(tick) * step, incident_rate=0.02)
    ingestor = Ingestor(synthetic=True)
    stored = alerts = 0
    with transaction(engine) as s:
        ctx = Context.load(s)
        batch = []
        for _ in range(MESSAGES):
            topic, payload = next(stream)
            adapter = adapter_for(topic)
            if adapter is not None:
                received = datetime.fromtimestamp(stream.last_t, UTC)
                batch.extend(adapter(topic, payload, ctx, received))
            if len(batch) >= 500:
                r = ingestor.process(s, batch)
                stored, alerts, batch = stored + r.stored, alerts + len(r.alert_ids), []
        r = ingestor.process(s, batch)
        stored, alerts = stored + r.stored, alerts + len(r.alert_ids)
    return (
        f"live: {len(added)} camera mappings, {units} synthetic units, {stored} synthetic events, "
        f"{len(stream.incidents)} incidents, {alerts} alert changes"
    )


# The running demo: a private Mosquitto broker, the live engine and the simulator, so that the
# operator console receives new alerts while it is open.
FEED_RATE = 20.0  # messages per second: a quiet evening over 397 stations
FEED_INCIDENT_RATE = 0.01  # share of new situations that are incidents: a few alerts a minute
FEED_DURATION_S = 7 * 24 * 3600.0


class Feed:
    """The demo's live feed: Mosquitto on a free port of 127.0.0.1, ``perron live`` reading it
    into the demo database and ``perron simulate`` publishing a synthetic Frigate stream (new
    seed each start, so the events are new). ``start()`` returns one line to print (or why the
    feed is off); ``stop()`` ends all three. Their output goes to ``<data dir>/demo-live.log``."""

    def __init__(
        self,
        settings: Settings,
        *,
        rate: float = FEED_RATE,
        incident_rate: float = FEED_INCIDENT_RATE,
        duration: float = FEED_DURATION_S,
    ) -> None:
        self.settings = settings
        self.rate = rate
        self.incident_rate = incident_rate
        self.duration = duration
        self.procs: list = []
        self._broker: contextlib.ExitStack[bool | None] | None = None
        self.log_path = settings.data_dir / "demo-live.log"
        self.url: str | None = None

    def start(self) -> str:
        import os
        import subprocess
        import sys

        from perron.live.broker import local_broker, mosquitto_binary

        if mosquitto_binary() is None:
            return "live feed: off (Mosquitto is not installed; `make setup` installs it)"
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PERRON_DATA_DIR"] = str(self.settings.data_dir)
        env["PERRON_DATABASE_URL"] = self.settings.database_url
        self._broker = contextlib.ExitStack()
        with self.log_path.open("ab") as log:
            try:
                port = self._broker.enter_context(local_broker(output=log))
                self.url = f"mqtt://127.0.0.1:{port}"
                perron = [sys.executable, "-m", "perron.cli"]
                client = f"perron-demo-live-{os.getpid()}"
                engine = [*perron, "live", "--mqtt", self.url, "--synthetic", "--client-id", client]
                seed = 1000 + int(time.time()) % 1_000_000
                simulate = [
                    *perron,
                    "simulate",
                    "--mqtt",
                    self.url,
                    "--rate",
                    str(self.rate),
                    "--duration",
                    str(self.duration),
                    "--seed",
                    str(seed),
                    "--incident-rate",
                    str(self.incident_rate),
                ]
                for cmd in (engine, simulate):
                    self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=log, env=env))
            except Exception:
                self.stop()
                raise
        return (
            f"live feed: simulator → Mosquitto ({self.url}) → live engine, "
            f"{self.rate:g} synthetic messages/s; log in {self.log_path}"
        )

    def running(self) -> bool:
        return bool(self.procs) and all(p.poll() is None for p in self.procs)

    def stop(self) -> None:
        from perron.live.broker import stop_process

        for proc in reversed(self.procs):  # the simulator, then the engine
            stop_process(proc, 15)
        self.procs.clear()
        if self._broker is not None:  # the broker last
            self._broker.close()
            self._broker = None

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

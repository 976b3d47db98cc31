"""Demo data of the live ingest: the simulator's camera registry and a short synthetic burst
replayed through the in-process path, so the operator console has events and alerts to show."""

from __future__ import annotations

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
    stream = Stream(SEED, clock=lambda: start + next(tick) * step * 3, incident_rate=0.02)
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

"""Privacy at the door: nothing that identifies a person reaches the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from perron.live.ingest import Context, Ingestor
from perron.live.sources import adapter_for, load_builtin
from perron.store.base import Base
from perron.store.db import make_engine, transaction
from perron.store.tables.live import SensorEvent

from .ingestkit import examples, frigate_event, map_cameras

load_builtin()

SECRETS = (
    "Jan Jansen",
    "John Smith",
    "XK-123-Z",
    "ABC12345",
    "123ABC",
    "John's Car",
    "0.4242",  # a path point
    "SNAPSHOTDATA",
    "THUMBNAILDATA",
    "thumb-front_cam",
    "Bob",
    "delivery_person",
    "helmet_detector",
    "red sedan",
    "beard",
    "06-12345678",
)


def _messages() -> list[tuple[str, bytes]]:
    msgs = [(x["topic_section"], json.dumps(x["payload"]).encode()) for x in examples()]
    t = 1_763_660_000.0
    for i, phase in enumerate(("new", "update", "end")):
        p = frigate_event(
            "1763660000.1-pii",
            "front_door",
            "person",
            phase,
            t + i,
            zones=["yard"],
            sub_label=["Jan Jansen", 0.93],
            attributes={"face": 0.8, "beard": 0.7},
            recognized_license_plate="XK-123-Z",
            recognized_license_plate_score=0.9,
            path_data=[[[0.4242, 0.4242], t]],
            snapshot={"frame_time": t, "box": [1, 2, 3, 4], "image": "SNAPSHOTDATA"},
            thumbnail="THUMBNAILDATA",
        )
        msgs.append(("frigate/events", json.dumps(p).encode()))
    msgs.append(
        (
            "perron/events",
            json.dumps(
                {
                    "id": "r1",
                    "source": "app",
                    "kind": "report",
                    "station": "UT",
                    "zone": "hall",
                    "occurred_at": "2026-11-20T21:00:00Z",
                    "text": "ruzie",
                    "reporter": "traveller",
                    "phone": "06-12345678",
                    "name": "Jan Jansen",
                    "face": "beard",
                    "plate": "XK-123-Z",
                }
            ).encode(),
        )
    )
    return msgs


def test_no_identifying_value_is_stored_anywhere(db_url):
    map_cameras(
        db_url,
        [
            ("front_door", "", "UT", "hall"),
            ("front_door", "yard", "UT", "tunnel"),
            ("front_cam", "", "ASD", "platform"),
            ("front_door_cam", "", "UT", "hall"),
            ("driveway_cam", "", "UT", "forecourt"),
            ("driveway", "", "UT", "forecourt"),
        ],
    )
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    with transaction(engine) as s:
        ctx = Context.load(s)
        events = []
        for topic, payload in _messages():
            adapter = adapter_for(topic)
            if adapter is not None:
                events.extend(adapter(topic, payload, ctx, now))
        result = Ingestor().process(s, events)
    assert result.stored >= 5  # the example event, the review, three phases, the report
    dump = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                dump.append(" ".join(str(v) for v in row))
        stored = conn.execute(select(SensorEvent.label, SensorEvent.zone)).all()
        if db_url.startswith("sqlite"):
            conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
    everything = "\n".join(dump)
    assert ("person", "tunnel") in stored and ("report", "hall") in stored
    assert "ruzie" in everything  # the report's own text is kept (the positive control)
    for secret in SECRETS:
        assert secret not in everything, secret
    if db_url.startswith("sqlite"):
        raw = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in raw, secret
    engine.dispose()

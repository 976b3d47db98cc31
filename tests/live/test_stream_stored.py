"""Every message of the simulator's stream is one stored event: the national-scale stream with
many incidents, read and stored as a live worker does, stores exactly as many events as messages
were sent (the load test compares the two).

An audio ON carries no id or time, so the store takes two ONs of one camera and type within
:data:`perron.live.ingest.ECHO_WINDOW` for one (a redelivery); Frigate sends a new ON only after
an OFF, which follows 30 s of silence. A stream that yells twice at one camera within that window
would lose events here."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from perron.live import cameras
from perron.live.ingest import ECHO_WINDOW, Context, Ingestor
from perron.live.simulator import COUNT_START, Stream, camera_mappings
from perron.live.sources import adapter_for, load_builtin
from perron.store.db import make_engine, transaction
from perron.store.tables.live import SensorEvent

SCALE = 6  # about 5,900 cameras, the national scale
RATE = 300.0  # messages/s of stream time, as in the load test
N = 12_000


def test_an_incident_heavy_national_stream_stores_one_event_per_message(sqlite_url):
    load_builtin()
    engine = make_engine(sqlite_url)
    with transaction(engine) as s:
        cameras.replace(s, camera_mappings(SCALE))
    made = iter(range(N + 1))
    # a third of the new situations are incidents: many yells at the busiest stations
    stream = Stream(
        11, clock=lambda: COUNT_START + next(made) / RATE, incident_rate=0.3, cameras_scale=SCALE
    )
    messages = []
    for _ in range(N):
        topic, payload = next(stream)
        messages.append((topic, payload, datetime.fromtimestamp(stream.last_t, UTC)))
    ons: dict[tuple[str, str], list[datetime]] = {}
    for topic, _, at in messages:
        if "/audio/" in topic:
            _, camera, _, sound = topic.split("/")
            ons.setdefault((camera, sound), []).append(at)
    assert sum(map(len, ons.values())) > 100  # the stream does yell, and often
    for key, times in ons.items():
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert all(g > ECHO_WINDOW for g in gaps), f"{key}: a second ON within the window"

    with transaction(engine) as s:
        ctx = Context.load(s)
    events = []
    for topic, payload, at in messages:
        adapter = adapter_for(topic)
        assert adapter is not None, topic
        got = adapter(topic, payload, ctx, at)
        assert len(got) == 1, (topic, payload)  # every camera is known, every message counts
        events.extend(got)
    ingestor = Ingestor(synthetic=True)
    stored = 0
    for i in range(0, len(events), 1000):
        with transaction(engine) as s:
            stored += ingestor.process(s, events[i : i + 1000]).stored
    with engine.connect() as c:
        rows = c.execute(select(func.count()).select_from(SensorEvent)).scalar_one()
    engine.dispose()
    assert stored == rows == N

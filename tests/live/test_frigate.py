"""The Frigate adapter on the documented example payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from perron.live.cameras import CameraRegistry, Mapping
from perron.live.ingest import Context
from perron.live.sources import SourceError, adapter_for, load_builtin
from perron.live.sources.frigate import parse

from .ingestkit import examples, frigate_event

load_builtin()
NOW = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
CTX = Context(
    CameraRegistry(
        [
            Mapping("front_door", "", "UT", "hall"),
            Mapping("front_door", "yard", "UT", "tunnel"),
            Mapping("front_cam", "", "ASD", "platform"),
        ]
    ),
    frozenset({"UT", "ASD"}),
)


def test_example_event_maps_to_station_zone_by_frigate_zone():
    ex = examples()[0]
    events = parse("frigate/events", json.dumps(ex["payload"]).encode(), CTX, NOW)
    assert len(events) == 1
    e = events[0]
    assert (e.kind, e.label, e.station_code, e.zone, e.phase) == (
        "detection",
        "person",
        "UT",
        "tunnel",
        "update",
    )
    after = ex["payload"]["after"]
    assert e.occurred_at == datetime.fromtimestamp(after["frame_time"], UTC)
    assert e.score == pytest.approx(after["score"])
    assert e.id == f"frigate:{after['frame_time']:.6f}:{after['id']}:update"
    assert e.value == pytest.approx(after["frame_time"] - after["start_time"])
    assert e.signal == "person"


def test_example_review_and_unsubscribed_topics():
    by_topic = {(x["topic_section"], x["variant"]): x["payload"] for x in examples()}
    review = parse(
        "frigate/reviews", json.dumps(by_topic[("frigate/reviews", None)]).encode(), CTX, NOW
    )
    assert [(r.label, r.station_code, r.count) for r in review] == [("review", "ASD", 3)]
    assert review[0].attributes["objects"] == ["car", "person"]
    assert "sub_labels" not in json.dumps(review[0].attributes)
    # face, plate and description updates are not read at all
    assert adapter_for("frigate/tracked_object_update") is None
    assert adapter_for("frigate/events") is not None


def test_adapter_lookup_follows_registrations():
    from perron.live.sources import _BY_TOPIC, ADAPTERS, register

    assert adapter_for("test/lookup") is None  # remembered per topic...
    try:
        fn = register("test-lookup", ("test/+",))(lambda topic, payload, ctx, at: [])
        assert adapter_for("test/lookup") is fn  # ...until an adapter registers
    finally:
        ADAPTERS.remove("test-lookup")
        _BY_TOPIC.clear()
    assert adapter_for("test/lookup") is None


def test_unknown_camera_false_positive_and_bad_payloads():
    p = frigate_event("1.0-a", "elsewhere", "person", "new", 1.7e9)
    assert parse("frigate/events", json.dumps(p).encode(), CTX, NOW) == []
    p = frigate_event("1.0-a", "front_door", "person", "new", 1.7e9, false_positive=True)
    assert parse("frigate/events", json.dumps(p).encode(), CTX, NOW) == []
    with pytest.raises(SourceError, match="payload: not JSON"):
        parse("frigate/events", b"{nope", CTX, NOW)
    with pytest.raises(SourceError, match="type"):
        parse("frigate/events", b'{"type": "x", "after": {}}', CTX, NOW)


def test_audio_on_is_an_event_levels_and_transcription_are_not():
    (e,) = parse("frigate/front_door/audio/yell", b"ON", CTX, NOW)
    assert (e.kind, e.label, e.station_code, e.zone) == ("audio", "yell", "UT", "hall")
    assert parse("frigate/front_door/audio/yell", b"OFF", CTX, NOW) == []
    assert parse("frigate/front_door/audio/transcription", b"help me John", CTX, NOW) == []
    assert parse("frigate/front_door/audio/dBFS", b"-12.5", CTX, NOW) == []

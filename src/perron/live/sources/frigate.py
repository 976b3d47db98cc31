"""Frigate over MQTT: ``frigate/events`` (new/update/end), ``frigate/reviews`` and the
per-camera audio topics ``frigate/<camera>/audio/<type>``.

Privacy at the door: an Event is built from an allow-list of fields (label, score, camera, zones,
times, stationary). ``sub_label`` (recognised faces, names, classifications), face attributes,
recognised licence plates, boxes and path data, snapshots and thumbnails are never read, so they
are never stored. ``frigate/tracked_object_update`` (faces, plates, descriptions) is not
subscribed at all; audio transcriptions are ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from perron.domain.events import Event, clean_attributes
from perron.live.sources.base import Source, SourceError

SOURCE = "frigate"
_PHASES = ("new", "update", "end")
AUDIO_IGNORED = frozenset({"dBFS", "rms", "transcription", "all", "state", "set"})


def _json(payload: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"payload: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SourceError("payload: not a JSON object")
    return data


def _unknown(ctx: Any, camera: str) -> list[Event]:
    """No events for a camera that is not in the registry; the engine is told (it keeps the
    message aside as a dead letter)."""
    note = getattr(ctx, "note_unknown_camera", None)
    if note is not None:
        note(camera)
    return []


def _num(obj: dict[str, Any], key: str) -> float | None:
    v = obj.get(key)
    # a number, not a bool (JSON true is no time)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def parse(topic: str, payload: bytes, ctx: Any, received_at: datetime) -> list[Event]:
    if topic == "frigate/events":
        return parse_event(_json(payload), ctx, received_at)
    if topic == "frigate/reviews":
        return parse_review(_json(payload), ctx, received_at)
    parts = topic.split("/")
    if len(parts) == 4 and parts[2] == "audio":
        return parse_audio(parts[1], parts[3], payload, ctx, received_at)
    return []


def parse_event(data: dict[str, Any], ctx: Any, received_at: datetime) -> list[Event]:
    # the hot path of the live engine (most messages are these): _num inlined, Event positional
    phase = data.get("type")
    if phase not in _PHASES:
        raise SourceError(f"type: {phase!r} is not new, update or end")
    after = data.get("after")
    if not isinstance(after, dict):
        raise SourceError("after: missing")
    get = after.get
    oid, camera, label = get("id"), get("camera"), get("label")
    if type(oid) is not str or not oid:
        raise SourceError("after.id: missing")
    if type(camera) is not str or not camera:
        raise SourceError("after.camera: missing")
    if type(label) is not str or not label:
        raise SourceError("after.label: missing")
    if get("false_positive") is True:
        return []
    current = get("current_zones")
    current = [z for z in current if type(z) is str] if current else []
    entered = get("entered_zones")
    if entered:
        zones = list(dict.fromkeys([*current, *(z for z in entered if type(z) is str)]))
    else:
        zones = list(dict.fromkeys(current)) if len(current) > 1 else current
    where = ctx.registry.resolve(camera, zones)
    if where is None:
        return _unknown(ctx, camera)
    v = get("start_time")
    if type(v) is float or type(v) is int:
        start = float(v)
    else:
        raise SourceError("after.start_time: missing")
    t = start
    if phase != "new":
        if phase == "end":
            v = get("end_time")
            if (type(v) is float or type(v) is int) and v:
                t = float(v)
            else:
                v = get("frame_time")
                t = float(v) if (type(v) is float or type(v) is int) and v else start
        else:
            v = get("frame_time")
            t = float(v) if (type(v) is float or type(v) is int) and v else start
    duration = t - start if t > start else 0.0
    v = get("top_score")
    top = float(v) if type(v) is float or type(v) is int else None
    v = get("score")
    score = float(v) if (type(v) is float or type(v) is int) and v else top
    # an allow-list: only these keys are read from the message (see the module documentation)
    attrs: dict[str, Any] = {
        "frigate_zones": current,
        "stationary": bool(get("stationary")),
        "duration_s": round(duration, 3),
    }
    if top is not None:
        attrs["top_score"] = top
    return [
        Event(
            # the id: the message time first, so that new ids sort after the stored ones and
            # the index grows at its end (the object id first scattered them over the index)
            f"frigate:{t:.6f}:{oid}:{phase}"[:160],
            SOURCE,
            "detection",  # kind
            label[:40],
            where[0],  # station_code
            where[1],  # zone
            datetime.fromtimestamp(t, UTC),  # occurred_at
            received_at,
            score,
            camera[:80],
            1,  # count
            phase,
            duration,  # value
            attrs,
        )
    ]


def parse_review(data: dict[str, Any], ctx: Any, received_at: datetime) -> list[Event]:
    phase = data.get("type")
    if phase not in ("new", "update", "end"):
        raise SourceError(f"type: {phase!r} is not new, update or end")
    after = data.get("after")
    if not isinstance(after, dict):
        raise SourceError("after: missing")
    rid, camera = after.get("id"), after.get("camera")
    if not isinstance(rid, str) or not isinstance(camera, str):
        raise SourceError("after.id / after.camera: missing")
    inner = after.get("data")
    review: dict[str, Any] = inner if isinstance(inner, dict) else {}
    zones = [z for z in review.get("zones") or () if isinstance(z, str)]
    where = ctx.registry.resolve(camera, zones)
    if where is None:
        return _unknown(ctx, camera)
    start = _num(after, "start_time")
    if start is None:
        raise SourceError("after.start_time: missing")
    end = _num(after, "end_time")
    t = end if phase == "end" and end else start
    objects = sorted({o for o in review.get("objects") or () if isinstance(o, str)})
    audio = sorted({o for o in review.get("audio") or () if isinstance(o, str)})
    n = len(review.get("detections") or ())
    return [
        Event(
            id=f"frigate-review:{rid}:{phase}:{t:.6f}:{n}"[:160],
            source=SOURCE,
            kind="detection",
            label="review",
            station_code=where[0],
            zone=where[1],
            occurred_at=datetime.fromtimestamp(t, UTC),
            received_at=received_at,
            camera=camera[:80],
            count=n or None,
            phase=phase,
            attributes=clean_attributes(
                {
                    "severity": after.get("severity")
                    if isinstance(after.get("severity"), str)
                    else None,
                    "objects": objects,
                    "audio": audio,
                    "frigate_zones": zones,
                }
            ),
        )
    ]


def parse_audio(
    camera: str, audio_type: str, payload: bytes, ctx: Any, received_at: datetime
) -> list[Event]:
    """``ON`` of an audio type is one audio event; OFF, levels and transcriptions are ignored.

    The audio topics carry no id or time, so the event's id is made from the camera, the type
    and the time of receipt (millisecond); the store recognises a redelivery (or the same message
    read by a second worker) as an ON of the same camera and type within a few seconds
    (:data:`perron.live.ingest.ECHO_WINDOW`).
    """
    if audio_type in AUDIO_IGNORED:
        return []
    if payload.strip().upper() != b"ON":
        return []
    where = ctx.registry.resolve(camera, ())
    if where is None:
        return _unknown(ctx, camera)
    ms = int(received_at.timestamp() * 1000)
    return [
        Event(
            id=f"frigate-audio:{camera}:{audio_type}:{ms}"[:160],
            source=SOURCE,
            kind="audio",
            label=audio_type[:40],
            station_code=where[0],
            zone=where[1],
            occurred_at=received_at,
            received_at=received_at,
            camera=camera[:80],
            count=1,
        )
    ]


#: the entry point ``frigate`` of ``perron.sources``
SOURCE_FRIGATE = Source(SOURCE, ("frigate/events", "frigate/reviews", "frigate/+/audio/+"), parse)

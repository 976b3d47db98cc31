"""Sensor events: what Perron keeps of a detection, a sound, a help-point call, a panic button,
a crowd count or a report — metadata only.

An :class:`Event` is built by a source adapter (``perron.live.sources``) from an allow-list of
fields; everything that could identify a person (recognised names, faces, plates, paths, images)
never reaches it. Pure: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

KINDS: tuple[str, ...] = ("detection", "audio", "help_point", "panic", "crowd", "report")
_KINDS = frozenset(KINDS)

# The signal a correlation rule listens to, for the kinds whose signal is not their label.
_FIXED_SIGNAL = {"help_point": "help_point", "panic": "panic_button", "crowd": "crowd_count"}

# The only keys an event's attributes may carry (an allow-list: anything else is dropped).
ALLOWED_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "frigate_zones",  # zone names of the camera configuration (not of a person)
        "top_score",
        "stationary",
        "false_positive",
        "duration_s",
        "severity",  # of a Frigate review: alert | detection
        "objects",  # labels of a review (person, car, ...)
        "audio",  # audio labels of a review
        "text",  # the free text of a traveller's or staff report
        "reporter",  # traveller | staff
        "device",  # the id of a help point or panic button
    }
)
MAX_TEXT = 1000


class EventError(ValueError):
    """An event that cannot be accepted; the message names the field."""


@dataclass(frozen=True, slots=True)
class Event:
    """One sensed event at a station zone."""

    id: str  # stable per source message (e.g. frigate:<message time>:<event id>:<phase>)
    source: str  # frigate | generic | http | simulator ...
    kind: str  # detection | audio | help_point | panic | crowd | report
    label: str  # person, yell, glass_break, help_point, ...
    station_code: str
    zone: str | None
    occurred_at: datetime
    received_at: datetime
    score: float | None = None
    camera: str | None = None
    count: int | None = None
    phase: str | None = None  # new | update | end (Frigate), None for one-shot events
    value: float | None = None  # a count (crowd) or a dwell time in seconds (detection)
    attributes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise EventError(f"kind: {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.occurred_at.tzinfo is None or self.received_at.tzinfo is None:
            name = "occurred_at" if self.occurred_at.tzinfo is None else "received_at"
            raise EventError(f"{name}: needs a time zone")
        if not ALLOWED_ATTRIBUTES.issuperset(self.attributes):
            extra = set(self.attributes) - ALLOWED_ATTRIBUTES
            raise EventError(f"attributes: not allowed: {', '.join(sorted(extra))}")

    @property
    def signal(self) -> str:
        """The signal name the correlation rules use (``person``, ``yell``, ``panic_button``…)."""
        return _FIXED_SIGNAL.get(self.kind, self.label)

    @property
    def at(self) -> datetime:
        return self.occurred_at

    def sensed(self) -> Sensed:
        """The view the correlator reads (its ``kind`` is the signal)."""
        return Sensed(
            self.id, self.signal, self.station_code, self.zone, self.occurred_at, self.value
        )


@dataclass(frozen=True, slots=True)
class Sensed:
    """What ``perron.live.rules.Correlator.feed`` reads of an event."""

    id: str
    kind: str
    station_code: str
    zone: str | None
    at: datetime
    value: float | None


def utc(ts: float | int) -> datetime:
    """A Unix timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), UTC)


def clean_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """Keep only allow-listed attribute keys; clip the report text."""
    out = {k: v for k, v in attrs.items() if k in ALLOWED_ATTRIBUTES and v is not None}
    if isinstance(out.get("text"), str):
        out["text"] = out["text"][:MAX_TEXT]
    return out

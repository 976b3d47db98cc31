"""Generic JSON events, over MQTT (topic ``perron/events``, one object or a list) and over HTTP
(``POST /api/events`` and ``/api/events/batch``): other video analytics, audio sensors, help
points and intercoms, panic buttons, crowd counts per zone, and reports by travellers or staff.

One event::

    {"id": "hp-17-2026-11-20T21:03:11Z", "source": "helppoint", "kind": "help_point",
     "station": "UT", "zone": "tunnel", "occurred_at": "2026-11-20T21:03:11Z",
     "device": "hp-17"}

Fields: ``id`` (stable per message, for de-duplication), ``source``, ``kind`` (detection, audio,
help_point, panic, crowd, report), ``label`` (e.g. yell, glass_break, person; defaults to the
kind), ``score``, ``station``, ``zone``, ``camera``, ``count`` (people counted, for crowd),
``occurred_at`` (ISO 8601 with a time zone), ``text`` and ``reporter`` (reports), ``device``.
Any other field is dropped unread (an allow-list): person-identifying data never gets stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from perron.domain.events import Event, clean_attributes
from perron.domain.zones import ZONE_CODES
from perron.live.sources.base import Source, SourceError


class GenericEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=120)
    source: str = Field(default="generic", min_length=1, max_length=20, pattern=r"^[a-z0-9_\-]+$")
    kind: Literal["detection", "audio", "help_point", "panic", "crowd", "report"]
    label: str | None = Field(default=None, min_length=1, max_length=40)
    score: float | None = Field(default=None, ge=0, le=1)
    station: str = Field(min_length=1, max_length=10)
    zone: str | None = None
    camera: str | None = Field(default=None, max_length=80)
    count: int | None = Field(default=None, ge=0, le=1_000_000)
    occurred_at: datetime
    text: str | None = Field(default=None, max_length=4000)
    reporter: Literal["traveller", "staff"] | None = None
    device: str | None = Field(default=None, max_length=60)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("needs a time zone (e.g. 2026-11-20T21:03:11Z)")
        if not 2000 <= v.year <= 2200:
            raise ValueError("must lie between the years 2000 and 2200")
        return v

    @field_validator("zone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None and v not in ZONE_CODES:
            raise ValueError(f"unknown zone {v!r}; known: {', '.join(ZONE_CODES)}")
        return v


class GenericError(ValueError):
    """Invalid generic events; ``errors`` lists (index, field, message)."""

    def __init__(self, errors: list[tuple[int | None, str, str]]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(
                (f"item {i}: " if i is not None else "") + f"field {f!r}: {m}" for i, f, m in errors
            )
        )


def to_event(
    raw: Any, stations: set[str] | frozenset[str], received_at: datetime, index: int | None = None
) -> Event:
    """Validate one generic event; errors name the item index and the field."""
    try:
        g = GenericEvent.model_validate(raw)
    except ValidationError as exc:
        raise GenericError(
            [
                (index, ".".join(str(p) for p in e["loc"]) or "(item)", e["msg"])
                for e in exc.errors()
            ]
        ) from None
    station = g.station.upper()
    if station not in stations:
        raise GenericError([(index, "station", f"unknown station code {g.station!r}")])
    if g.kind == "crowd" and g.count is None:
        raise GenericError([(index, "count", "a crowd event needs a count")])
    value = float(g.count) if g.kind == "crowd" and g.count is not None else None
    return Event(
        id=f"{g.source}:{g.id}"[:160],
        source=g.source,
        kind=g.kind,
        label=g.label or g.kind,
        station_code=station,
        zone=g.zone,
        occurred_at=g.occurred_at,
        received_at=received_at,
        score=g.score,
        camera=g.camera,
        count=g.count,
        value=value,
        attributes=clean_attributes(
            {
                "text": g.text if g.kind == "report" else None,
                "reporter": g.reporter,
                "device": g.device,
            }
        ),
    )


def to_events(
    items: Any, stations: set[str] | frozenset[str], received_at: datetime
) -> list[Event]:
    """Validate a batch; all errors of all items are collected (nothing is taken on any error)."""
    if not isinstance(items, list):
        raise GenericError([(None, "(body)", "a batch is a JSON array of events")])
    out: list[Event] = []
    errors: list[tuple[int | None, str, str]] = []
    for i, raw in enumerate(items):
        try:
            out.append(to_event(raw, stations, received_at, i))
        except GenericError as exc:
            errors.extend(exc.errors)
    if errors:
        raise GenericError(errors)
    return out


def parse(topic: str, payload: bytes, ctx: Any, received_at: datetime) -> list[Event]:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"payload: not JSON: {exc}") from exc
    try:
        if isinstance(data, list):
            return to_events(data, ctx.stations, received_at)
        return [to_event(data, ctx.stations, received_at)]
    except GenericError as exc:
        raise SourceError(str(exc)) from exc


#: the entry point ``generic`` of ``perron.sources``
SOURCE_GENERIC = Source("generic", ("perron/events",), parse)

"""Event sources: adapters that turn a source's messages into :class:`perron.domain.events.Event`.

Each adapter registers itself in :data:`ADAPTERS` by the MQTT topic filters it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from perron.domain.events import Event


class SourceError(ValueError):
    """A message that cannot be read; the message names the field."""


# An adapter: (topic, payload, context, received_at) → events (zero or more).
Adapter = Callable[[str, bytes, Any, datetime], list[Event]]
ADAPTERS: dict[str, tuple[tuple[str, ...], Adapter]] = {}
# topic → adapter (or None), filled by adapter_for; emptied when an adapter registers
_BY_TOPIC: dict[str, Adapter | None] = {}
_BY_TOPIC_MAX = 10_000


def register(name: str, topics: tuple[str, ...]) -> Callable[[Adapter], Adapter]:
    def deco(fn: Adapter) -> Adapter:
        ADAPTERS[name] = (topics, fn)
        _BY_TOPIC.clear()
        return fn

    return deco


def topic_matches(pattern: str, topic: str) -> bool:
    pp, tt = pattern.split("/"), topic.split("/")
    for i, part in enumerate(pp):
        if part == "#":
            return True
        if i >= len(tt) or (part != "+" and part != tt[i]):
            return False
    return len(pp) == len(tt)


def adapter_for(topic: str) -> Adapter | None:
    try:
        return _BY_TOPIC[topic]
    except KeyError:
        pass
    found = None
    for topics, fn in ADAPTERS.values():
        if any(topic_matches(t, topic) for t in topics):
            found = fn
            break
    if len(_BY_TOPIC) >= _BY_TOPIC_MAX:
        _BY_TOPIC.clear()  # bounded: topics are few (one per camera and audio type)
    _BY_TOPIC[topic] = found
    return found


def all_topics() -> list[str]:
    return [t for topics, _ in ADAPTERS.values() for t in topics]


def load_builtin() -> None:
    from perron.live.sources import frigate, generic  # noqa: F401

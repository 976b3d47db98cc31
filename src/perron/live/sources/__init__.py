"""Event sources: adapters that turn a source's messages into :class:`perron.domain.events.Event`.

Adapters are :class:`~perron.live.sources.base.Source` objects found in the ``perron.sources``
entry point group (Perron's own Frigate and generic JSON adapters are declared there too);
:func:`adapter_for` picks the adapter of an MQTT topic.
"""

from __future__ import annotations

from collections.abc import Callable

from perron.live.sources.base import Adapter, Source, SourceError
from perron.plugins import Registry, instance_of

__all__ = [
    "ADAPTERS",
    "Adapter",
    "Source",
    "SourceError",
    "adapter_for",
    "all_topics",
    "load_builtin",
    "register",
    "topic_matches",
]

#: name → Source, from the ``perron.sources`` entry points
ADAPTERS: Registry[Source] = Registry(
    "perron.sources", instance_of(Source), builtin=("frigate", "generic")
)
# topic → adapter (or None), filled by adapter_for; emptied when the registry changes
_BY_TOPIC: dict[str, Adapter | None] = {}
_BY_TOPIC_MAX = 10_000
ADAPTERS.on_change(_BY_TOPIC.clear)


def register(name: str, topics: tuple[str, ...]) -> Callable[[Adapter], Adapter]:
    """Add an adapter in code (a package that is installed declares an entry point instead)."""

    def deco(fn: Adapter) -> Adapter:
        ADAPTERS.add(name, Source(name, topics, fn))
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
    for _, source in ADAPTERS.items():
        if any(topic_matches(t, topic) for t in source.topics):
            found = source.parse
            break
    if len(_BY_TOPIC) >= _BY_TOPIC_MAX:
        _BY_TOPIC.clear()  # bounded: topics are few (one per camera and audio type)
    _BY_TOPIC[topic] = found
    return found


def all_topics() -> list[str]:
    return [t for _, source in ADAPTERS.items() for t in source.topics]


def load_builtin() -> None:
    """Load the adapters of the ``perron.sources`` entry points (Perron's own and others')."""
    ADAPTERS.load()

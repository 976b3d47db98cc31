"""What an event-source adapter is: a name, the MQTT topic filters it reads and a parse function.

The adapters of Perron (:mod:`perron.live.sources.frigate`, :mod:`perron.live.sources.generic`)
and those of other packages are :class:`Source` objects named in the ``perron.sources`` entry
point group; :mod:`perron.live.sources` finds them there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from perron.domain.events import Event


class SourceError(ValueError):
    """A message that cannot be read; the message names the field."""


# An adapter: (topic, payload, context, received_at) → events (zero or more).
Adapter = Callable[[str, bytes, Any, datetime], list[Event]]


@dataclass(frozen=True)
class Source:
    """One event source: ``parse`` turns a message on one of ``topics`` into events."""

    name: str
    topics: tuple[str, ...]
    parse: Adapter

"""What a joint computation computes: the agreed query, its cell grid and its hash.

Every party derives the same grid from the same query (stations of the shipped reference data,
the months between ``since`` and ``until``, the category groups of the taxonomy), so the parties'
input vectors line up cell by cell without anyone sending a list of its own cells.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from perron.domain.taxonomy import GROUPS

#: the dimensions a joint count can be split by, in this order
DIMENSIONS = ("station", "month", "group")
MAX_MONTHS = 36
MIN_PARTIES = 3
MAX_PARTIES = 12
MIN_CELL = 5


class SpecError(ValueError):
    """The query cannot be agreed as given; the message names the field."""


def _months(since: date, until: date) -> list[str]:
    out = []
    y, m = since.year, since.month
    while (y, m) <= (until.year, until.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def parse_address(text: str) -> str:
    """``host:port`` checked: a host name or address and a port 1024–65535."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 1024 <= int(port) <= 65535:
        raise SpecError(f"parties: {text!r} is not HOST:PORT with a port from 1024 to 65535")
    if any(c.isspace() for c in host) or len(host) > 253:
        raise SpecError(f"parties: {text!r} has no valid host")
    return f"{host}:{int(port)}"


@dataclass(frozen=True)
class JointQuery:
    """The agreed query: which measure, over which cells, for which purpose."""

    since: date
    until: date
    by: tuple[str, ...] = DIMENSIONS
    measure: str = "count"
    purpose: str = "analysis"
    privacy: str = "suppress"  # "suppress" (k-anonymous cells) or "noisy" (differential privacy)
    epsilon: float | None = None
    min_cell: int = MIN_CELL
    margins: bool = False  # also open the national total per month and group
    stations: tuple[str, ...] = field(default=(), compare=True)
    groups: tuple[str, ...] = tuple(GROUPS)

    def validate(self) -> JointQuery:
        if tuple(self.by) != DIMENSIONS:
            raise SpecError(f"by: joint counts are split by {','.join(DIMENSIONS)}")
        if self.until < self.since:
            raise SpecError("until: the end lies before the start")
        if len(_months(self.since, self.until)) > MAX_MONTHS:
            raise SpecError(f"until: at most {MAX_MONTHS} months in one joint computation")
        if self.purpose not in ("analysis", "accountability"):
            raise SpecError("purpose: a joint computation serves analysis or accountability")
        if self.privacy not in ("suppress", "noisy"):
            raise SpecError("privacy: choose suppress or noisy")
        if self.privacy == "noisy" and not (self.epsilon and 0 < self.epsilon <= 10):
            raise SpecError("epsilon: a noisy computation needs 0 < epsilon ≤ 10")
        if self.privacy == "suppress" and self.epsilon is not None:
            raise SpecError("epsilon: only a noisy computation spends privacy budget")
        if self.min_cell < 5:
            raise SpecError("min_cell: cells are suppressed under 5 at least")
        if not self.groups or len(set(self.groups)) != len(self.groups):
            raise SpecError("groups: name each value of the third dimension once")
        if not self.stations:
            raise SpecError("stations: the grid has no stations")
        return self

    @property
    def months(self) -> list[str]:
        return _months(self.since, self.until)

    def cells(self) -> list[tuple[str, str, str]]:
        """The grid, station-major: every (station, month, group)."""
        return [(s, mo, g) for s in self.stations for mo in self.months for g in self.groups]

    def margin_index(self) -> list[list[int]]:
        """Per (month, group): the positions of its cells (the national total's terms)."""
        n_m, n_g = len(self.months), len(self.groups)
        return [
            [si * n_m * n_g + mi * n_g + gi for si in range(len(self.stations))]
            for mi in range(n_m)
            for gi in range(n_g)
        ]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["since"], d["until"] = self.since.isoformat(), self.until.isoformat()
        d["by"], d["stations"], d["groups"] = list(self.by), list(self.stations), list(self.groups)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JointQuery:
        try:
            return cls(
                since=date.fromisoformat(d["since"]),
                until=date.fromisoformat(d["until"]),
                by=tuple(d.get("by", DIMENSIONS)),
                measure=str(d.get("measure", "count")),
                purpose=str(d.get("purpose", "analysis")),
                privacy=str(d.get("privacy", "suppress")),
                epsilon=None if d.get("epsilon") is None else float(d["epsilon"]),
                min_cell=int(d.get("min_cell", MIN_CELL)),
                margins=bool(d.get("margins", False)),
                stations=tuple(d.get("stations", ())),
                groups=tuple(d.get("groups", tuple(GROUPS))),
            ).validate()
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SpecError):
                raise
            raise SpecError(f"query: {exc}") from exc


def spec_hash(query: JointQuery, parties: list[str]) -> str:
    """The hash every party shows before inputs are shared: same query, same parties."""
    text = json.dumps(
        {"query": query.as_dict(), "parties": list(parties)}, sort_keys=True, ensure_ascii=True
    )
    return hashlib.sha256(text.encode()).hexdigest()

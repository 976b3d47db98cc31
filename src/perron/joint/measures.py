"""What a party puts into a joint computation: its own figures per cell of the agreed grid.

Measures are a registry: a measure is a function from (session, party, query) to one integer
per cell of :meth:`JointQuery.cells`. The built-ins register here the way another would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from perron.joint.spec import JointQuery


@dataclass(frozen=True)
class MeasureInput:
    """A party's figures per cell, and whether any of them comes from synthetic records."""

    values: list[int]
    synthetic: bool


Measure = Callable[[Session, str, JointQuery], MeasureInput]

MEASURES: dict[str, Measure] = {}


def register(name: str) -> Callable[[Measure], Measure]:
    """Add a measure under ``name`` (used by the built-ins too)."""

    def add(fn: Measure) -> Measure:
        if name in MEASURES:
            raise ValueError(f"measure {name!r} is registered already")
        MEASURES[name] = fn
        return fn

    return add


def measure(name: str) -> Measure:
    try:
        return MEASURES[name]
    except KeyError:
        raise KeyError(f"unknown measure {name!r}; known: {', '.join(sorted(MEASURES))}") from None


@register("count")
def incident_counts(session: Session, party: str, query: JointQuery) -> MeasureInput:
    """The party's own incidents per station, month (Europe/Amsterdam) and category group."""
    from perron.access.agreements import viewer_for
    from perron.access.policy import Purpose
    from perron.domain.parties import Role
    from perron.registry.queries import Filters, aggregate

    viewer = viewer_for(session, party, Role.ADMIN, "joint")
    result = aggregate(
        session,
        viewer,
        Purpose(query.purpose),
        by=("station", "month", "group"),
        filters=Filters(owners=(party,), since=query.since, until=query.until),
    )
    position = {cell: i for i, cell in enumerate(query.cells())}
    values = [0] * len(position)
    synthetic = bool(
        aggregate(
            session,
            viewer,
            Purpose(query.purpose),
            by=("group",),
            filters=Filters(owners=(party,), since=query.since, until=query.until, synthetic=True),
        ).cells
    )
    for cell in result.cells:
        key = (cell.get("station"), cell.get("month"), cell.get("group"))
        at = position.get(key)  # type: ignore[arg-type]
        if at is not None and cell.get("count") is not None:
            values[at] += int(cell["count"])
    return MeasureInput(values, synthetic)

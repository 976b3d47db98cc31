"""What a party puts into a joint computation: its own figures per cell of the agreed grid.

Measures are a registry: a measure is a function from (session, party, query) to one integer
per cell of :meth:`JointQuery.cells`. The built-ins register here the way another would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from perron.domain.local_time import LOCAL_TZ
from perron.domain.taxonomy import GROUPS
from perron.joint.spec import JointQuery
from perron.plugins import load_modules


@dataclass(frozen=True)
class MeasureInput:
    """A party's figures per cell, and whether any of them comes from synthetic records."""

    values: list[int]
    synthetic: bool
    #: a second figure per cell, opened only where ``values`` is not small (harm in tenths)
    weighted: list[int] | None = None


Measure = Callable[[Session, str, JointQuery], MeasureInput]


@dataclass(frozen=True)
class MeasureKind:
    """A measure and the values of its third dimension (the ``group`` of a cell)."""

    name: str
    fn: Measure
    groups: tuple[str, ...]
    unit: str


MEASURES: dict[str, MeasureKind] = {}


def register(name: str, groups: tuple[str, ...], unit: str) -> Callable[[Measure], Measure]:
    """Add a measure under ``name`` (used by the built-ins too)."""

    def add(fn: Measure) -> Measure:
        if name in MEASURES:
            raise ValueError(f"measure {name!r} is registered already")
        MEASURES[name] = MeasureKind(name, fn, groups, unit)
        return fn

    return add


def discover() -> dict[str, MeasureKind]:
    """Every measure: Perron's and those of the ``perron.joint.measures`` entry points."""
    load_modules("perron.joint.measures")
    return MEASURES


def measure_kind(name: str) -> MeasureKind:
    discover()
    try:
        return MEASURES[name]
    except KeyError:
        raise KeyError(f"unknown measure {name!r}; known: {', '.join(sorted(MEASURES))}") from None


def measure(name: str) -> Measure:
    return measure_kind(name).fn


def _grid(query: JointQuery) -> tuple[dict[tuple[str, str, str], int], list[int]]:
    position = {cell: i for i, cell in enumerate(query.cells())}
    return position, [0] * len(position)


@register("count", tuple(GROUPS), "incidents")
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
    position, values = _grid(query)
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


@register("harm", tuple(GROUPS), "harm points")
def harm_sums(session: Session, party: str, query: JointQuery) -> MeasureInput:
    """The party's incidents per cell and their harm (the programme's harm weights per
    category, summed in tenths of a point); a cell's harm is shown only when its count is."""
    from perron.access.agreements import viewer_for
    from perron.access.policy import Purpose
    from perron.domain.parties import Role
    from perron.domain.taxonomy import group_of
    from perron.programme.catalogue import load_harm_weights
    from perron.registry.queries import Filters, aggregate

    weights = load_harm_weights()
    counted = incident_counts(session, party, query)
    viewer = viewer_for(session, party, Role.ADMIN, "joint")
    result = aggregate(
        session,
        viewer,
        Purpose(query.purpose),
        by=("station", "month", "category"),
        filters=Filters(owners=(party,), since=query.since, until=query.until),
    )
    position, harm = _grid(query)
    for cell in result.cells:
        category = cell.get("category")
        key = (cell.get("station"), cell.get("month"), group_of(category) if category else None)
        at = position.get(key)  # type: ignore[arg-type]
        if at is not None and cell.get("count") is not None:
            harm[at] += round(10 * weights.of(category)) * int(cell["count"])
    return MeasureInput(counted.values, counted.synthetic, harm)


#: response-time classes of an alert: minutes from raised to a unit on the scene
RESPONSE_BUCKETS = ("0-5", "5-10", "10-15", "15-30", "30+")
_BOUNDS = (5, 10, 15, 30)


def response_bucket(minutes: float) -> str:
    for bound, name in zip(_BOUNDS, RESPONSE_BUCKETS, strict=False):
        if minutes < bound:
            return name
    return RESPONSE_BUCKETS[-1]


@register("response", RESPONSE_BUCKETS, "alerts")
def response_histogram(session: Session, party: str, query: JointQuery) -> MeasureInput:
    """The party's alerts with a unit on the scene, per station, month and response class."""
    from datetime import datetime, time

    from sqlalchemy import select

    from perron.store.tables.live import Alert

    start = datetime.combine(query.since, time(0), LOCAL_TZ)
    end = datetime.combine(query.until, time(23, 59, 59, 999999), LOCAL_TZ)
    rows = session.execute(
        select(Alert.station_code, Alert.created_at, Alert.on_scene_at, Alert.synthetic).where(
            Alert.responsible_party == party,
            Alert.created_at >= start,
            Alert.created_at <= end,
            Alert.on_scene_at.is_not(None),
        )
    ).all()
    position, values = _grid(query)
    synthetic = False
    for station, created, on_scene, is_synthetic in rows:
        if on_scene is None:
            continue
        minutes = (on_scene - created).total_seconds() / 60
        month = created.astimezone(LOCAL_TZ).strftime("%Y-%m")
        at = position.get((station, month, response_bucket(minutes)))
        if at is not None:
            values[at] += 1
            synthetic = synthetic or bool(is_synthetic)
    return MeasureInput(values, synthetic)

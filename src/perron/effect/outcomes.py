"""Outcome panels from the store: stations × months of what Perron records.

Outcomes are read through the capabilities' own service functions, never around them:
registry incidents through :func:`perron.registry.queries.aggregate` (for the caller, for a
stated purpose, with its small-cell suppression), the treatment start of a deal measure through
:func:`perron.programme.get_deal_measure`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access.policy import Purpose
from perron.effect.panel import NEVER, Panel, PanelError, month_index, month_text


@dataclass(frozen=True)
class Outcome:
    name: str
    description: str
    build: Callable[..., Panel]


OUTCOMES: dict[str, Outcome] = {}


def register_outcome(o: Outcome) -> Outcome:
    """Add an outcome by its name; a name taken already is a ``ValueError``."""
    if o.name in OUTCOMES:
        raise ValueError(f"outcome {o.name!r} already registered")
    OUTCOMES[o.name] = o
    return o


def _viewer(session: Session, actor: Any) -> Any:
    from perron.access.agreements import viewer_for

    return viewer_for(session, actor.party_code, actor.role, actor.username)


def _stations(session: Session) -> list[str]:
    from perron.store.tables.reference import Station

    return list(session.scalars(select(Station.code).order_by(Station.code)))


def incident_panel(
    session: Session,
    actor: Any,
    purpose: Purpose,
    *,
    categories: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    treated: dict[str, str] | None = None,
    exclude: Sequence[str] = (),
    harm: bool = False,
) -> Panel:
    """Registry incidents (of ``categories``: codes or groups) per station and month.

    ``treated`` maps station codes to their first treated month (``YYYY-MM``); ``exclude``
    leaves stations out (for instance those with other measures of the same kind). With
    ``harm`` the incidents are weighted by the programme's harm weights.
    """
    from perron.registry.queries import AccessDenied, Filters, QueryError, aggregate

    by = ("station", "month", "category") if harm else ("station", "month")
    try:
        agg = aggregate(
            session, _viewer(session, actor), purpose, by, Filters(categories=tuple(categories))
        )
    except (QueryError, AccessDenied) as exc:
        raise PanelError(str(exc)) from None
    weight: Callable[[str | None], float] = lambda _c: 1.0  # noqa: E731
    if harm:
        from perron.programme import load_harm_weights

        weight = load_harm_weights().of
    stations = [s for s in _stations(session) if s not in set(exclude)]
    cells = [c for c in agg.cells if c.get("station") and c.get("month")]
    suppressed = sum(1 for c in cells if c["suppressed"] and c["station"] in set(stations))
    if suppressed:
        raise PanelError(
            f"{suppressed} station-months are withheld from your party (fewer than "
            f"{agg.min_cell} incidents of other parties' data you may see only in aggregate); "
            "an evaluation needs every station-month"
        )
    months = sorted({c["month"] for c in cells})
    if not months:
        raise PanelError("no incidents of these categories in the registry")
    # never before the first or after the last month with data: no invented zero months
    lo = max(month_index(since), month_index(months[0])) if since else month_index(months[0])
    hi = min(month_index(until), month_index(months[-1])) if until else month_index(months[-1])
    if hi < lo:
        raise PanelError("the period ends before it starts")
    sidx = {s: i for i, s in enumerate(stations)}
    y = np.zeros((len(stations), hi - lo + 1))
    for c in cells:
        i = sidx.get(c["station"])
        k = month_index(c["month"]) - lo
        if i is None or not 0 <= k <= hi - lo:
            continue
        y[i, k] += c["count"] * (weight(c.get("category")) if harm else 1.0)
    start = np.full(len(stations), NEVER, dtype=np.int64)
    for code, first in (treated or {}).items():
        if code not in sidx:
            raise PanelError(f"unknown station {code!r}")
        k = month_index(first) - lo
        if k <= hi - lo:
            start[sidx[code]] = max(k, 0)
    label = ",".join(categories) if categories else "all safety incidents"
    return Panel(
        stations,
        [month_text(k) for k in range(lo, hi + 1)],
        y,
        start,
        outcome=("harm-weighted incidents" if harm else "incidents") + f" ({label})",
        counts=True,  # harm-weighted counts are fitted multiplicatively too (quasi-Poisson)
        synthetic=False,
        source="registry",
    )


register_outcome(
    Outcome(
        "incidents", "registry incidents by category group, per station and month", incident_panel
    )
)


def measure_panel(
    session: Session,
    actor: Any,
    purpose: Purpose,
    measure_id: int,
    *,
    months_before: int = 48,
    until: str | None = None,
    harm: bool = True,
) -> tuple[Panel, dict[str, Any]]:
    """The panel to evaluate a deal measure on: the incidents its catalogue entry targets."""
    from perron.programme import NotFound, get_deal_measure, list_deal_measures, load_catalogue

    try:
        rec = get_deal_measure(session, int(measure_id))
    except NotFound:
        raise PanelError(f"no deal measure with id {measure_id}") from None
    if rec.actual_start is None:
        raise PanelError(
            f"measure {measure_id} ({rec.measure_code} at {', '.join(rec.stations)}) has not "
            "started: it has no actual start date to evaluate from"
        )
    catalogue = load_catalogue()
    entry = next((m for m in catalogue.measures if m.code == rec.measure_code), None)
    categories = tuple(entry.targets) if entry else ()
    start = _month(rec.actual_start)
    others = {
        s
        for m in list_deal_measures(session, started=True)
        if m.measure_code == rec.measure_code and m.id != rec.id
        for s in m.stations
    } - set(rec.stations)
    lo = month_index(start) - months_before
    panel = incident_panel(
        session,
        actor,
        purpose,
        categories=categories,
        since=month_text(lo),
        until=until,
        treated={s: start for s in rec.stations},
        exclude=sorted(others),
        harm=harm,
    )
    panel.synthetic = bool(rec.synthetic)
    panel.source = f"deal {rec.deal_code}, measure {rec.id}"
    info = {
        "measure_id": rec.id,
        "deal": rec.deal_code,
        "measure": rec.measure_code,
        "stations": rec.stations,
        "actual_start": rec.actual_start.isoformat(),
        "targets": list(categories),
        "excluded_stations": sorted(others),
        "synthetic": bool(rec.synthetic),
    }
    return panel, info


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"

"""Outcome panels from the store: stations × months (or survey waves) of what Perron records.

Outcomes are read through the capabilities' own functions and access rules, never around them:

* ``incidents`` and ``disruptions``: registry incidents through
  :func:`perron.registry.queries.aggregate` (for the caller, for a stated purpose, with its
  small-cell suppression); ``disruptions`` are the incidents of the public disruption data
  (party ``rdt``): the safety-related disruptions of the rail network;
* ``alerts``: the alerts the caller's party may see (:func:`perron.live.alerts.visible_query`)
  opened per station and month;
* ``response_time``: the **median** minutes from the moment an alert was raised to the step
  asked (acknowledged, dispatched or on scene) per station and month, over the alerts the
  party's response-time figures cover (:func:`perron.live.kpi.response_parties`). The median,
  not the mean: one alert left unattended for hours would otherwise decide a month;
* ``evening_safety``: the perception monitor's weighted evening-safety score (1–10) per station
  and **quarter** (a survey wave), post-stratified per wave with the monitor's own weighting
  (:mod:`perron.monitor.scores`). A station with fewer than 30 answers in any wave has no
  score there (the monitor's suppression rule) and is left out of the panel. A measure counts
  from the first wave that starts on or after its start month.

Every builder takes ``(session, actor, purpose, *, treated, since, until, exclude, ...)`` and
returns a balanced :class:`~perron.effect.panel.Panel`; months before the first or after the
last month with data are never invented. Reads that the capability does not audit itself are
written to the audit trail (``effect.outcome.read``). The treatment start of a deal measure
comes from :func:`perron.programme.get_deal_measure`.
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
from perron.plugins import load_modules


@dataclass(frozen=True)
class Outcome:
    name: str
    description: str
    build: Callable[..., Panel]
    #: ``month`` or ``quarter``: the period of the panel the builder returns
    period_kind: str = "month"


OUTCOMES: dict[str, Outcome] = {}


def discover() -> dict[str, Outcome]:
    """Every outcome: Perron's and those of the ``perron.effect.outcomes`` entry points."""
    load_modules("perron.effect.outcomes")
    return OUTCOMES


def outcome(name: str) -> Outcome:
    """The outcome ``name``; the error names the known ones."""
    known = discover()
    try:
        return known[name]
    except KeyError:
        raise ValueError(f"unknown outcome {name!r}; known: {', '.join(sorted(known))}") from None


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
    owners: Sequence[str] = (),
) -> Panel:
    """Registry incidents (of ``categories``: codes or groups; of ``owners``: parties, all
    when empty) per station and month.

    ``treated`` maps station codes to their first treated month (``YYYY-MM``); ``exclude``
    leaves stations out (for instance those with other measures of the same kind). With
    ``harm`` the incidents are weighted by the programme's harm weights.
    """
    from perron.registry.queries import AccessDenied, Filters, QueryError, aggregate

    # by synthetic too: a panel with generated incidents is labelled as such
    by = (
        ("station", "month", "synthetic", "category") if harm else ("station", "month", "synthetic")
    )
    try:
        agg = aggregate(
            session,
            _viewer(session, actor),
            purpose,
            by,
            Filters(categories=tuple(categories), owners=tuple(owners)),
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
    synthetic = False
    for c in cells:
        i = sidx.get(c["station"])
        k = month_index(c["month"]) - lo
        if i is None or not 0 <= k <= hi - lo:
            continue
        y[i, k] += c["count"] * (weight(c.get("category")) if harm else 1.0)
        synthetic = synthetic or (bool(c.get("synthetic")) and bool(c["count"]))
    start = np.full(len(stations), NEVER, dtype=np.int64)
    for code, first in (treated or {}).items():
        if code not in sidx:
            raise PanelError(f"unknown station {code!r}")
        k = month_index(first) - lo
        if k <= hi - lo:
            start[sidx[code]] = max(k, 0)
    label = ",".join(categories) if categories else "all safety incidents"
    what = "harm-weighted incidents" if harm else "incidents"
    if tuple(owners) == (DISRUPTION_PARTY,):
        what = "harm-weighted safety-related disruptions" if harm else "safety-related disruptions"
    elif owners:
        label += " of " + ",".join(owners)
    return Panel(
        stations,
        [month_text(k) for k in range(lo, hi + 1)],
        y,
        start,
        outcome=f"{what} ({label})",
        counts=True,  # harm-weighted counts are fitted multiplicatively too (quasi-Poisson)
        synthetic=synthetic,
        source="registry" + (" (with generated incidents)" if synthetic else ""),
    )


register_outcome(
    Outcome(
        "incidents", "registry incidents by category group, per station and month", incident_panel
    )
)

#: the party of the public disruption data (Rijden de Treinen) in the registry
DISRUPTION_PARTY = "rdt"


def disruption_panel(session: Session, actor: Any, purpose: Purpose, **kwargs: Any) -> Panel:
    """Safety-related disruptions (the registry's incidents of the public disruption data) per
    station and month; ``categories`` and ``harm`` as for :func:`incident_panel`."""
    return incident_panel(session, actor, purpose, owners=(DISRUPTION_PARTY,), **kwargs)


register_outcome(
    Outcome(
        "disruptions",
        "safety-related disruptions of the public disruption data, per station and month",
        disruption_panel,
    )
)


# --------------------------------------------------------------------------- shared helpers


def _audit_read(
    session: Session, actor: Any, purpose: Purpose, outcome: str, detail: dict[str, Any]
) -> None:
    from perron.access import audit

    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=Purpose(purpose).value,
        action="effect.outcome.read",
        subject=f"outcome:{outcome}",
        detail=detail,
    )


def _window(
    present: Sequence[int], since: str | None, until: str | None, what: str
) -> tuple[int, int]:
    """First and last month index with data, clipped to ``since``/``until``."""
    if not present:
        raise PanelError(f"no {what} in the store")
    lo, hi = min(present), max(present)
    try:
        if since:
            lo = max(lo, month_index(since))
        if until:
            hi = min(hi, month_index(until))
    except ValueError as exc:
        raise PanelError(str(exc)) from None
    if hi < lo:
        raise PanelError("the period ends before it starts")
    return lo, hi


def _starts(
    stations: Sequence[str],
    treated: dict[str, str] | None,
    periods: Sequence[int],
    known: Sequence[str],
) -> np.ndarray:
    """Index of the first period that starts on or after each station's first treated month
    (``NEVER`` for untreated stations and for starts after the data)."""
    sidx = {s: i for i, s in enumerate(stations)}
    start = np.full(len(stations), NEVER, dtype=np.int64)
    for code, first in (treated or {}).items():
        if code not in sidx:
            if code in known:
                continue  # left out of the panel: the builder says why
            raise PanelError(f"unknown station {code!r}")
        try:
            k = month_index(first)
        except ValueError as exc:
            raise PanelError(f"treatment start of {code}: {exc}") from None
        after = [j for j, p in enumerate(periods) if p >= k]
        if after:
            start[sidx[code]] = after[0]
    return start


def _keep_complete(
    stations: list[str],
    y: np.ndarray,
    treated: dict[str, str] | None,
    why: str,
) -> tuple[list[str], np.ndarray, list[str]]:
    """Leave out stations with a missing (NaN) cell; a treated one cannot be left out."""
    full = ~np.isnan(y).any(axis=1)
    gone = [s for s, ok in zip(stations, full, strict=True) if not ok]
    hit = sorted(set(gone) & set(treated or {}))
    if hit:
        raise PanelError(
            f"{', '.join(hit[:5])}: {why} in some period; an evaluation needs every period of "
            "the treated stations"
        )
    keep = np.flatnonzero(full)
    return [stations[i] for i in keep], y[keep], gone


# --------------------------------------------------------------------------- live: alerts

ALERT_STEPS = {"acknowledge": "acknowledged", "dispatch": "dispatched", "arrive": "on scene"}


def _alert_rows(
    session: Session, actor: Any, response: str | None
) -> tuple[list[tuple[str, int, float | None]], bool]:
    """(station, local month index, minutes to ``response`` or None) per alert the actor's
    party may see (``response``: the step, for response times) and whether any is synthetic."""
    from perron.live import kpi
    from perron.live.alerts import visible_query
    from perron.store.tables.live import Alert

    if response is None:
        q = visible_query(actor).with_only_columns(
            Alert.station_code, Alert.created_at, Alert.synthetic
        )
        rows = [(s, c, None, syn) for s, c, syn in session.execute(q)]
    else:
        column = getattr(Alert, kpi.MEASURES[response])
        q = select(Alert.station_code, Alert.created_at, column, Alert.synthetic).where(
            Alert.responsible_party.in_(sorted(kpi.response_parties(actor.party_code))),
            column.is_not(None),
        )
        rows = list(session.execute(q))
    out: list[tuple[str, int, float | None]] = []
    synthetic = False
    for station, created, done, syn in rows:
        local = created.astimezone(kpi.LOCAL_TZ)
        minutes = None if done is None else (done - created).total_seconds() / 60
        out.append((station, local.year * 12 + local.month - 1, minutes))
        synthetic = synthetic or bool(syn)
    return out, synthetic


def alert_panel(
    session: Session,
    actor: Any,
    purpose: Purpose,
    *,
    since: str | None = None,
    until: str | None = None,
    treated: dict[str, str] | None = None,
    exclude: Sequence[str] = (),
) -> Panel:
    """Alerts opened per station and (Dutch local) month, over the alerts the actor's party
    may see; every station of the reference data, zero where no alert was opened."""
    rows, synthetic = _alert_rows(session, actor, None)
    lo, hi = _window([r[1] for r in rows], since, until, "alerts you may see")
    stations = [s for s in _stations(session) if s not in set(exclude)]
    sidx = {s: i for i, s in enumerate(stations)}
    y = np.zeros((len(stations), hi - lo + 1))
    for station, month, _ in rows:
        i = sidx.get(station)
        if i is not None and lo <= month <= hi:
            y[i, month - lo] += 1
    periods = list(range(lo, hi + 1))
    start = _starts(stations, treated, periods, stations)
    _audit_read(
        session,
        actor,
        purpose,
        "alerts",
        {"from": month_text(lo), "to": month_text(hi), "stations": len(stations)},
    )
    return Panel(
        stations,
        [month_text(k) for k in periods],
        y,
        start,
        outcome="alerts opened",
        counts=True,
        synthetic=synthetic,
        source="live alerts",
    )


def response_time_panel(
    session: Session,
    actor: Any,
    purpose: Purpose,
    *,
    since: str | None = None,
    until: str | None = None,
    treated: dict[str, str] | None = None,
    exclude: Sequence[str] = (),
    step: str = "acknowledge",
) -> Panel:
    """Median minutes from raising an alert to ``step`` (acknowledge, dispatch or arrive) per
    station and month, over the alerts of the parties whose response times the actor's party
    may read. A station-month without such an alert has no median: stations with one are left
    out (``panel.notes`` says which)."""
    if step not in ALERT_STEPS:
        raise PanelError(f"unknown response step {step!r}; choose {', '.join(ALERT_STEPS)}")
    rows, synthetic = _alert_rows(session, actor, step)
    lo, hi = _window([r[1] for r in rows], since, until, f"alerts {ALERT_STEPS[step]}")
    all_stations = [s for s in _stations(session) if s not in set(exclude)]
    sidx = {s: i for i, s in enumerate(all_stations)}
    cells: dict[tuple[int, int], list[float]] = {}
    for station, month, minutes in rows:
        i = sidx.get(station)
        if i is not None and lo <= month <= hi and minutes is not None:
            cells.setdefault((i, month - lo), []).append(minutes)
    y = np.full((len(all_stations), hi - lo + 1), np.nan)
    for (i, k), v in cells.items():
        y[i, k] = float(np.median(v))
    stations, y, gone = _keep_complete(all_stations, y, treated, f"no alert {ALERT_STEPS[step]}")
    if not stations:
        raise PanelError(f"no station has an alert {ALERT_STEPS[step]} in every month")
    periods = list(range(lo, hi + 1))
    start = _starts(stations, treated, periods, all_stations)
    _audit_read(
        session,
        actor,
        purpose,
        "response_time",
        {"step": step, "from": month_text(lo), "to": month_text(hi), "stations": len(stations)},
    )
    notes = (
        [f"{len(gone)} stations left out: a month without an alert {ALERT_STEPS[step]}"]
        if gone
        else []
    )
    return Panel(
        stations,
        [month_text(k) for k in periods],
        y,
        start,
        outcome=f"median minutes from raised to {ALERT_STEPS[step]}",
        counts=False,
        synthetic=synthetic,
        source="live alerts",
        notes=notes,
    )


register_outcome(Outcome("alerts", "alerts opened per station and month (live)", alert_panel))
register_outcome(
    Outcome(
        "response_time",
        "median minutes from raising an alert to acknowledged, dispatched or on scene, per "
        "station and month (live)",
        response_time_panel,
    )
)


# --------------------------------------------------------------------------- monitor


def quarter_of(month: int) -> int:
    """The month index of the first month of the quarter of ``month``."""
    return month - month % 3


def monitor_panel(
    session: Session,
    actor: Any,
    purpose: Purpose,
    *,
    since: str | None = None,
    until: str | None = None,
    treated: dict[str, str] | None = None,
    exclude: Sequence[str] = (),
    item: str = "safe_evening",
) -> Panel:
    """The perception monitor's weighted score of ``item`` (evening safety by default) per
    station and quarter. Weights are the monitor's post-stratification by gender × age band,
    computed per quarter; a station with fewer than the monitor's minimum of answers in any
    quarter is left out (``panel.notes``)."""
    from perron.monitor import scores as sc
    from perron.monitor import store as mstore
    from perron.monitor.model import ITEMS, MIN_RESPONSES, configured_population

    if item not in ITEMS:
        raise PanelError(f"unknown survey item {item!r}; choose {', '.join(ITEMS)}")
    frame = mstore.load_frame(session)
    frame = frame[frame[item].notna()]
    if frame.empty:
        raise PanelError("no survey responses in the store")
    month = (frame["response_date"].dt.year * 12 + frame["response_date"].dt.month - 1).to_numpy()
    lo, hi = _window(sorted(set(month.tolist())), since, until, "survey responses")
    # whole quarters only: from the first that starts on or after ``since``
    lo, hi = quarter_of(lo + 2), quarter_of(hi)
    wave = month - month % 3
    keep = (month >= lo) & (month <= hi + 2) & (month <= (month_index(until) if until else hi + 2))
    if hi < lo or not keep.any():
        raise PanelError("no whole survey quarter in the period")
    frame = frame[keep].copy()
    wave = wave[keep]
    frame["wave"] = wave
    frame["weight"] = sc.poststrat_weights(
        frame["gender"], frame["age_band"], wave, configured_population()
    )
    table = sc.score_table(frame, ["station_code", "wave"], [item], MIN_RESPONSES)
    periods = list(range(lo, hi + 1, 3))
    pidx = {p: k for k, p in enumerate(periods)}
    all_stations = [s for s in _stations(session) if s not in set(exclude)]
    sidx = {s: i for i, s in enumerate(all_stations)}
    y = np.full((len(all_stations), len(periods)), np.nan)
    for code, w, mean, suppressed in zip(
        table["station_code"].astype(str),
        table["wave"].astype(int),
        table["mean"],
        table["suppressed"],
        strict=True,
    ):
        i = sidx.get(code)
        if i is not None and not suppressed and mean is not None:
            y[i, pidx[w]] = float(mean)
    stations, y, gone = _keep_complete(
        all_stations, y, treated, f"fewer than {MIN_RESPONSES} survey answers"
    )
    if not stations:
        raise PanelError(f"no station has {MIN_RESPONSES} survey answers in every quarter")
    start = _starts(stations, treated, periods, all_stations)
    _audit_read(
        session,
        actor,
        purpose,
        "evening_safety",
        {"item": item, "from": month_text(lo), "to": month_text(hi), "stations": len(stations)},
    )
    notes = (
        [f"{len(gone)} stations left out: fewer than {MIN_RESPONSES} answers in some quarter"]
        if gone
        else []
    )
    return Panel(
        stations,
        [month_text(k) for k in periods],
        y,
        start,
        outcome=f"survey score {item} (1–10, weighted)",
        counts=False,
        synthetic=bool(frame["synthetic"].any()),
        source="perception monitor",
        period_kind="quarter",
        notes=notes,
    )


register_outcome(
    Outcome(
        "evening_safety",
        "the perception monitor's weighted evening-safety score per station and quarter",
        monitor_panel,
        period_kind="quarter",
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
    outcome: str = "incidents",
    step: str = "acknowledge",
) -> tuple[Panel, dict[str, Any]]:
    """The panel to evaluate a deal measure on: by default the incidents its catalogue entry
    targets (harm-weighted); with ``outcome`` any registered outcome kind (``disruptions`` of
    the categories it targets, ``alerts``, ``response_time`` to ``step``, ``evening_safety``)
    at every station, the measure's stations treated from its actual start, stations with other
    started measures of the same kind left out."""
    from perron.programme import NotFound, get_deal_measure, list_deal_measures, load_catalogue

    kind = OUTCOMES.get(outcome)
    if kind is None:
        raise PanelError(f"unknown outcome {outcome!r}; choose {', '.join(sorted(OUTCOMES))}")
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
    common: dict[str, Any] = {
        "since": month_text(lo),
        "until": until,
        "treated": {s: start for s in rec.stations},
        "exclude": sorted(others),
    }
    if outcome in ("incidents", "disruptions"):
        common.update(categories=categories, harm=harm)
    elif outcome == "response_time":
        common.update(step=step)
    panel = kind.build(session, actor, purpose, **common)
    panel.synthetic = bool(rec.synthetic) or panel.synthetic
    panel.source = f"deal {rec.deal_code}, measure {rec.id}"
    info = {
        "measure_id": rec.id,
        "deal": rec.deal_code,
        "measure": rec.measure_code,
        "stations": rec.stations,
        "actual_start": rec.actual_start.isoformat(),
        "outcome_kind": outcome,
        "period_kind": panel.period_kind,
        "targets": list(categories) if outcome in ("incidents", "disruptions") else [],
        "excluded_stations": sorted(others),
        "notes": list(panel.notes),
        "synthetic": bool(rec.synthetic),
    }
    if outcome == "response_time":
        info["step"] = step
    return panel, info


def planned_panel(
    session: Session,
    actor: Any,
    purpose: Purpose,
    measure_id: int,
    *,
    months_before: int = 48,
    harm: bool = True,
    outcome: str = "incidents",
    step: str = "acknowledge",
) -> tuple[Panel, dict[str, Any]]:
    """The history a deal measure's power is rehearsed on, before it starts: the outcome over
    the last ``months_before`` months of data at every station, nobody treated; stations with
    other started measures of the same kind left out."""
    from perron.programme import NotFound, get_deal_measure, list_deal_measures, load_catalogue

    kind = OUTCOMES.get(outcome)
    if kind is None:
        raise PanelError(f"unknown outcome {outcome!r}; choose {', '.join(sorted(OUTCOMES))}")
    try:
        rec = get_deal_measure(session, int(measure_id))
    except NotFound:
        raise PanelError(f"no deal measure with id {measure_id}") from None
    entry = next((m for m in load_catalogue().measures if m.code == rec.measure_code), None)
    categories = tuple(entry.targets) if entry else ()
    others = {
        s
        for m in list_deal_measures(session, started=True)
        if m.measure_code == rec.measure_code and m.id != rec.id
        for s in m.stations
    } - set(rec.stations)
    common: dict[str, Any] = {"exclude": sorted(others)}
    if outcome in ("incidents", "disruptions"):
        common.update(categories=categories, harm=harm)
    elif outcome == "response_time":
        common.update(step=step)
    panel = kind.build(session, actor, purpose, **common)
    keep = max(
        len(panel.periods)
        - (months_before // 3 if panel.period_kind == "quarter" else months_before),
        0,
    )
    if keep:
        panel = Panel(
            panel.units,
            panel.periods[keep:],
            panel.y[:, keep:],
            panel.start,
            panel.outcome,
            panel.counts,
            panel.synthetic,
            panel.source,
            panel.labels,
            panel.period_kind,
            panel.notes,
        )
    missing = [s for s in rec.stations if s not in panel.units]
    if missing:
        raise PanelError(
            f"{', '.join(missing)}: not in the panel of {outcome} (see the outcome's rules)"
        )
    panel.synthetic = bool(rec.synthetic) or panel.synthetic
    panel.source = f"deal {rec.deal_code}, measure {rec.id} (planned)"
    info = {
        "measure_id": rec.id,
        "deal": rec.deal_code,
        "measure": rec.measure_code,
        "stations": rec.stations,
        "status": rec.status,
        "outcome_kind": outcome,
        "period_kind": panel.period_kind,
        "notes": list(panel.notes),
        "synthetic": bool(rec.synthetic),
    }
    return panel, info


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"

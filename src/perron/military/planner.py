"""Plan one military transport: validate the request, apply the rule set, search routes and
slots, and describe the plan, its civil impact and the alternatives. Pure: no database."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import networkx as nx

from perron.domain.local_time import LOCAL_TIMEZONE
from perron.military import occupancy as occ
from perron.military import search
from perron.military.model import (
    GAUGE_CLASSES,
    MAX_LENGTH_M,
    MAX_MASS_T,
    MAX_SPEED_KMH,
    TRACTIONS,
    CivilTrain,
    Network,
    Plan,
    PlanningError,
    Request,
    Settings,
)
from perron.military.rules import RuleContext, closures, may_wait, rule_table

TIMEZONE = LOCAL_TIMEZONE
MAX_WINDOW_H = 24.0
MAX_AVOID = 50
#: travellers on board per civil train by product (assumption; no occupancy data is public)
TRAVELLERS_PER_TRAIN: dict[str, float] = {
    "Intercity": 250.0,
    "Intercity direct": 300.0,
    "Sprinter": 100.0,
    "Stoptrein": 60.0,
    "Sneltrein": 120.0,
}
DEFAULT_TRAVELLERS = 150.0
PHASE_LABEL = (
    "Civil departures within the hour are not in the data: assumed evenly spaced at each "
    "series' headway, phase by the rule {rule!r} ({text}). Slots are indicative and must be "
    "confirmed against the real timetable."
)
TRACK_LABEL = (
    "Every link is assumed double track (one track per direction; civil trains in the opposite "
    "direction do not conflict); number of tracks per section is not in open data."
)
GAUGE_LABEL = (
    "Loading gauge is not checked: no open data on the gauge per section; class {gauge} noted."
)
CODE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")


@dataclass(frozen=True)
class Inputs:
    """Everything the planner reads: network, civil occupancy per window, rule context."""

    network: Network
    occupancy: Callable[[int], Mapping[tuple[str, str], list[occ.Template]]]
    context: RuleContext
    sites: Mapping[str, list[dict[str, str]]]  # station code -> mobility reference rows
    label: str = ""


def shipped_inputs() -> Inputs:
    """The planner's inputs from the reference data shipped with Perron."""
    from perron.military import data

    sites: dict[str, list[dict[str, str]]] = {}
    for s in data.reference():
        if s.code and s.kind in ("port", "defence_siding", "border", "siding_740m"):
            sites.setdefault(s.code, []).append({"kind": s.kind, "name": s.name})
    return Inputs(data.network(), data.occupancy, data.rule_context(), sites, data.REFERENCE_LABEL)


# ---------------------------------------------------------------------------- request parsing


def _code(value: Any, name: str, network: Network) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PlanningError(f"{name}: a station code is required", name)
    code = value.strip().upper()
    if not CODE.match(code) or code not in network.stations:
        raise PlanningError(f"{name}: unknown station code {value.strip()[:20]!r}", name)
    return code


def _time(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise PlanningError(
                f"{name}: expected a time as YYYY-MM-DDTHH:MM, not {str(value)[:30]!r}", name
            ) from None
    if moment.tzinfo is not None:
        raise PlanningError(f"{name}: give local time ({TIMEZONE}) without an offset", name)
    if not 2000 <= moment.year <= 2100:
        raise PlanningError(f"{name}: year out of range", name)
    return moment.replace(second=0, microsecond=0)


def _number(value: Any, name: str, lo: float, hi: float, unit: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PlanningError(f"{name}: expected a number, not {str(value)[:20]!r}", name) from None
    if not lo <= x <= hi or x != x:
        raise PlanningError(f"{name}: must be between {lo:g} and {hi:g} {unit}, not {x:g}", name)
    return x


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on", "ja"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "0", "off", "nee", ""):
        return False
    raise PlanningError(f"{name}: expected yes or no", name)


#: a section A-B between stations that are not adjacent covers at most this many links
MAX_SECTION_LINKS = 8


def parse_link(text: Any, network: Network) -> list[tuple[str, str]]:
    """``A-B``: the link between adjacent stations, or every link of the shortest section
    between two stations that are not adjacent (at most :data:`MAX_SECTION_LINKS` links)."""
    if not isinstance(text, str) or text.count("-") != 1:
        raise PlanningError(f"avoid: expected a link as FROM-TO, not {str(text)[:30]!r}", "avoid")
    a, b = (p.strip().upper() for p in text.split("-"))
    for c in (a, b):
        if c not in network.stations:
            raise PlanningError(f"avoid: unknown station code {c[:20]!r} in {text[:30]!r}", "avoid")
    if a == b:
        raise PlanningError(f"avoid: {text[:30]!r} names one station twice", "avoid")
    if network.link(a, b) is not None:
        return [(a, b)]
    g = occ.graph_of(network)
    try:
        path = nx.shortest_path(g, a, b, weight="km")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        path = []
    if not path or len(path) - 1 > MAX_SECTION_LINKS:
        raise PlanningError(
            f"avoid: {a}-{b} is neither a link nor a section of at most {MAX_SECTION_LINKS} links",
            "avoid",
        )
    return list(zip(path, path[1:], strict=False))


def parse_request(raw: Mapping[str, Any], network: Network) -> Request:
    """A validated request from plain values; :class:`PlanningError` names the field at fault."""
    origin = _code(raw.get("origin"), "origin", network)
    destination = _code(raw.get("destination"), "destination", network)
    if origin == destination:
        raise PlanningError("destination: must differ from the origin", "destination")
    earliest = _time(raw.get("earliest"), "earliest")
    latest = raw.get("latest_arrival")
    latest_dt = _time(latest, "latest_arrival") if latest not in (None, "") else None
    if latest_dt is not None:
        if latest_dt <= earliest:
            raise PlanningError(
                "latest_arrival: must be after the earliest departure", "latest_arrival"
            )
        if latest_dt - earliest > timedelta(hours=MAX_WINDOW_H):
            raise PlanningError(
                f"latest_arrival: at most {MAX_WINDOW_H:g} hours after the earliest departure",
                "latest_arrival",
            )
    length = _number(raw.get("length_m"), "length_m", 1, 10_000, "m")
    if length > MAX_LENGTH_M:
        raise PlanningError(
            f"length_m: {length:g} m is longer than the {MAX_LENGTH_M} m the Dutch network and "
            "its sidings take (TEN-T standard); split the transport",
            "length_m",
        )
    mass = _number(raw.get("mass_t"), "mass_t", 1, MAX_MASS_T, "t")
    speed = _number(raw.get("max_speed_kmh", 100), "max_speed_kmh", 20, MAX_SPEED_KMH, "km/h")
    gauge = str(raw.get("gauge") or "G1").strip().upper()
    if gauge not in GAUGE_CLASSES:
        raise PlanningError(f"gauge: choose one of {', '.join(GAUGE_CLASSES)}", "gauge")
    dangerous = _bool(raw.get("dangerous_goods", False), "dangerous_goods")
    rid = raw.get("rid_class")
    rid_class = None
    if rid not in (None, ""):
        rid_class = str(rid).strip()
        if not re.match(r"^[1-9](\.[1-6])?$", rid_class):
            raise PlanningError("rid_class: an RID class such as 1, 1.1 or 3", "rid_class")
        dangerous = True
    urgent = _bool(raw.get("urgent", False), "urgent")
    avoid_raw = raw.get("avoid") or []
    if isinstance(avoid_raw, str):
        avoid_raw = [a for a in re.split(r"[,\s]+", avoid_raw) if a]
    if not isinstance(avoid_raw, list | tuple) or len(avoid_raw) > MAX_AVOID:
        raise PlanningError(f"avoid: a list of at most {MAX_AVOID} links", "avoid")
    avoid = tuple(dict.fromkeys(lk for a in avoid_raw for lk in parse_link(a, network)))
    ref = str(raw.get("reference") or "").strip()[:80]
    traction = str(raw.get("traction") or "electric").strip().lower()
    if traction not in TRACTIONS:
        raise PlanningError(f"traction: choose {' or '.join(TRACTIONS)}", "traction")
    return Request(
        origin,
        destination,
        earliest,
        latest_dt,
        int(length),
        mass,
        speed,
        gauge,
        dangerous,
        rid_class,
        urgent,
        avoid,
        ref,
        traction,
    )


def request_dict(req: Request) -> dict[str, Any]:
    d = asdict(req)
    d["earliest"] = req.earliest.isoformat(timespec="minutes")
    d["latest_arrival"] = (
        req.latest_arrival.isoformat(timespec="minutes") if req.latest_arrival else None
    )
    d["avoid"] = [f"{a}-{b}" for a, b in req.avoid]
    return d


# ---------------------------------------------------------------------------- planning


@dataclass
class _Route:
    route: list[str]
    rt: search.RouteTimes
    trains: list[list[CivilTrain]]


def _windows(t0: datetime, horizon_min: float) -> list[int]:
    seen: set[int] = set()
    t = t0 - timedelta(hours=4)
    while t <= t0 + timedelta(minutes=horizon_min):
        seen.add(occ.window_of(t))
        t += timedelta(minutes=30)
    return sorted(seen)


def _prepare(
    inputs: Inputs, req: Request, settings: Settings, routes: list[list[str]], horizon: float
) -> list[_Route]:
    windows = _windows(req.earliest, horizon)
    index = {w: dict(inputs.occupancy(w)) for w in windows}
    links = sorted({(a, b) for r in routes for a, b in zip(r, r[1:], strict=False)})
    civil = occ.civil_trains(links, index, req.earliest, horizon, settings)
    out = []
    for r in routes:
        wait = [True] + [may_wait(c, req, inputs.context) for c in r[1:]]
        rt = search.route_times(inputs.network, r, req, settings, wait)
        out.append(_Route(r, rt, [civil[(a, b)] for a, b in zip(r, r[1:], strict=False)]))
    return out


@cache
def _estimated_load() -> dict[str, float]:
    """Travellers per civil train on each link, from the network's travellers estimate: the
    gravity model's journeys per day over the link divided by the link's trains per day
    (day and evening windows). An ESTIMATE; links without trains are left out."""
    from perron.network.analysis import context, link_flows

    ctx = context()
    out: dict[str, float] = {}
    for link, flow in zip(ctx.network.links, link_flows(ctx), strict=True):
        trips = link.trips_per_day.get("day", 0) + link.trips_per_day.get("evening", 0)
        if trips > 0 and flow > 0:
            out[f"{link.from_code}-{link.to_code}"] = out[f"{link.to_code}-{link.from_code}"] = (
                float(flow) / trips
            )
    return out


def _travellers_on(link: str, product: str) -> float:
    """Travellers on a displaced civil train: the estimate of its link, else by its product."""
    return _estimated_load().get(link) or _travellers(product)


def _travellers(product: str) -> float:
    for key in sorted(TRAVELLERS_PER_TRAIN, key=len, reverse=True):
        if product.startswith(key):
            return TRAVELLERS_PER_TRAIN[key]
    return DEFAULT_TRAVELLERS


def _iso(t0: datetime, minutes: float) -> str:
    return (t0 + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def describe(plan: Plan, t0: datetime, network: Network) -> dict[str, Any]:
    """A plan as plain data: route, times, legs, waits and civil impact."""
    displaced = {(d.series, d.direction, d.first_departure): d for d in plan.displaced}
    touched_only = [c for c in plan.touched if c.key not in displaced]
    series = sorted({d.series for d in plan.displaced} | {c.series for c in touched_only})
    pax = 0.0
    for d in plan.displaced:
        pax += _travellers_on(d.link, d.product) * (d.delay_min if not d.cancelled else 30.0)
    stations = [c for c in plan.route if c in network.stations]
    km = sum(leg.km for leg in plan.legs)
    return {
        "kind": plan.kind,
        "route": list(plan.route),
        "departure": _iso(t0, plan.departure),
        "arrival": _iso(t0, plan.arrival),
        "running_minutes": round(plan.running_min, 1),
        "km": round(km, 1),
        "waits": [
            {"station": w["station"], "minutes": w["minutes"]} for w in plan.waits if w["minutes"]
        ],
        "legs": [
            {
                "from": lg.a,
                "to": lg.b,
                "km": lg.km,
                "speed_kmh": lg.speed_kmh,
                "enter": _iso(t0, lg.enter),
                "exit": _iso(t0, lg.exit),
            }
            for lg in plan.legs
        ],
        "civil_impact": {
            "trains_affected": len(plan.displaced) + len(touched_only),
            "series": series,
            "trains_displaced": sum(1 for d in plan.displaced if not d.cancelled),
            "trains_cancelled": sum(1 for d in plan.displaced if d.cancelled),
            "delay_minutes": round(sum(d.delay_min for d in plan.displaced if not d.cancelled), 1),
            "passenger_minutes": round(pax),
            "trains_within_buffer": len(touched_only),
            "links_touched": list(plan.touched_links),
            "stations": stations,
            "displaced": [
                {
                    "series": d.series,
                    "product": d.product,
                    "direction": d.direction,
                    "series_departure": _iso(t0, d.first_departure),
                    "link": d.link,
                    "planned_entry": _iso(t0, d.planned),
                    "delay_minutes": d.delay_min,
                    "action": "cancel" if d.cancelled else "wait",
                }
                for d in plan.displaced
            ],
        },
    }


def _chart(plan: Plan, route: _Route, t0: datetime, settings: Settings) -> dict[str, Any]:
    """Time-distance data: the military path and the civil trains on its links around it."""
    km = [0.0]
    for lg in plan.legs:
        km.append(km[-1] + lg.km)
    path = []
    for i, lg in enumerate(plan.legs):
        path.append({"t": _iso(t0, lg.enter), "km": round(km[i], 2), "station": lg.a})
        path.append({"t": _iso(t0, lg.exit), "km": round(km[i + 1], 2), "station": lg.b})
    lo, hi = plan.departure - 45, plan.arrival + 45
    displaced = {(d.series, d.direction, d.first_departure) for d in plan.displaced}
    civil = []
    for i, trains in enumerate(route.trains):
        for c in trains:
            if c.exit < lo or c.enter > hi:
                continue
            train = f"{c.series}/{c.direction}/{c.first_departure:g}/{i}"
            status = "displaced" if c.key in displaced else "civil"
            civil.append(
                {
                    "train": train,
                    "series": c.series,
                    "t": _iso(t0, c.enter),
                    "km": round(km[i], 2),
                    "status": status,
                    "seg": i,
                }
            )
            civil.append(
                {
                    "train": train,
                    "series": c.series,
                    "t": _iso(t0, c.exit),
                    "km": round(km[i + 1], 2),
                    "status": status,
                    "seg": i,
                }
            )
    ticks = [{"km": round(k, 2), "station": s} for k, s in zip(km, plan.route, strict=True)]
    return {"military": path, "civil": civil, "stations": ticks}


def plan_request(
    req: Request, inputs: Inputs | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """The best plan for ``req`` with its alternatives; :class:`PlanningError` when impossible."""
    inputs = inputs or shipped_inputs()
    settings = settings or Settings()
    net = inputs.network
    closed_list = closures(req, inputs.context)
    closed = {frozenset((c.a, c.b)) for c in closed_list}
    routes = search.candidate_routes(net, req.origin, req.destination, req, closed, settings.routes)
    if not routes:
        rules = sorted({c.rule for c in closed_list})
        why = (
            f" (the links avoided or closed by the rules {', '.join(rules)} disconnect them"
            + (
                "; a diesel locomotive may use the lines without wire"
                if "electric_traction" in rules
                else ""
            )
            + ")"
            if closed
            else ""
        )
        raise PlanningError(
            f"no route from {req.origin} to {req.destination} on the network{why}",
            "avoid" if req.avoid else "traction" if "electric_traction" in rules else "destination",
        )
    horizon = (
        (req.latest_arrival - req.earliest).total_seconds() / 60.0
        if req.latest_arrival
        else settings.horizon_h * 60.0
    )
    n_ticks = int(horizon / settings.tick_min) + 1
    prepared = _prepare(inputs, req, settings, routes, horizon)
    free: list[tuple[Plan, _Route]] = []
    for pr in prepared:
        found = search.slot_on_route(pr.rt, pr.trains, n_ticks, settings)
        if found:
            free.append((search.plan_from_entries(pr.rt, pr.trains, *found, settings), pr))
    free.sort(key=lambda x: (x[0].arrival, -x[0].departure))
    priority: list[tuple[Plan, _Route]] = []
    if req.urgent:
        load = {c.product: _travellers(c.product) for pr in prepared for t in pr.trains for c in t}
        for pr in prepared:
            p = search.priority_on_route(pr.rt, pr.trains, n_ticks, settings, load)
            if p is not None:
                priority.append((p, pr))
        priority.sort(key=lambda x: (len(x[0].displaced), x[0].arrival))
    if not free and not priority:
        until = (
            f"arriving by {req.latest_arrival.isoformat(timespec='minutes')}"
            if req.latest_arrival
            else f"within {settings.horizon_h:g} hours"
        )
        hint = "" if req.urgent else "; mark it urgent to plan under the priority rule"
        raise PlanningError(
            f"no conflict-free slot from {req.origin} to {req.destination} {until}{hint}",
            "latest_arrival" if req.latest_arrival else "earliest",
        )
    best, best_route = free[0] if free else priority[0]
    options: list[tuple[Plan, _Route, str]] = []
    for p, pr in free[1:]:
        options.append((p, pr, "other_route"))
    if free:
        later = search.slot_on_route(
            best_route.rt,
            best_route.trains,
            n_ticks,
            settings,
            min_departure_tick=int(round((best.departure + 30) / settings.tick_min)),
        )
        if later:
            options.append(
                (
                    search.plan_from_entries(best_route.rt, best_route.trains, *later, settings),
                    best_route,
                    "later_departure",
                )
            )
    for p, pr in priority:
        if p is not best and p.displaced:
            options.append((p, pr, "priority"))
    if req.urgent:
        now = search.priority_at(best_route.rt, best_route.trains, 0, settings)
        if now is not None and now.departure != best.departure:
            options.append((now, best_route, "priority_now"))
    seen = {(tuple(best.route), best.departure)}
    unique = []
    for p, pr, why in options:
        key = (tuple(p.route), p.departure)
        if key not in seen:
            seen.add(key)
            unique.append((p, pr, why))
    options = unique
    alternatives = []
    for p, _pr, why in options:
        d = describe(p, req.earliest, net)
        alternatives.append({"reason": why, **d})
    alternatives.sort(
        key=lambda a: (a["arrival"], a["civil_impact"]["trains_affected"], a["departure"])
    )
    for i, a in enumerate(alternatives, start=1):
        a["rank"] = i
    out = describe(best, req.earliest, net)
    waits_allowed = sorted(
        {c for pr in prepared for c, w in zip(pr.route, pr.rt.can_wait, strict=True) if w}
    )
    out.update(
        {
            "request": request_dict(req),
            "timezone": TIMEZONE,
            "window": occ.window_of(req.earliest + timedelta(minutes=best.departure)),
            "origin_sites": list(inputs.sites.get(req.origin, [])),
            "destination_sites": list(inputs.sites.get(req.destination, [])),
            "alternatives": alternatives,
            "closed_links": [
                {"link": f"{c.a}-{c.b}", "rule": c.rule, "reason": c.reason} for c in closed_list
            ],
            "traction": req.traction,
            "wait_stations": waits_allowed,
            "rules": rule_table(),
            "chart": _chart(best, best_route, req.earliest, settings),
            "settings": asdict(settings),
            "assumptions": [
                PHASE_LABEL.format(
                    rule=settings.phase_rule, text=occ.PHASE_RULE_TEXT[settings.phase_rule]
                ),
                TRACK_LABEL,
                GAUGE_LABEL.format(gauge=req.gauge),
                f"Civil service assumed from {settings.service_start:g} h to "
                f"{settings.service_end - 24:g} h the next day; freight trains are not in the data.",
                "Passenger-minutes: travellers per civil train from the network's travellers "
                "estimate (gravity model: journeys per day over the link / trains per day; an "
                "ESTIMATE); by product where a link has none (assumption): "
                + ", ".join(f"{k} {v:g}" for k, v in TRAVELLERS_PER_TRAIN.items()),
            ],
            "label": "indicative plan on an assumed civil timetable (minute offsets not public)",
            "reference_label": inputs.label,
        }
    )
    return out


def with_settings(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)

"""The slot search: candidate routes, then per route a time-expanded earliest-arrival search.

For a route (a sequence of directed links) the search runs over ticks of ``Settings.tick_min``
minutes. A state is (node, tick, moving or standing). The train leaves the origin at any tick
from the earliest departure, enters a link only if it keeps the minimum headway to every civil
train on it at both ends of the link (no overtaking on a link), and may stand at a node only
where a wait rule allows it (a siding long enough). Among the states that reach the destination
the earliest arrival wins, then the latest departure (least time on the network). This is exact
for the route: tests compare it with exhaustive enumeration on small networks.

When no conflict-free slot exists and the transport is urgent, the priority search runs the
train without stops at every departure tick and picks the departure that displaces the fewest
civil trains (then the fewest minutes of delay, then the earliest arrival).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from perron.military.model import CivilTrain, Displaced, Leg, Network, Plan, Request, Settings

LOCO_MASS_T = 90.0  # one locomotive
MAX_ACCEL = 0.5  # m/s²


def acceleration(req: Request, settings: Settings) -> float:
    """Mean acceleration (m/s²) of the train: tractive effort over total mass, capped."""
    mass_kg = (req.mass_t + LOCO_MASS_T) * 1000.0
    return float(min(MAX_ACCEL, settings.tractive_kn * 1000.0 / mass_kg))


def link_speed(req: Request, link_speed_kmh: float) -> float:
    return float(min(req.max_speed_kmh, link_speed_kmh))


def leg_minutes(
    km: float, v_kmh: float, v_prev: float | None, req: Request, settings: Settings
) -> tuple[float, float]:
    """Minutes on a link when entering it moving (at ``v_prev``) and when starting from a stop.

    Both include the time for the train's length to clear the link end. The moving time adds
    the loss of a speed change from the previous link; the standing start adds the loss of
    braking to a stand and of accelerating again (mass-dependent).
    """
    a = acceleration(req, settings)
    b = settings.braking_ms2
    v = v_kmh / 3.6
    base = km / v_kmh * 60.0 + (req.length_m / 1000.0) / v_kmh * 60.0
    moving = base
    if v_prev is not None:
        vp = v_prev / 3.6
        if v > vp:
            moving += (v - vp) ** 2 / (2 * a * v) / 60.0
        elif v < vp:
            moving += (vp - v) ** 2 / (2 * b * vp) / 60.0
    start = base + (v / (2 * a) + v / (2 * b)) / 60.0
    return moving, start


@dataclass
class RouteTimes:
    route: list[str]
    km: list[float]
    speed: list[float]
    moving: list[int]  # ticks per link when entered moving
    start: list[int]  # ticks per link when entered from a stand
    can_wait: list[bool]  # per node


def route_times(
    network: Network,
    route: list[str],
    req: Request,
    settings: Settings,
    can_wait: list[bool],
) -> RouteTimes:
    kms: list[float] = []
    speeds: list[float] = []
    mv: list[int] = []
    st: list[int] = []
    prev: float | None = None
    for a, b in zip(route, route[1:], strict=False):
        lk = network.link(a, b)
        assert lk is not None
        v = link_speed(req, lk.speed_kmh)
        m, s = leg_minutes(lk.km, v, prev, req, settings)
        kms.append(lk.km)
        speeds.append(v)
        mv.append(max(1, math.ceil(m / settings.tick_min - 1e-9)))
        st.append(max(1, math.ceil(s / settings.tick_min - 1e-9)))
        prev = v
    return RouteTimes(route, kms, speeds, mv, st, can_wait)


def feasible_entries(
    trains: list[CivilTrain], run_ticks: int, n_ticks: int, settings: Settings
) -> np.ndarray:
    """Boolean array: may the train enter the link at tick t (and leave ``run_ticks`` later)?

    Entering at ``te`` and leaving at ``tx = te + r`` is free of conflict with a civil train
    occupying the link from ``e`` to ``x`` when it follows (te ≥ e + H and tx ≥ x + H) or leads
    (te + H ≤ e and tx + H ≤ x); every entry strictly between is blocked.
    """
    tick = settings.tick_min
    h = settings.headway_min
    r = run_ticks * tick
    ok = np.ones(n_ticks, dtype=bool)
    for c in trains:
        lo = min(c.enter - h, c.exit - h - r)  # the latest entry that still leads
        hi = max(c.enter + h, c.exit + h - r)  # the earliest entry that follows
        i0 = max(0, math.floor(lo / tick + 1e-9) + 1)
        i1 = min(n_ticks, math.ceil(hi / tick - 1e-9))
        if i0 < i1:
            ok[i0:i1] = False
    return ok


def separation(te: float, tx: float, c: CivilTrain) -> float:
    """Minutes between the train and a civil train on the same link (negative: they cross)."""
    follow = min(te - c.enter, tx - c.exit)
    lead = min(c.enter - te, c.exit - tx)
    return max(follow, lead)


def slot_on_route(
    rt: RouteTimes,
    trains: list[list[CivilTrain]],
    n_ticks: int,
    settings: Settings,
    min_departure_tick: int = 0,
) -> tuple[list[int], list[int], list[bool]] | None:
    """Earliest arrival on the route, then latest departure: per link the entry tick and the
    ticks stood before it, or None when the destination cannot be reached inside ``n_ticks``."""
    n = len(rt.route) - 1
    neg = -1
    move = np.full(n_ticks, neg, dtype=np.int64)  # at node i moving, value: departure tick
    stand = np.full(n_ticks, neg, dtype=np.int64)
    stand[min_departure_tick:] = np.arange(min_departure_tick, n_ticks)
    hist_move: list[np.ndarray] = []
    hist_stand: list[np.ndarray] = []
    feas_m: list[np.ndarray] = []
    feas_s: list[np.ndarray] = []
    for i in range(n):
        if i > 0:
            if rt.can_wait[i]:
                stand = np.maximum.accumulate(move.copy())
            else:
                stand = np.full(n_ticks, neg, dtype=np.int64)
        hist_move.append(move)
        hist_stand.append(stand)
        fm = feasible_entries(trains[i], rt.moving[i], n_ticks, settings)
        fs = feasible_entries(trains[i], rt.start[i], n_ticks, settings)
        feas_m.append(fm)
        feas_s.append(fs)
        nxt = np.full(n_ticks, neg, dtype=np.int64)
        rm, rs = rt.moving[i], rt.start[i]
        if i > 0 and rm < n_ticks:
            src = np.where(fm, move, neg)[: n_ticks - rm]
            nxt[rm:] = np.maximum(nxt[rm:], src)
        if rs < n_ticks:
            src = np.where(fs, stand, neg)[: n_ticks - rs]
            nxt[rs:] = np.maximum(nxt[rs:], src)
        move = nxt
    arrived = np.nonzero(move >= 0)[0]
    if arrived.size == 0:
        return None
    t = int(arrived[0])
    dep = int(move[t])
    entries = [0] * n
    stood = [0] * n
    from_stand = [False] * n
    for i in range(n - 1, -1, -1):
        rm, rs = rt.moving[i], rt.start[i]
        m_prev, s_prev = hist_move[i], hist_stand[i]
        if i > 0 and t - rm >= 0 and feas_m[i][t - rm] and m_prev[t - rm] == dep:
            entries[i] = t - rm
            t = t - rm
            continue
        te = t - rs
        assert te >= 0 and feas_s[i][te] and s_prev[te] == dep
        entries[i] = te
        from_stand[i] = True
        if i == 0:
            stood[i] = te - min_departure_tick
            break
        # the train arrived at node i moving at the latest tick ta <= te with this departure
        ta = int(np.nonzero(m_prev[: te + 1] == dep)[0][-1])
        stood[i] = te - ta
        t = ta
    return entries, stood, from_stand


def plan_from_entries(
    rt: RouteTimes,
    trains: list[list[CivilTrain]],
    entries: list[int],
    stood: list[int],
    from_stand: list[bool],
    settings: Settings,
) -> Plan:
    tick = settings.tick_min
    legs: list[Leg] = []
    for i, te in enumerate(entries):
        run = rt.start[i] if from_stand[i] else rt.moving[i]
        legs.append(
            Leg(
                rt.route[i],
                rt.route[i + 1],
                rt.km[i],
                rt.speed[i],
                te * tick,
                (te + run) * tick,
                waited_min=stood[i] * tick if i > 0 else 0.0,
            )
        )
    plan = Plan(
        "conflict_free",
        list(rt.route),
        legs,
        legs[0].enter,
        legs[-1].exit,
        waits=[
            {"station": lg.a, "minutes": lg.waited_min}
            for i, lg in enumerate(legs)
            if i > 0 and from_stand[i]
        ],
    )
    _touch(plan, trains, settings)
    return plan


def _touch(plan: Plan, trains: list[list[CivilTrain]], settings: Settings) -> None:
    """Record civil trains whose separation falls below headway + buffer (knock-on risk)."""
    seen: set[tuple[str, int, float]] = set()
    links: set[str] = set()
    for leg, civil in zip(plan.legs, trains, strict=True):
        for c in civil:
            if separation(leg.enter, leg.exit, c) < settings.headway_min + settings.buffer_min:
                links.add(f"{leg.a}-{leg.b}")
                if c.key not in seen:
                    seen.add(c.key)
                    plan.touched.append(c)
    plan.touched_links = sorted(links)


def priority_on_route(
    rt: RouteTimes,
    trains: list[list[CivilTrain]],
    n_ticks: int,
    settings: Settings,
    occupancy: dict[str, float],
) -> Plan | None:
    """The straight-through run that displaces the fewest civil trains (urgent transports)."""
    n = len(rt.route) - 1
    offsets = [0]
    for i in range(n):
        offsets.append(offsets[-1] + (rt.start[i] if i == 0 else rt.moving[i]))
    total = offsets[-1]
    last_dep = n_ticks - total
    if last_dep <= 0:
        return None
    count = np.zeros(last_dep, dtype=np.int64)
    tick = settings.tick_min
    h = settings.headway_min
    for i in range(n):
        r = (rt.start[i] if i == 0 else rt.moving[i]) * tick
        for c in trains[i]:
            lo = min(c.enter - h, c.exit - h - r)
            hi = max(c.enter + h, c.exit + h - r)
            i0 = max(0, math.floor(lo / tick + 1e-9) + 1 - offsets[i])
            i1 = min(last_dep, math.ceil(hi / tick - 1e-9) - offsets[i])
            if i0 < i1:
                count[i0:i1] += 1
    fewest = int(count.min())
    best: Plan | None = None
    best_cost: tuple[int, float, float] | None = None
    for dep in np.nonzero(count == fewest)[0][:64]:
        entries = [int(dep) + offsets[i] for i in range(n)]
        plan = _priority_plan(rt, trains, entries, settings)
        cost = (
            len(plan.displaced),
            sum(d.delay_min * occupancy.get(d.product, 0.0) for d in plan.displaced),
            plan.arrival,
        )
        if best_cost is None or cost < best_cost:
            best, best_cost = plan, cost
    return best


def priority_at(
    rt: RouteTimes, trains: list[list[CivilTrain]], departure_tick: int, settings: Settings
) -> Plan | None:
    """The straight-through run leaving at ``departure_tick``, displacing whatever is in the way."""
    entries = [departure_tick]
    for i in range(len(rt.route) - 2):
        entries.append(entries[-1] + (rt.start[i] if i == 0 else rt.moving[i]))
    return _priority_plan(rt, trains, entries, settings)


def _priority_plan(
    rt: RouteTimes, trains: list[list[CivilTrain]], entries: list[int], settings: Settings
) -> Plan:
    tick = settings.tick_min
    h = settings.headway_min
    legs = []
    for i, te in enumerate(entries):
        run = rt.start[i] if i == 0 else rt.moving[i]
        legs.append(
            Leg(rt.route[i], rt.route[i + 1], rt.km[i], rt.speed[i], te * tick, (te + run) * tick)
        )
    plan = Plan("priority", list(rt.route), legs, legs[0].enter, legs[-1].exit)
    worst: dict[tuple[str, int, float], Displaced] = {}
    for leg, civil in zip(legs, trains, strict=True):
        for c in civil:
            if separation(leg.enter, leg.exit, c) >= h - 1e-9:
                continue
            delay = max(leg.enter + h - c.enter, leg.exit + h - c.exit)
            d = worst.get(c.key)
            if d is None or delay > d.delay_min:
                worst[c.key] = Displaced(
                    c.series,
                    c.product,
                    c.direction,
                    c.first_departure,
                    f"{leg.a}-{leg.b}",
                    c.enter,
                    round(delay, 1),
                    delay > settings.cancel_after_min,
                )
    plan.displaced = sorted(worst.values(), key=lambda d: d.planned)
    _touch(plan, trains, settings)
    return plan


def candidate_routes(
    network: Network,
    origin: str,
    destination: str,
    req: Request,
    closed: set[frozenset[str]],
    k: int,
) -> list[list[str]]:
    """Up to ``k`` distinct routes by running time, skipping near-copies of earlier ones."""
    g = nx.Graph()
    for lk in network.links:
        if frozenset((lk.a, lk.b)) in closed:
            continue
        g.add_edge(lk.a, lk.b, w=lk.km / link_speed(req, lk.speed_kmh))
    if origin not in g or destination not in g or not nx.has_path(g, origin, destination):
        return []
    out: list[list[str]] = []
    sets: list[set[frozenset[str]]] = []
    for i, path in enumerate(nx.shortest_simple_paths(g, origin, destination, weight="w")):
        if i >= 60 or len(out) >= k:
            break
        edges = {frozenset(e) for e in zip(path, path[1:], strict=False)}
        if any(len(edges & s) > 0.85 * min(len(edges), len(s)) for s in sets):
            continue
        out.append(list(path))
        sets.append(edges)
    return out

"""Criticality of every link and station, scenarios and the worst k-link search.

Pure computation over :mod:`perron.network.model` and :mod:`perron.network.engine`; no I/O
besides the shipped data, no authorisation (that is in :mod:`perron.network.service`).

Method in words (docs/network.md has the long version): a link or station is removed; the
shortest route over the remaining network is found between every pair of stations; for the two
ends of a removed link that gives the alternative route and the detour; stations that can no
longer reach the main part of the network are cut off. The estimated journeys (a gravity model)
whose shortest route got longer are the travellers affected; each loses the detour at
:data:`~perron.network.engine.DETOUR_SPEED_KMH` (at most the cut-off penalty) or, when cut off,
:data:`~perron.network.engine.CUT_OFF_PENALTY_HOURS`; summed over an hour of the chosen time
window this is the passenger-hours lost per hour of outage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

from perron.network.engine import (
    CUT_OFF_PENALTY_HOURS,
    DETOUR_SPEED_KMH,
    ESTIMATE_LABEL,
    Demand,
    Engine,
    Single,
    estimate_demand,
    loss,
    single_losses,
)
from perron.network.model import (
    DEFAULT_WINDOW,
    WINDOWS,
    Link,
    Network,
    NetworkDataError,
    load_network,
)

Step = Callable[[int, int], None]


@dataclass(frozen=True)
class Context:
    network: Network
    engine: Engine
    demand: Demand


@cache
def context() -> Context:
    """The network, its distance engine and the estimated demand (computed once per process)."""
    network = load_network()
    engine = Engine(network)
    return Context(network, engine, estimate_demand(engine))


def check_window(window: str) -> str:
    if window not in WINDOWS:
        raise NetworkDataError(f"time window {window!r}: expected one of {', '.join(WINDOWS)}")
    return window


def _round(value: float, digits: int = 1) -> float:
    return round(value, digits)


@dataclass(frozen=True)
class LinkCriticality:
    from_code: str
    to_code: str
    length_km: float
    #: Shortest route between the two ends without this link (km), None if there is none.
    alternative_km: float | None
    #: ``alternative_km - length_km``, None if there is no alternative.
    detour_km: float | None
    #: Stations cut off from the main part of the network.
    isolated_stations: list[str]
    #: Estimated journeys per working day whose route gets longer or is cut (ESTIMATE).
    travellers_affected: int
    #: Trains per hour both directions in the window (approximate).
    trains_per_hour: float
    passenger_hours_lost_per_hour: float
    series: list[str]
    max_speed_kmh: int | None
    rank: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.from_code,
            "to": self.to_code,
            "length_km": self.length_km,
            "alternative_km": self.alternative_km,
            "detour_km": self.detour_km,
            "isolated_stations": self.isolated_stations,
            "travellers_affected": self.travellers_affected,
            "trains_per_hour": self.trains_per_hour,
            "passenger_hours_lost_per_hour": self.passenger_hours_lost_per_hour,
            "series": self.series,
            "max_speed_kmh": self.max_speed_kmh,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class StationCriticality:
    code: str
    name: str
    #: Removing the station splits the network (a cut vertex).
    articulation_point: bool
    isolated_stations: list[str]
    #: Estimated journeys per working day affected, including those from or to the station.
    travellers_affected: int
    #: Estimated journeys per working day from or to the station itself.
    own_travellers: int
    trains_per_hour: float
    passenger_hours_lost_per_hour: float
    rank: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "articulation_point": self.articulation_point,
            "isolated_stations": self.isolated_stations,
            "travellers_affected": self.travellers_affected,
            "own_travellers": self.own_travellers,
            "trains_per_hour": self.trains_per_hour,
            "passenger_hours_lost_per_hour": self.passenger_hours_lost_per_hour,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Criticality:
    window: str
    links: list[LinkCriticality]
    stations: list[StationCriticality]
    method: dict[str, object]

    def as_json(self) -> dict[str, object]:
        return {
            "window": self.window,
            "estimate": True,
            "label": ESTIMATE_LABEL,
            "method": self.method,
            "edges": [x.as_json() for x in self.links],
            "stations": [x.as_json() for x in self.stations],
        }


def method(ctx: Context, window: str) -> dict[str, object]:
    return {
        "demand": "gravity model (ESTIMATE)",
        "gamma": round(ctx.demand.gamma, 3),
        "mean_trip_km": round(ctx.demand.mean_trip_km, 1),
        "journeys_per_day": round(float(ctx.demand.trips.sum())),
        "hour_factor": round(ctx.demand.hour_factor[window], 4),
        "detour_speed_kmh": DETOUR_SPEED_KMH,
        "cut_off_penalty_hours": CUT_OFF_PENALTY_HOURS,
        "routing": "shortest network distance",
    }


def _codes(ctx: Context, indices: Iterable[int]) -> list[str]:
    return sorted(ctx.engine.codes[i] for i in indices)


def _link_row(ctx: Context, link: Link, window: str, single: Single) -> LinkCriticality:
    eng = ctx.engine
    e = eng.edge_index[(eng.index[link.from_code], eng.index[link.to_code])]
    alt = single.alternative_km
    alternative = _round(alt) if math.isfinite(alt) else None
    return LinkCriticality(
        from_code=link.from_code,
        to_code=link.to_code,
        length_km=link.length_km,
        alternative_km=alternative,
        detour_km=_round(alt - link.length_km) if alternative is not None else None,
        isolated_stations=_codes(ctx, eng.cut_off([e])) if alternative is None else [],
        travellers_affected=round(single.loss.travellers_affected),
        trains_per_hour=link.trains_per_hour[window],
        passenger_hours_lost_per_hour=_round(single.loss.passenger_hours_lost_per_hour),
        series=list(link.series[window]),
        max_speed_kmh=link.max_speed_kmh,
    )


def _station_row(
    ctx: Context, code: str, window: str, articulation: bool, single: Single
) -> StationCriticality:
    eng = ctx.engine
    i = eng.index[code]
    own = float(ctx.demand.trips[i, :].sum() + ctx.demand.trips[:, i].sum())
    station = ctx.network.stations[code]
    return StationCriticality(
        code=code,
        name=station.name,
        articulation_point=articulation,
        isolated_stations=_codes(ctx, eng.cut_off((), [i])) if articulation else [],
        travellers_affected=round(single.loss.travellers_affected),
        own_travellers=round(own),
        trains_per_hour=station.trains_per_hour[window],
        passenger_hours_lost_per_hour=_round(single.loss.passenger_hours_lost_per_hour),
    )


def _ranked_links(items: list[LinkCriticality]) -> list[LinkCriticality]:
    items.sort(
        key=lambda x: (-x.passenger_hours_lost_per_hour, -x.travellers_affected, x.from_code)
    )
    return [LinkCriticality(**{**x.__dict__, "rank": r}) for r, x in enumerate(items, start=1)]


def _ranked_stations(items: list[StationCriticality]) -> list[StationCriticality]:
    items.sort(key=lambda x: (-x.passenger_hours_lost_per_hour, -x.travellers_affected, x.code))
    return [StationCriticality(**{**x.__dict__, "rank": r}) for r, x in enumerate(items, start=1)]


def articulation_points(ctx: Context) -> set[str]:
    import networkx as nx

    return {str(c) for c in nx.articulation_points(ctx.network.graph())}


@cache
def criticality(window: str = DEFAULT_WINDOW) -> Criticality:
    """Criticality of every link and every station, ranked by passenger-hours lost per hour.

    Cached per window (the inputs are the shipped data, fixed for the process).
    """
    check_window(window)
    ctx = context()
    links_single, stations_single = single_losses(ctx.engine, ctx.demand, window)
    eng = ctx.engine
    links = [
        _link_row(ctx, link, window, links_single[k]) for k, link in enumerate(ctx.network.links)
    ]
    cut_vertices = articulation_points(ctx)
    station_rows = [
        _station_row(ctx, code, window, code in cut_vertices, stations_single[eng.index[code]])
        for code in ctx.network.stations
    ]
    return Criticality(
        window=window,
        links=_ranked_links(links),
        stations=_ranked_stations(station_rows),
        method=method(ctx, window),
    )


# -- scenarios ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detour:
    from_code: str
    to_code: str
    length_km: float
    alternative_km: float | None
    detour_km: float | None


@dataclass(frozen=True)
class ScenarioResult:
    window: str
    duration_hours: float
    removed_links: list[str]
    removed_stations: list[str]
    isolated_stations: list[str]
    detours: list[Detour]
    travellers_affected: int
    travellers_cut_off: int
    passenger_hours_lost_per_hour: float
    passenger_hours_lost: float
    series_broken: list[str]
    trains_per_hour_affected: float
    label: str = ESTIMATE_LABEL

    def as_json(self) -> dict[str, object]:
        return {
            "window": self.window,
            "duration_hours": self.duration_hours,
            "removed_links": self.removed_links,
            "removed_stations": self.removed_stations,
            "isolated_stations": self.isolated_stations,
            "detours": [
                {
                    "from": d.from_code,
                    "to": d.to_code,
                    "length_km": d.length_km,
                    "alternative_km": d.alternative_km,
                    "detour_km": d.detour_km,
                }
                for d in self.detours
            ],
            "travellers_affected": self.travellers_affected,
            "travellers_cut_off": self.travellers_cut_off,
            "passenger_hours_lost_per_hour": self.passenger_hours_lost_per_hour,
            "passenger_hours_lost": self.passenger_hours_lost,
            "series_broken": self.series_broken,
            "trains_per_hour_affected": self.trains_per_hour_affected,
            "estimate": True,
            "label": self.label,
        }


MAX_REMOVALS = 60
MAX_DURATION_HOURS = 24 * 31


def parse_removals(
    network: Network, links: Sequence[str], stations: Sequence[str]
) -> tuple[list[Link], list[str]]:
    """Validate ``A-B`` link keys and station codes; errors name the offending value."""
    if len(links) + len(stations) > MAX_REMOVALS:
        raise NetworkDataError(f"at most {MAX_REMOVALS} links and stations can be removed at once")
    parsed = []
    for text in links:
        link = network.parse_link(text)
        if link not in parsed:
            parsed.append(link)
    codes = []
    for text in stations:
        code = text.strip().upper()
        if code not in network.stations:
            raise NetworkDataError(f"station {text!r}: unknown station code")
        if code not in codes:
            codes.append(code)
    return parsed, codes


def scenario(
    links: Sequence[str] = (),
    stations: Sequence[str] = (),
    window: str = DEFAULT_WINDOW,
    duration_hours: float = 1.0,
) -> ScenarioResult:
    """What removing the given links and stations for ``duration_hours`` does in ``window``."""
    check_window(window)
    if not (0 < duration_hours <= MAX_DURATION_HOURS) or not math.isfinite(duration_hours):
        raise NetworkDataError(
            f"duration {duration_hours!r} hours: expected more than 0 and at most "
            f"{MAX_DURATION_HOURS}"
        )
    ctx = context()
    eng = ctx.engine
    parsed, codes = parse_removals(ctx.network, links, stations)
    if not parsed and not codes:
        raise NetworkDataError("remove at least one link (--remove A-B) or station")
    edges = [eng.edge_index[(eng.index[x.from_code], eng.index[x.to_code])] for x in parsed]
    nodes = [eng.index[c] for c in codes]
    dist = eng.distances(edges, nodes)
    result = loss(eng, ctx.demand, window, distances=dist)
    detours = []
    for link, e in zip(parsed, edges, strict=True):
        u, v = eng.edge_ends[e]
        alt = float(dist[u, v])
        ok = math.isfinite(alt)
        detours.append(
            Detour(
                link.from_code,
                link.to_code,
                link.length_km,
                _round(alt) if ok else None,
                _round(alt - link.length_km) if ok else None,
            )
        )
    broken: set[str] = set()
    tph = 0.0
    for link in parsed:
        broken.update(link.series[window])
        tph += link.trains_per_hour[window]
    for code in codes:
        broken.update(ctx.network.stations[code].series[window])
    per_hour = result.passenger_hours_lost_per_hour
    return ScenarioResult(
        window=window,
        duration_hours=duration_hours,
        removed_links=[x.key for x in parsed],
        removed_stations=codes,
        isolated_stations=_codes(ctx, eng.cut_off(edges, nodes)),
        detours=detours,
        travellers_affected=round(result.travellers_affected),
        travellers_cut_off=round(result.travellers_cut_off),
        passenger_hours_lost_per_hour=_round(per_hour),
        passenger_hours_lost=_round(per_hour * duration_hours),
        series_broken=sorted(broken, key=lambda s: (len(s), s)),
        trains_per_hour_affected=_round(tph),
    )


# -- worst k-link combinations --------------------------------------------------------------


@dataclass(frozen=True)
class WorstCase:
    k: int
    window: str
    links: list[str]
    passenger_hours_lost_per_hour: float
    isolated_stations: list[str]
    #: How the combination was found and whether it is proven the worst.
    method: str
    proven: bool
    evaluated: int
    seconds: float
    greedy_links: list[str] = field(default_factory=list)
    greedy_passenger_hours_lost_per_hour: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {**self.__dict__, "estimate": True, "label": ESTIMATE_LABEL}


POOL = 30


def worst_links(
    k: int = 3,
    window: str = DEFAULT_WINDOW,
    time_budget_s: float = 50.0,
    step: Step | None = None,
) -> WorstCase:
    """The k links whose joint loss is largest: greedy, then branch and bound.

    Bound: a journey never loses more than the cut-off penalty, and only journeys whose
    shortest route uses one of the removed links lose anything, so the loss of a set is at most
    ``penalty × hour factor × Σ flow(link)`` over its links (the flow of a link = journeys
    routed over it). Links are tried in decreasing order of that bound; a branch whose bound
    cannot beat the best set found is cut. When the search finishes inside the time budget the
    result is proven the worst under the model; otherwise it is the best found.
    """
    check_window(window)
    if not 1 <= k <= 5:
        raise NetworkDataError(f"k={k}: expected 1 to 5 links")
    started = time.monotonic()
    ctx = context()
    eng = ctx.engine
    factor = ctx.demand.hour_factor[window]
    flows = link_flows(ctx)
    bound = flows * CUT_OFF_PENALTY_HOURS * factor
    order = [int(e) for e in np.argsort(-bound)]
    evaluated = 0

    def value(edges: Sequence[int]) -> float:
        nonlocal evaluated
        evaluated += 1
        return loss(eng, ctx.demand, window, removed_edges=edges).passenger_hours_lost_per_hour

    # greedy: the first link from the exact single-link losses, the next ones from a pool of
    # the links with the largest bound and the largest single loss
    singles, _ = single_losses(eng, ctx.demand, window)
    by_single = sorted(singles, key=lambda e: -singles[e].loss.passenger_hours_lost_per_hour)
    pool = list(dict.fromkeys([*by_single[:POOL], *order[:POOL]]))
    chosen: list[int] = [by_single[0]]
    best_val = singles[by_single[0]].loss.passenger_hours_lost_per_hour
    for _ in range(k - 1):
        cand = [(value([*chosen, e]), e) for e in pool if e not in chosen]
        best_val, e = max(cand)
        chosen.append(e)
    greedy = list(chosen)
    greedy_val = best_val
    best_set = sorted(chosen)
    # branch and bound over the bound-ordered links
    proven = True

    def search(start: int, current: list[int], current_bound: float) -> None:
        nonlocal best_val, best_set, proven
        if time.monotonic() - started > time_budget_s:
            proven = False
            return
        if len(current) == k:
            v = value(current)
            if v > best_val + 1e-9:
                best_val, best_set = v, sorted(current)
            return
        need = k - len(current)
        for pos in range(start, len(order) - need + 1):
            e = order[pos]
            # the best remaining completion adds the next `need` largest bounds
            top = current_bound + float(sum(bound[order[pos : pos + need]]))
            if top <= best_val + 1e-9:
                return  # later links have smaller bounds still
            search(pos + 1, [*current, e], current_bound + float(bound[e]))
            if not proven:
                return
        if step:
            step(evaluated, evaluated)

    if k > 1:  # one link: the single-link losses above are exact already
        search(0, [], 0.0)
    keys = [ctx.network.links[e].key for e in best_set]
    return WorstCase(
        k=k,
        window=window,
        links=keys,
        passenger_hours_lost_per_hour=_round(best_val),
        isolated_stations=_codes(ctx, eng.cut_off(best_set)),
        method="greedy, then branch and bound on the union bound of link flows",
        proven=proven,
        evaluated=evaluated,
        seconds=round(time.monotonic() - started, 2),
        greedy_links=[ctx.network.links[e].key for e in greedy],
        greedy_passenger_hours_lost_per_hour=_round(greedy_val),
    )


def link_flows(ctx: Context) -> npt.NDArray[np.float64]:
    """Estimated journeys per day routed over each link (shortest routes of the base network)."""
    eng = ctx.engine
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = eng.n
    rows = [u for u, _ in eng.edge_ends] + [v for _, v in eng.edge_ends]
    cols = [v for _, v in eng.edge_ends] + [u for u, _ in eng.edge_ends]
    weights = eng.edge_length + eng.edge_length
    graph = csr_matrix((weights, (rows, cols)), shape=(n, n))
    dist, pred = dijkstra(graph, directed=False, return_predecessors=True)
    flows = np.zeros(len(eng.edge_ends))
    trips = ctx.demand.trips
    for s in range(n):
        order = np.argsort(-dist[s])
        acc = trips[s].copy()
        for j in order:
            p = pred[s, j]
            if p < 0:
                continue
            flows[eng.edge_index[(int(p), int(j))]] += acc[j]
            acc[p] += acc[j]
    return flows


__all__ = [
    "Context",
    "Criticality",
    "LinkCriticality",
    "ScenarioResult",
    "StationCriticality",
    "WorstCase",
    "context",
    "criticality",
    "scenario",
    "worst_links",
]

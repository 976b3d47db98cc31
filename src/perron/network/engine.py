"""Fast all-pairs distances of the network with links and stations removed, and the travellers.

The network is nearly a tree: 89 of its 397 stations are junctions or terminals (degree not 2),
the other 308 lie on *chains* between them. The engine contracts every chain to one edge of a
small *core* graph of junctions; with some links or stations removed, a chain that is broken
drops out of the core and the stations on it reach only the end(s) on their side. All-pairs
distances then follow from a core all-pairs Dijkstra (``scipy.sparse.csgraph``, 89 nodes) and a
few vectorised minima, a few milliseconds per scenario instead of a full all-pairs Dijkstra.
The test suite checks the result against networkx on the full graph.

Travellers are an ESTIMATE: a gravity model (see :class:`Demand`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import (
    connected_components,
    floyd_warshall,
)

from perron.network.model import WINDOWS, Network

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Assumed mean journey length the gravity model is calibrated to (km).
MEAN_TRIP_KM = 50.0
#: Distances below this count as this in the deterrence function (km).
MIN_DISTANCE_KM = 5.0
#: Share of a working day's journeys made in one hour of the day window (06:00–20:00 ≈ 14 h).
DAY_HOUR_SHARE = 1.0 / 14.0
#: Speed at which a detour is travelled (km/h): an average train speed including stops.
DETOUR_SPEED_KMH = 80.0
#: Hours lost by a traveller whose journey is cut off (replacement bus, waiting, or a trip not
#: made); also the most a detour can cost (beyond it the traveller takes the replacement).
CUT_OFF_PENALTY_HOURS = 1.0

ESTIMATE_LABEL = (
    "ESTIMATE: travellers from a gravity model on travellers per station and network distance; "
    "passenger-hours at a detour speed of 80 km/h, 1 h lost per cut-off journey."
)


@dataclass(frozen=True)
class Chain:
    a: int
    b: int
    #: Station indices along the chain, ``nodes[0] == a`` and ``nodes[-1] == b``.
    nodes: tuple[int, ...]
    #: Edge indices along the chain: ``edges[k]`` joins ``nodes[k]`` and ``nodes[k + 1]``.
    edges: tuple[int, ...]
    #: Cumulative distance from ``a`` per position.
    offsets: tuple[float, ...]

    @property
    def length(self) -> float:
        return self.offsets[-1]


class Engine:
    """Distances over the network with any set of links and stations removed."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.codes: tuple[str, ...] = tuple(sorted(network.stations))
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.codes)}
        n = len(self.codes)
        self.n = n
        self.edge_ends: list[tuple[int, int]] = []
        self.edge_length: list[float] = []
        self.edge_index: dict[tuple[int, int], int] = {}
        adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for k, link in enumerate(network.links):
            u, v = self.index[link.from_code], self.index[link.to_code]
            self.edge_ends.append((u, v))
            self.edge_length.append(link.length_km)
            self.edge_index[(u, v)] = self.edge_index[(v, u)] = k
            adjacency[u].append((v, k))
            adjacency[v].append((u, k))
        self.adjacency = adjacency
        degree = [len(a) for a in adjacency]
        junctions = [i for i in range(n) if degree[i] != 2]
        if not junctions:  # a pure ring: make one station a junction
            junctions = [0]
        self.junctions: tuple[int, ...] = tuple(junctions)
        self.core_of: dict[int, int] = {j: c for c, j in enumerate(junctions)}
        self.chains = self._chains()
        # per station: chain id and position (junctions: -1)
        self.chain_of = np.full(n, -1, dtype=np.int64)
        self.position = np.zeros(n, dtype=np.int64)
        self.edge_chain = np.zeros(len(self.edge_ends), dtype=np.int64)
        self.edge_position = np.zeros(len(self.edge_ends), dtype=np.int64)
        for c, chain in enumerate(self.chains):
            for p, node in enumerate(chain.nodes[1:-1], start=1):
                self.chain_of[node] = c
                self.position[node] = p
            for p, e in enumerate(chain.edges):
                self.edge_chain[e] = c
                self.edge_position[e] = p
        self._prepare_core()
        self._direct = np.full((n, n), np.inf)
        for c in range(len(self.chains)):
            nodes, direct = self._chain_direct(c)
            sub = np.ix_(nodes, nodes)
            self._direct[sub] = np.minimum(self._direct[sub], direct)
        self.base = self.distances()

    # -- structure ------------------------------------------------------------------------

    def _chains(self) -> list[Chain]:
        seen: set[int] = set()
        chains = []
        for j in self.junctions:
            for nxt, e in self.adjacency[j]:
                if e in seen:
                    continue
                nodes, edges, offsets = [j], [e], [0.0, self.edge_length[e]]
                seen.add(e)
                prev, cur = j, nxt
                while cur not in self.core_of:
                    nodes.append(cur)
                    (n1, e1), (n2, e2) = self.adjacency[cur]
                    cur_next, e_next = (n2, e2) if e1 == edges[-1] else (n1, e1)
                    edges.append(e_next)
                    seen.add(e_next)
                    offsets.append(offsets[-1] + self.edge_length[e_next])
                    prev, cur = cur, cur_next
                del prev
                nodes.append(cur)
                chains.append(Chain(j, cur, tuple(nodes), tuple(edges), tuple(offsets)))
        return chains

    def _chain_direct(self, c: int) -> tuple[IntArray, Array]:
        chain = self.chains[c]
        nodes = np.asarray(chain.nodes, dtype=np.int64)
        if chain.a == chain.b:
            nodes = nodes[:-1]
        offs = np.asarray(chain.offsets[: len(nodes)])
        return nodes, np.abs(offs[:, None] - offs[None, :])

    def edges_of_station(self, i: int) -> list[int]:
        return [e for _, e in self.adjacency[i]]

    # -- distances ------------------------------------------------------------------------

    def _prepare_core(self) -> None:
        """Constant parts of :meth:`distances`: the core edges and the intact exits."""
        best: dict[tuple[int, int], tuple[float, int]] = {}
        self._chain_core: list[tuple[int, int] | None] = []
        for chain in self.chains:
            if chain.a == chain.b:
                self._chain_core.append(None)
                continue
            key = tuple(sorted((self.core_of[chain.a], self.core_of[chain.b])))
            self._chain_core.append((key[0], key[1]))
        n, k = self.n, len(self.junctions)
        self._exit_a = np.full(n, k, dtype=np.int64)
        self._exit_b = np.full(n, k, dtype=np.int64)
        self._dist_a = np.full(n, np.inf)
        self._dist_b = np.full(n, np.inf)
        for j, cj in self.core_of.items():
            self._exit_a[j] = self._exit_b[j] = cj
            self._dist_a[j] = self._dist_b[j] = 0.0
        for chain in self.chains:
            for p, node in enumerate(chain.nodes[1:-1], start=1):
                self._exit_a[node] = self.core_of[chain.a]
                self._exit_b[node] = self.core_of[chain.b]
                self._dist_a[node] = chain.offsets[p]
                self._dist_b[node] = chain.length - chain.offsets[p]
        del best

    def _core_distances(self, broken: set[int], gone_nodes: set[int]) -> Array:
        k = len(self.junctions)
        best: dict[tuple[int, int], float] = {}
        for c, key in enumerate(self._chain_core):
            if key is None or c in broken:
                continue
            w = self.chains[c].length
            if w < best.get(key, np.inf):
                best[key] = w
        core = np.full((k + 1, k + 1), np.inf)  # index k: "nowhere"
        if best:
            rows = [a for a, _ in best]
            cols = [b for _, b in best]
            dense = np.zeros((k, k))
            dense[rows, cols] = list(best.values())
            core[:k, :k] = floyd_warshall(dense, directed=False)
        else:
            core[:k, :k] = np.where(np.eye(k, dtype=bool), 0.0, np.inf)
        for j in gone_nodes:
            if j in self.core_of:
                cj = self.core_of[j]
                core[cj, :] = np.inf
                core[:, cj] = np.inf
        return core

    def distances(
        self, removed_edges: Iterable[int] = (), removed_nodes: Iterable[int] = ()
    ) -> Array:
        """All-pairs shortest distances (km) with the given edges and stations removed.

        Removed stations are unreachable (inf) from everywhere, including themselves.
        """
        gone_nodes = set(removed_nodes)
        gone = set(removed_edges)
        for i in gone_nodes:
            gone.update(self.edges_of_station(i))
        inf = np.inf
        k = len(self.junctions)
        broken: dict[int, list[int]] = {}
        for e in gone:
            broken.setdefault(int(self.edge_chain[e]), []).append(int(self.edge_position[e]))
        core_dist = self._core_distances(set(broken), gone_nodes)
        exit_a, exit_b = self._exit_a, self._exit_b
        dist_a, dist_b = self._dist_a, self._dist_b
        if broken or gone_nodes:
            exit_a, exit_b = exit_a.copy(), exit_b.copy()
            dist_a, dist_b = dist_a.copy(), dist_b.copy()
            for j in gone_nodes:
                if j in self.core_of:
                    exit_a[j] = exit_b[j] = k
                    dist_a[j] = dist_b[j] = inf
            for c, cuts in broken.items():
                chain = self.chains[c]
                inner = np.asarray(chain.nodes[1:-1], dtype=np.int64)
                if not inner.size:
                    continue
                pos = np.arange(1, len(inner) + 1)
                lo_cut, hi_cut = min(cuts), max(cuts)
                no_a = pos > lo_cut  # a removed edge lies between the station and end a
                no_b = pos <= hi_cut
                exit_a[inner[no_a]] = k
                dist_a[inner[no_a]] = inf
                exit_b[inner[no_b]] = k
                dist_b[inner[no_b]] = inf
            for chain in self.chains:  # a removed junction closes its chains
                if chain.a in gone_nodes or chain.b in gone_nodes:
                    inner = np.asarray(chain.nodes[1:-1], dtype=np.int64)
                    if chain.a in gone_nodes:
                        exit_a[inner] = k
                        dist_a[inner] = inf
                    if chain.b in gone_nodes:
                        exit_b[inner] = k
                        dist_b[inner] = inf
        # distance from every station to every core node, then to every station
        to_core = np.minimum(
            dist_a[:, None] + core_dist[exit_a, :], dist_b[:, None] + core_dist[exit_b, :]
        )
        out: Array = np.minimum(
            to_core[:, exit_a] + dist_a[None, :], to_core[:, exit_b] + dist_b[None, :]
        )
        # direct distances along a chain (not through its ends): fixed for intact chains
        np.minimum(out, self._direct, out=out)
        for c, cuts in broken.items():
            nodes, direct = self._chain_direct(c)
            pos = np.arange(len(nodes))
            lo = np.minimum(pos[:, None], pos[None, :])
            hi = np.maximum(pos[:, None], pos[None, :])
            blocked = np.zeros_like(direct, dtype=bool)
            for cut in cuts:  # edge `cut` joins positions cut and cut + 1
                blocked |= (lo <= cut) & (hi > cut)
            sub = np.ix_(nodes, nodes)
            # the intact-chain direct distance was applied above: recompute this block
            block = np.minimum(
                to_core[np.ix_(nodes, exit_a[nodes])] + dist_a[nodes][None, :],
                to_core[np.ix_(nodes, exit_b[nodes])] + dist_b[nodes][None, :],
            )
            out[sub] = np.minimum(block, np.where(blocked, inf, direct))
        if gone_nodes:
            idx = np.fromiter(gone_nodes, dtype=np.int64)
            out[idx, :] = inf
            out[:, idx] = inf
        return out

    def components(
        self, removed_edges: Iterable[int] = (), removed_nodes: Iterable[int] = ()
    ) -> IntArray:
        """Component label per station (removed stations get -1)."""
        gone_nodes = set(removed_nodes)
        gone = set(removed_edges)
        rows, cols = [], []
        for k, (u, v) in enumerate(self.edge_ends):
            if k in gone or u in gone_nodes or v in gone_nodes:
                continue
            rows.append(u)
            cols.append(v)
        graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.n, self.n))
        _, labels = connected_components(graph, directed=False)
        out: IntArray = np.asarray(labels, dtype=np.int64)
        for i in gone_nodes:
            out[i] = -1
        return out

    def cut_off(
        self, removed_edges: Iterable[int] = (), removed_nodes: Iterable[int] = ()
    ) -> list[int]:
        """Stations no longer connected to the largest remaining part of the network."""
        removed_nodes = list(removed_nodes)
        labels = self.components(removed_edges, removed_nodes)
        alive = labels[labels >= 0]
        if alive.size == 0:
            return []
        main = int(np.bincount(alive).argmax())
        return [i for i in range(self.n) if labels[i] >= 0 and labels[i] != main]


@dataclass(frozen=True)
class Demand:
    """Origin–destination journeys per working day: an ESTIMATE from a gravity model.

    Journeys from station *i* = half its boarding-plus-alighting travellers per day; they are
    spread over destinations *j* in proportion to ``travellers_j × max(d_ij, 5 km)^-γ``, with
    ``d`` the shortest network distance and ``γ`` calibrated so that the mean journey is
    :data:`MEAN_TRIP_KM`; the matrix is then made symmetric (average of both directions).
    """

    trips: Array
    gamma: float
    mean_trip_km: float
    #: Hourly journeys in one hour of each window = ``trips × hour_factor[window]``.
    hour_factor: dict[str, float]


def _gravity(travellers: Array, dist: Array, gamma: float) -> Array:
    d = np.maximum(dist, MIN_DISTANCE_KM)
    attraction = travellers[None, :] * np.power(d, -gamma)
    attraction[~np.isfinite(dist)] = 0.0
    np.fill_diagonal(attraction, 0.0)
    total = attraction.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    trips: Array = (travellers[:, None] / 2.0) * attraction / total
    sym: Array = (trips + trips.T) / 2.0
    return sym


def estimate_demand(engine: Engine) -> Demand:
    """Calibrate the gravity model on the base network (bisection on ``γ``)."""
    travellers = np.array(
        [engine.network.stations[c].travellers_per_day for c in engine.codes], dtype=np.float64
    )
    dist = engine.base
    finite = np.isfinite(dist)

    def mean_length(gamma: float) -> float:
        t = _gravity(travellers, dist, gamma)
        return float((t[finite] * dist[finite]).sum() / t.sum())

    lo, hi = 0.0, 6.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if mean_length(mid) > MEAN_TRIP_KM:
            lo = mid
        else:
            hi = mid
    gamma = (lo + hi) / 2
    trips = _gravity(travellers, dist, gamma)
    # supply per window: train-km per hour relative to the day window
    train_km = {
        w: sum(link.trains_per_hour[w] * link.length_km for link in engine.network.links)
        for w in WINDOWS
    }
    day = train_km["day"] or 1.0
    hour_factor = {w: DAY_HOUR_SHARE * train_km[w] / day for w in WINDOWS}
    return Demand(
        trips=trips, gamma=gamma, mean_trip_km=mean_length(gamma), hour_factor=hour_factor
    )


@dataclass(frozen=True)
class Loss:
    """What a set of removals does to the estimated journeys."""

    #: Journeys per day whose shortest route got longer or was cut (ESTIMATE).
    travellers_affected: float
    #: Journeys per day with no route left (ESTIMATE).
    travellers_cut_off: float
    #: Passenger-hours lost per hour of outage in the window (ESTIMATE).
    passenger_hours_lost_per_hour: float


def loss(
    engine: Engine,
    demand: Demand,
    window: str,
    removed_edges: Iterable[int] = (),
    removed_nodes: Iterable[int] = (),
    distances: Array | None = None,
) -> Loss:
    """Travellers affected and passenger-hours lost per hour for one scenario."""
    after = distances if distances is not None else engine.distances(removed_edges, removed_nodes)
    affected, cut_trips, hours = _cost_sums(demand.trips, after, engine.base)
    return Loss(affected, cut_trips, hours * demand.hour_factor[window])


@dataclass(frozen=True)
class Single:
    """The loss of removing one link or one station (from :func:`single_losses`)."""

    loss: Loss
    #: For a link: shortest distance between its two ends without it (inf if none).
    alternative_km: float


def _cost_sums(
    trips: Array, after: Array, base: Array, weight: float = 1.0
) -> tuple[float, float, float]:
    """(journeys affected, journeys cut off, passenger-hours lost) of one removal, per day.

    ``after`` is never shorter than ``base`` (removing never shortens a route), so the extra
    distance is non-negative up to rounding; it is capped where the cut-off penalty takes over.
    """
    extra = after - base  # inf where cut off (the base network is connected)
    affected = float(trips.sum(where=extra > 1e-9))
    cut = float(trips.sum(where=np.isinf(extra)))
    np.minimum(extra, CUT_OFF_PENALTY_HOURS * DETOUR_SPEED_KMH, out=extra)
    hours = float(np.einsum("ij,ij->", trips, extra)) / DETOUR_SPEED_KMH
    return weight * affected, weight * cut, weight * hours


def _chain_singles(
    eng: Engine,
    demand: Demand,
    c: int,
    factor: float,
    link_out: dict[int, Single],
    station_out: dict[int, Single],
) -> None:
    """Single removals inside chain ``c`` (see :func:`single_losses`)."""
    chain = eng.chains[c]
    trips, base = demand.trips, eng.base
    n, k = eng.n, len(eng.junctions)
    inf = np.inf
    core = eng._core_distances({c}, set())
    inner = np.asarray(chain.nodes[1:-1], dtype=np.int64)
    exit_a, exit_b = eng._exit_a.copy(), eng._exit_b.copy()
    dist_a, dist_b = eng._dist_a.copy(), eng._dist_b.copy()
    exit_a[inner] = exit_b[inner] = k
    dist_a[inner] = dist_b[inner] = inf
    to_core = np.minimum(dist_a[:, None] + core[exit_a, :], dist_b[:, None] + core[exit_b, :])
    block = np.minimum(to_core[:, exit_a] + dist_a[None, :], to_core[:, exit_b] + dist_b[None, :])
    np.minimum(block, eng._direct, out=block)
    ca, cb = eng.core_of[chain.a], eng.core_of[chain.b]
    block[chain.a, chain.b] = block[chain.b, chain.a] = 0.0 if chain.a == chain.b else core[ca, cb]
    outside = np.ones(n, dtype=bool)
    outside[inner] = False
    # the chain's own rows are added per removal below: make them count nothing here
    block[inner, :] = base[inner, :]
    block[:, inner] = base[:, inner]
    block_sums = _cost_sums(trips, block, base)
    positions = np.arange(1, len(inner) + 1)
    offsets = np.asarray(chain.offsets)

    def removal(cuts: list[int], gone: int | None) -> tuple[tuple[float, float, float], Array]:
        ea, eb = exit_a.copy(), exit_b.copy()
        da, db = dist_a.copy(), dist_b.copy()
        lo_cut, hi_cut = min(cuts), max(cuts)
        reach_a = positions <= lo_cut
        reach_b = positions > hi_cut
        if gone is not None:
            keep = inner != gone
            reach_a &= keep
            reach_b &= keep
        ra, rb = inner[reach_a], inner[reach_b]
        ea[ra] = ca
        da[ra] = offsets[positions[reach_a]]
        eb[rb] = cb
        db[rb] = chain.length - offsets[positions[reach_b]]
        tc = np.minimum(da[inner, None] + core[ea[inner], :], db[inner, None] + core[eb[inner], :])
        rows = np.minimum(tc[:, ea] + da[None, :], tc[:, eb] + db[None, :])
        # direct along the chain between its inner stations (not across a cut)
        pos = positions
        lo = np.minimum(pos[:, None], pos[None, :])
        hi = np.maximum(pos[:, None], pos[None, :])
        direct = np.abs(offsets[pos][:, None] - offsets[pos][None, :])
        for cut in cuts:
            direct[(lo <= cut) & (hi > cut)] = inf
        rows[:, inner] = np.minimum(rows[:, inner], direct)
        if gone is not None:
            g = int(np.nonzero(inner == gone)[0][0])
            rows[g, :] = inf
            rows[:, gone] = inf
        out_part = _cost_sums(
            trips[inner][:, outside], rows[:, outside], base[inner][:, outside], 2.0
        )
        in_part = _cost_sums(
            trips[np.ix_(inner, inner)], rows[:, inner], base[np.ix_(inner, inner)]
        )
        total = tuple(b + o + i for b, o, i in zip(block_sums, out_part, in_part, strict=True))
        return (total[0], total[1], total[2]), rows

    for p, e in enumerate(chain.edges):
        sums, rows = removal([p], None)
        u, v = chain.nodes[p], chain.nodes[p + 1]
        if p >= 1:
            alt = float(rows[p - 1, v])
        elif len(inner):
            alt = float(rows[0, u])  # v is the first inner station
        else:
            alt = float(block[u, v])
        link_out[e] = Single(Loss(sums[0], sums[1], sums[2] * factor), alt)
    for p, node in enumerate(chain.nodes[1:-1], start=1):
        sums, _ = removal([p - 1, p], int(node))
        station_out[int(node)] = Single(Loss(sums[0], sums[1], sums[2] * factor), inf)


def single_losses(
    engine: Engine, demand: Demand, window: str
) -> tuple[dict[int, Single], dict[int, Single]]:
    """The loss of removing each link alone and each station alone, keyed by index.

    Equal to :func:`loss` of :meth:`Engine.distances` for each removal (the tests check this)
    but several times faster: every removal inside one chain breaks the same chain, so the
    distances between stations off that chain are computed once per chain, and only the rows
    of the chain's own stations once per removal.
    """
    eng = engine
    factor = demand.hour_factor[window]
    link_out: dict[int, Single] = {}
    station_out: dict[int, Single] = {}
    for c in range(len(eng.chains)):
        _chain_singles(eng, demand, c, factor, link_out, station_out)
    for j in eng.junctions:
        station_out[j] = Single(loss(eng, demand, window, removed_nodes=[j]), np.inf)
    return link_out, station_out

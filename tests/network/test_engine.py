"""The chain-contracted distance engine against networkx, and the batched single removals."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from perron.network.analysis import context
from perron.network.engine import (
    CUT_OFF_PENALTY_HOURS,
    MEAN_TRIP_KM,
    loss,
    single_losses,
)


def _reference(eng, removed_edges, removed_nodes):
    g = nx.Graph()
    g.add_nodes_from(range(eng.n))
    for k, (u, v) in enumerate(eng.edge_ends):
        if k in removed_edges or u in removed_nodes or v in removed_nodes:
            continue
        g.add_edge(u, v, w=eng.edge_length[k])
    out = np.full((eng.n, eng.n), np.inf)
    for s, lengths in nx.all_pairs_dijkstra_path_length(g, weight="w"):
        if s in removed_nodes:
            continue
        for t, d in lengths.items():
            if t not in removed_nodes:
                out[s, t] = d
    return out


def _same(a, b):
    return np.array_equal(np.isinf(a), np.isinf(b)) and np.allclose(
        np.where(np.isinf(a), 0, a), np.where(np.isinf(b), 0, b)
    )


def test_base_distances_equal_networkx():
    eng = context().engine
    assert _same(eng.base, _reference(eng, set(), set()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distances_with_removals_equal_networkx(seed):
    eng = context().engine
    rng = random.Random(seed)
    for _ in range(6):
        edges = set(rng.sample(range(len(eng.edge_ends)), rng.randint(1, 5)))
        nodes = set(rng.sample(range(eng.n), rng.randint(0, 2)))
        assert _same(eng.distances(edges, nodes), _reference(eng, edges, nodes)), (edges, nodes)


def test_single_losses_equal_the_full_computation():
    ctx = context()
    eng, demand = ctx.engine, ctx.demand
    links, stations = single_losses(eng, demand, "day")
    assert len(links) == len(eng.edge_ends) and len(stations) == eng.n
    rng = random.Random(7)
    for e in rng.sample(range(len(eng.edge_ends)), 40):
        full = eng.distances([e])
        want = loss(eng, demand, "day", distances=full)
        got = links[e]
        u, v = eng.edge_ends[e]
        assert got.loss.passenger_hours_lost_per_hour == pytest.approx(
            want.passenger_hours_lost_per_hour
        )
        assert got.loss.travellers_affected == pytest.approx(want.travellers_affected)
        assert got.loss.travellers_cut_off == pytest.approx(want.travellers_cut_off)
        assert got.alternative_km == pytest.approx(full[u, v]) or (
            np.isinf(got.alternative_km) and np.isinf(full[u, v])
        )
    for i in rng.sample(range(eng.n), 30):
        want = loss(eng, demand, "day", removed_nodes=[i])
        assert stations[i].loss.passenger_hours_lost_per_hour == pytest.approx(
            want.passenger_hours_lost_per_hour
        )


def test_gravity_model_is_calibrated_and_symmetric():
    demand = context().demand
    assert demand.mean_trip_km == pytest.approx(MEAN_TRIP_KM, rel=1e-3)
    assert np.allclose(demand.trips, demand.trips.T)
    assert np.all(np.diag(demand.trips) == 0)
    # journeys out of all stations = half of all boardings and alightings
    travellers = sum(s.travellers_per_day for s in context().network.stations.values())
    assert demand.trips.sum() == pytest.approx(travellers / 2, rel=1e-6)
    # fewer trains in the evening: fewer journeys per hour
    assert demand.hour_factor["evening"] < demand.hour_factor["day"]


def test_cut_off_journeys_cost_the_penalty():
    ctx = context()
    eng, demand = ctx.engine, ctx.demand
    # a terminal station's only link: every journey from or to it is cut off
    degree = [len(a) for a in eng.adjacency]
    terminal = degree.index(1)
    ((_, e),) = eng.adjacency[terminal]
    result = loss(eng, demand, "day", removed_edges=[e])
    own = demand.trips[terminal].sum() * 2
    assert result.travellers_cut_off == pytest.approx(own)
    assert result.passenger_hours_lost_per_hour == pytest.approx(
        own * CUT_OFF_PENALTY_HOURS * demand.hour_factor["day"]
    )
    assert eng.cut_off([e]) == [terminal]


def test_worst_single_link_is_the_top_of_the_ranking_and_pairs_beat_greedy():
    from perron.network.analysis import criticality, worst_links

    top = criticality("day").links[0]
    one = worst_links(1, "day", time_budget_s=600)
    assert one.proven
    assert one.links == [f"{top.from_code}-{top.to_code}"]
    assert one.passenger_hours_lost_per_hour == pytest.approx(top.passenger_hours_lost_per_hour)
    two = worst_links(2, "day", time_budget_s=5)
    assert len(set(two.links)) == 2
    assert two.passenger_hours_lost_per_hour >= two.greedy_passenger_hours_lost_per_hour
    ctx = context()
    edges = [
        ctx.engine.edge_index[tuple(ctx.engine.index[c] for c in k.split("-"))] for k in two.links
    ]
    got = loss(ctx.engine, ctx.demand, "day", removed_edges=edges).passenger_hours_lost_per_hour
    assert two.passenger_hours_lost_per_hour == pytest.approx(got, abs=0.06)

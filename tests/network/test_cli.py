"""The contract of ``perron network criticality`` and ``perron network scenario``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from perron.network.analysis import context
from perron.network.engine import CUT_OFF_PENALTY_HOURS, DETOUR_SPEED_KMH
from perron.network.model import load_network

PERRON = [sys.executable, "-m", "perron.cli"]


def run(args, tmp_path, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERRON_")}
    env["PERRON_DATA_DIR"] = str(tmp_path / "data")
    env["COLUMNS"] = "40"
    result = subprocess.run([*PERRON, *args], env=env, capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"perron {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def criticality(tmp_path_factory):
    out = run(["network", "criticality", "--json"], tmp_path_factory.mktemp("crit"))
    return json.loads(out.stdout)


def _graph():
    g = load_network().graph()
    return g


def test_criticality_covers_every_link_with_the_contract_keys(criticality):
    net = load_network()
    edges = criticality["edges"]
    assert len(edges) == len(net.links)
    keys = {
        "from",
        "to",
        "length_km",
        "alternative_km",
        "detour_km",
        "isolated_stations",
        "travellers_affected",
        "trains_per_hour",
    }
    for e in edges:
        assert keys <= set(e)
        assert net.link(e["from"], e["to"]) is not None
    assert len(criticality["stations"]) == len(net.stations)
    assert criticality["estimate"] is True
    # ranked by passenger-hours lost
    hours = [e["passenger_hours_lost_per_hour"] for e in edges]
    assert hours == sorted(hours, reverse=True)


def test_alternative_detour_and_isolated_match_networkx(criticality):
    g = _graph()
    bridges = {tuple(sorted(b)) for b in nx.bridges(g)}
    by_key = {(e["from"], e["to"]): e for e in criticality["edges"]}
    checked_bridge = checked_cycle = 0
    for (a, b), e in sorted(by_key.items())[::7]:
        h = g.copy()
        h.remove_edge(a, b)
        if (a, b) in bridges:
            assert e["alternative_km"] is None and e["detour_km"] is None
            parts = sorted(nx.connected_components(h), key=len)
            assert sorted(e["isolated_stations"]) == sorted(parts[0])
            checked_bridge += 1
        else:
            alt = nx.shortest_path_length(h, a, b, weight="length_km")
            assert e["alternative_km"] == pytest.approx(alt, abs=0.051)
            assert e["detour_km"] == pytest.approx(alt - e["length_km"], abs=0.11)
            assert e["isolated_stations"] == []
            checked_cycle += 1
    assert checked_bridge and checked_cycle


def test_trains_per_hour_and_travellers(criticality):
    net = load_network()
    by_key = {(e["from"], e["to"]): e for e in criticality["edges"]}
    e = by_key[("UT", "UTZL")]
    assert e["trains_per_hour"] == net.link("UT", "UTZL").trains_per_hour["day"]
    assert e["travellers_affected"] > 10_000
    # a terminal link: the travellers affected are the journeys from and to the terminal
    ctx = context()
    g = _graph()
    terminal = next(n for n in sorted(g) if g.degree(n) == 1)
    (other,) = list(g.neighbors(terminal))
    row = by_key[tuple(sorted((terminal, other)))]
    i = ctx.engine.index[terminal]
    own = ctx.demand.trips[i].sum() * 2
    assert row["travellers_affected"] == round(own)
    assert row["isolated_stations"] == [terminal]


def _reference_loss(removed_links, removed_stations, window="day"):
    ctx = context()
    g = _graph()
    for a, b in removed_links:
        g.remove_edge(a, b)
    for s in removed_stations:
        g.remove_node(s)
    eng, trips = ctx.engine, ctx.demand.trips
    lost = 0.0
    lengths = dict(nx.all_pairs_dijkstra_path_length(g, weight="length_km"))
    for a in eng.codes:
        i = eng.index[a]
        reach = lengths.get(a, {})
        for b in eng.codes:
            j = eng.index[b]
            if i == j:
                continue
            if b in reach:
                extra = reach[b] - eng.base[i, j]
                if extra > 1e-9:
                    lost += trips[i, j] * min(extra / DETOUR_SPEED_KMH, CUT_OFF_PENALTY_HOURS)
            else:
                lost += trips[i, j] * CUT_OFF_PENALTY_HOURS
    return lost * ctx.demand.hour_factor[window], g


def test_scenario_matches_an_independent_computation(tmp_path):
    out = run(
        [
            "network",
            "scenario",
            "--remove",
            "UT-UTZL",
            "--remove",
            "zl-mp",
            "--window",
            "evening",
            "--hours",
            "3",
            "--json",
        ],
        tmp_path,
    )
    data = json.loads(out.stdout)
    want, g = _reference_loss([("UT", "UTZL"), ("MP", "ZL")], [], "evening")
    assert data["passenger_hours_lost_per_hour"] == pytest.approx(want, abs=0.06)
    assert data["passenger_hours_lost"] == pytest.approx(3 * want, abs=0.2)
    main = max(nx.connected_components(g), key=len)
    assert data["isolated_stations"] == sorted(set(g) - main)
    assert "ZL" not in data["isolated_stations"] and "GN" in data["isolated_stations"]
    assert data["removed_links"] == ["UT-UTZL", "MP-ZL"]
    assert data["estimate"] is True
    assert set(data["series_broken"]) >= set(load_network().link("MP", "ZL").series["evening"])


def test_scenario_with_a_station(tmp_path):
    out = run(["network", "scenario", "--station", "AMF", "--json"], tmp_path)
    data = json.loads(out.stdout)
    want, _ = _reference_loss([], ["AMF"])
    assert data["passenger_hours_lost_per_hour"] == pytest.approx(want, abs=0.06)
    assert np.isfinite(data["travellers_affected"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--remove", "X-Y"], "link 'X-Y': unknown station code 'X'"),
        (["--remove", "ASD-UT"], "link 'ASD-UT': no link between ASD and UT"),
        (["--remove", "UTUT"], "link 'UTUT': expected two station codes"),
        (["--station", "QQQ"], "station 'QQQ': unknown station code"),
        (["--remove", "UT-UTZL", "--window", "night"], "time window 'night'"),
        (["--remove", "UT-UTZL", "--hours", "-1"], "duration -1.0 hours"),
        ([], "remove at least one link"),
    ],
)
def test_scenario_bad_input_names_it(tmp_path, args, message):
    out = run(["network", "scenario", *args, "--json"], tmp_path, check=False)
    assert out.returncode == 2
    assert out.stdout == ""
    assert message in " ".join(out.stderr.split())

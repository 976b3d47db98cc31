"""Small hand-made networks and timetables, and an exhaustive search to check the planner."""

from __future__ import annotations

import itertools
import random
from datetime import datetime

import networkx as nx

from perron.military.model import Link, Network, Pattern, Request, Series, Settings, Station
from perron.military.occupancy import civil_trains, templates
from perron.military.planner import Inputs
from perron.military.rules import RuleContext
from perron.military.search import route_times

T0 = datetime(2026, 12, 8, 12, 0)  # a Tuesday, window 1 all through the tests' horizons
FULL_DAY = Settings(
    tick_min=1.0, horizon_h=1.0, phase_rule="zero", service_start=0, service_end=24, routes=50
)


def make_inputs(
    links: list[tuple[str, str, float, float]],
    series: list[Series],
    sidings: frozenset[str] = frozenset(),
) -> Inputs:
    codes = sorted({c for a, b, _, _ in links for c in (a, b)})
    net = Network(
        {c: Station(c, c, None, None, "station") for c in codes},
        tuple(Link(a, b, km, v) for a, b, km, v in links),
    )
    pattern = Pattern(1, tuple(series))
    tp = templates(net, pattern)
    ctx = RuleContext(network=net, sidings_740m=sidings)
    return Inputs(net, lambda _w: tp, ctx, {}, "hand-made test network")


def conflict_free(te: float, tx: float, enter: float, exit_: float, h: float) -> bool:
    follows = te >= enter + h - 1e-9 and tx >= exit_ + h - 1e-9
    leads = te + h <= enter + 1e-9 and tx + h <= exit_ + 1e-9
    return follows or leads


def exhaustive(inputs: Inputs, req: Request, settings: Settings) -> tuple[float, float] | None:
    """(earliest arrival, latest departure among those) over every simple path, departure tick,
    stop and wait, in minutes from ``req.earliest``; None when nothing fits the horizon."""
    from perron.military.rules import may_wait

    net = inputs.network
    g = nx.Graph()
    for lk in net.links:
        if (lk.a, lk.b) in req.avoid or (lk.b, lk.a) in req.avoid:
            continue
        g.add_edge(lk.a, lk.b)
    if req.origin not in g or req.destination not in g:
        return None
    tick = settings.tick_min
    horizon = settings.horizon_h * 60
    n_ticks = int(horizon / tick) + 1
    best: tuple[float, float] | None = None
    for path in nx.all_simple_paths(g, req.origin, req.destination):
        links = list(itertools.pairwise(path))
        civil = civil_trains(links, {1: dict(inputs.occupancy(1))}, req.earliest, horizon, settings)
        wait_ok = [True] + [may_wait(c, req, inputs.context) for c in path[1:]]
        rt = route_times(net, list(path), req, settings, wait_ok)
        n = len(links)
        # per intermediate node: None (pass) or a wait in ticks (stop, then wait)
        choices = [[None]] + [
            [None, *range(n_ticks)] if wait_ok[i] else [None] for i in range(1, n)
        ]
        for dep in range(n_ticks):
            for combo in itertools.product(*choices):
                t = dep
                ok = True
                for i in range(n):
                    stop = i == 0 or combo[i] is not None
                    if i > 0 and combo[i] is not None:
                        t += combo[i]
                    run = rt.start[i] if stop else rt.moving[i]
                    te, tx = t * tick, (t + run) * tick
                    if tx > horizon + 1e-9:
                        ok = False
                        break
                    if not all(
                        conflict_free(te, tx, c.enter, c.exit, settings.headway_min)
                        for c in civil[links[i]]
                    ):
                        ok = False
                        break
                    t += run
                if not ok:
                    continue
                cand = (t * tick, -dep * tick)
                if best is None or cand < (best[0], -best[1]):
                    best = (t * tick, dep * tick)
    return best


def random_case(seed: int) -> tuple[Inputs, Request]:
    rnd = random.Random(seed)
    nodes = ["A", "B", "C", "D", "E"]
    links = [
        ("A", "B", rnd.uniform(3, 12), rnd.choice([80, 100, 140])),
        ("B", "D", rnd.uniform(3, 12), rnd.choice([80, 100, 140])),
        ("A", "C", rnd.uniform(3, 12), rnd.choice([60, 100, 140])),
        ("C", "D", rnd.uniform(3, 12), rnd.choice([60, 100, 140])),
        ("D", "E", rnd.uniform(2, 8), rnd.choice([80, 140])),
    ]
    if rnd.random() < 0.5:
        links.append(("B", "C", rnd.uniform(2, 6), 100))
    paths = [["A", "B", "D", "E"], ["E", "D", "C", "A"], ["A", "C", "D"], ["B", "D", "E"]]
    series = []
    for k in range(rnd.randint(2, 4)):
        stops = rnd.choice(paths)
        t = 0.0
        arr, dep = [], []
        for i in range(len(stops)):
            arr.append(t)
            t += rnd.choice([0.0, 1.0]) if 0 < i < len(stops) - 1 else 0.0
            dep.append(t)
            t += rnd.uniform(3, 9)
        series.append(
            Series(
                str(100 * (k + 1)),
                rnd.choice(["Intercity", "Sprinter"]),
                tuple(stops),
                tuple(round(x * 2) / 2 for x in arr),
                tuple(round(x * 2) / 2 for x in dep),
                rnd.choice([10.0, 15.0, 20.0, 30.0]),
            )
        )
    sidings = frozenset(rnd.sample(["B", "C", "D"], rnd.randint(0, 2)))
    inputs = make_inputs(links, series, sidings)
    assert set(inputs.network.stations) == set(nodes)
    req = Request(
        "A",
        "E",
        T0.replace(minute=rnd.randint(0, 59)),
        length_m=rnd.choice([300, 600, 740]),
        mass_t=rnd.choice([800.0, 2000.0, 4000.0]),
        max_speed_kmh=rnd.choice([80.0, 100.0, 120.0]),
    )
    return inputs, req

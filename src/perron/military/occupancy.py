"""Occupancy of each directed link by the civil service pattern.

The pattern gives per series the ordered stops, the cumulative minutes from the first stop and
the headway, but not the minute past the hour at which a train leaves. Each series is mapped onto
the links of the network (the shortest path between two consecutive stops; the travel minutes
between them are shared over the links in proportion to their length) and run in both
directions, with departures from its first stop evenly spaced at its headway. The phase of
those departures is an assumption chosen by a rule of :data:`PHASE_RULES` (configurable; every
result names the rule it used).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import networkx as nx

from perron.military.model import CivilTrain, Network, Pattern, Series, Settings

#: phase rules: (series id, direction, headway) -> minutes past the hour of the first departure
PhaseRule = Callable[[str, int, float], float]
PHASE_RULES: dict[str, PhaseRule] = {}
PHASE_RULE_TEXT: dict[str, str] = {}


def phase_rule(name: str, text: str) -> Callable[[PhaseRule], PhaseRule]:
    """Register a phase rule under ``name`` with a one-line description of the assumption."""

    def register(fn: PhaseRule) -> PhaseRule:
        PHASE_RULES[name] = fn
        PHASE_RULE_TEXT[name] = text
        return fn

    return register


@phase_rule("zero", "every series leaves its first stop on the hour and every headway after")
def _zero(_series: str, _direction: int, _headway: float) -> float:
    return 0.0


@phase_rule(
    "spread",
    "every series leaves its first stop at a fixed pseudo-random minute within its headway "
    "(from a hash of its number and direction), evenly spaced after that",
)
def _spread(series: str, direction: int, headway: float) -> float:
    digest = hashlib.sha256(f"{series}/{direction}".encode()).digest()
    steps = max(1, int(headway * 2))
    return (int.from_bytes(digest[:4], "big") % steps) / 2.0


@dataclass(frozen=True)
class Template:
    """A series direction's passage over one directed link, relative to its first departure."""

    series: str
    direction: int
    product: str
    headway: float
    enter: float
    exit: float
    duration: float  # first stop to last stop


def window_of(moment: datetime) -> int:
    """The time window of the 2026 pattern: 1 Mon–Thu, 2 Fri, 3 weekend (until 20:00), 4 evening."""
    if moment.hour >= 20 or moment.hour < 5:
        return 4
    wd = moment.weekday()
    return 1 if wd <= 3 else 2 if wd == 4 else 3


def graph_of(network: Network) -> nx.Graph:
    g = nx.Graph()
    for lk in network.links:
        g.add_edge(lk.a, lk.b, km=lk.km)
    return g


def reversed_series(s: Series) -> Series:
    total = s.arr[-1]
    n = len(s.stops)
    return Series(
        s.id,
        s.product,
        tuple(reversed(s.stops)),
        tuple(total - s.dep[n - 1 - i] for i in range(n)),
        tuple(total - s.arr[n - 1 - i] for i in range(n)),
        s.headway_min,
    )


def templates(network: Network, pattern: Pattern) -> dict[tuple[str, str], list[Template]]:
    """Every series direction's passages, per directed link."""
    g = graph_of(network)
    out: dict[tuple[str, str], list[Template]] = defaultdict(list)
    paths: dict[tuple[str, str], list[str] | None] = {}
    for s in pattern.series:
        if s.headway_min <= 0 or len(s.stops) < 2:
            continue
        for direction, ss in ((0, s), (1, reversed_series(s))):
            duration = ss.arr[-1]
            for i in range(len(ss.stops) - 1):
                a, b = ss.stops[i], ss.stops[i + 1]
                if (a, b) not in paths:
                    try:
                        paths[(a, b)] = nx.shortest_path(g, a, b, weight="km")
                    except (nx.NetworkXNoPath, nx.NodeNotFound):
                        paths[(a, b)] = None
                path = paths[(a, b)]
                if not path or len(path) < 2:
                    continue
                kms = [g.edges[u, v]["km"] for u, v in zip(path, path[1:], strict=False)]
                total_km = sum(kms) or 1.0
                t = ss.dep[i]
                span = max(0.0, ss.arr[i + 1] - ss.dep[i])
                for (u, v), km in zip(zip(path, path[1:], strict=False), kms, strict=True):
                    dt = span * km / total_km
                    out[(u, v)].append(
                        Template(s.id, direction, s.product, s.headway_min, t, t + dt, duration)
                    )
                    t += dt
    return dict(out)


def _in_service(moment: datetime, settings: Settings) -> bool:
    h = moment.hour + moment.minute / 60
    if settings.service_end > 24 and h < settings.service_end - 24:
        return True
    return settings.service_start <= h < min(settings.service_end, 24)


def civil_trains(
    links: Iterable[tuple[str, str]],
    index: dict[int, dict[tuple[str, str], list[Template]]],
    t0: datetime,
    horizon_min: float,
    settings: Settings,
) -> dict[tuple[str, str], list[CivilTrain]]:
    """The civil trains on each of ``links`` between ``t0`` and ``t0 + horizon_min``.

    ``index`` holds the templates per time window; each departure from a series' first stop uses
    the pattern of the window it falls in, and only runs within the civil service hours.
    Times are minutes from ``t0``.
    """
    rule = PHASE_RULES[settings.phase_rule]
    midnight = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    base = (t0 - midnight).total_seconds() / 60.0
    out: dict[tuple[str, str], list[CivilTrain]] = {}
    for link in links:
        trains: list[CivilTrain] = []
        for window in sorted(index):
            for tp in index[window].get(link, ()):
                phase = rule(tp.series, tp.direction, tp.headway)
                # first-stop departures d (minutes from midnight of t0's day) whose passage over
                # the link may fall inside the horizon
                lo = base - tp.exit - 1
                hi = base + horizon_min - tp.enter + 1
                k0 = math.ceil((lo - phase) / tp.headway)
                k1 = math.floor((hi - phase) / tp.headway)
                for k in range(k0, k1 + 1):
                    d = phase + k * tp.headway
                    moment = midnight + timedelta(minutes=d)
                    if window_of(moment) != window or not _in_service(moment, settings):
                        continue
                    enter = d + tp.enter - base
                    exit_ = d + tp.exit - base
                    if exit_ < -settings.headway_min or enter > horizon_min + settings.headway_min:
                        continue
                    trains.append(
                        CivilTrain(
                            tp.series,
                            tp.product,
                            tp.direction,
                            round(d - base, 3),
                            round(enter, 3),
                            round(exit_, 3),
                        )
                    )
        trains.sort(key=lambda c: c.enter)
        out[link] = trains
    return out

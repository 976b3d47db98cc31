"""The inputs of the search, read from the shipped data: the rail network and its 2026 service
pattern (:mod:`perron.network.model`) and the military mobility reference (shipped here,
**compiled by hand from public statements**)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from perron.military.model import Link, Network, Pattern, Series, Station
from perron.military.occupancy import Template, templates
from perron.military.rules import DANGEROUS_GOODS_AREAS, RuleContext

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_FILE = DATA_DIR / "mobility-reference.csv"
REFERENCE_LABEL = (
    "Militaire mobiliteitsreferentie: met de hand samengesteld uit openbare uitspraken "
    "(overheid, Defensie, ProRail, nieuws); geen officiële dataset"
)
REFERENCE_LABEL_EN = (
    "Military mobility reference: compiled by hand from public statements "
    "(government, Defence, ProRail, news); not an official data set"
)
#: line speed used where the network data has none for a link
DEFAULT_LINE_SPEED_KMH = 100.0
WINDOWS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Site:
    kind: str
    name: str
    code: str
    lat: float | None
    lon: float | None
    fact: str
    source: str


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def reference() -> tuple[Site, ...]:
    """Every row of the mobility reference (codes as plain strings)."""
    with REFERENCE_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(
            Site(
                r["kind"],
                r["name"],
                r["nearest_station_code"].strip(),
                _float(r["lat"]),
                _float(r["lon"]),
                r["fact"],
                r["source"],
            )
            for r in csv.DictReader(fh)
        )


@cache
def network() -> Network:
    """The passenger rail network as the search sees it (link speeds from ProRail where known)."""
    from perron.network.model import load_network

    net = load_network()
    degree: dict[str, int] = {}
    for lk in net.links:
        degree[lk.from_code] = degree.get(lk.from_code, 0) + 1
        degree[lk.to_code] = degree.get(lk.to_code, 0) + 1
    stations = {
        code: Station(
            code, s.name, s.lat, s.lon, "junction" if degree.get(code, 0) >= 3 else "station"
        )
        for code, s in net.stations.items()
    }
    links = []
    for lk in net.links:
        speed = lk.median_speed_kmh or lk.max_speed_kmh
        links.append(
            Link(
                lk.from_code,
                lk.to_code,
                float(lk.length_km),
                float(speed) if speed else DEFAULT_LINE_SPEED_KMH,
                f"ProRail traject {lk.speed_traject}" if speed else "assumed",
            )
        )
    return Network(stations, tuple(links), label="ProRail BBMS / Rijden de Treinen")


@cache
def pattern(window: int) -> Pattern:
    """The civil service pattern of ``window`` (1–4), stops restricted to the network."""
    from perron.network.model import load_timetable

    tt = load_timetable(window)
    known = network().stations
    out: list[Series] = []
    for s in tt.series:
        if not s.headway_minutes:
            continue
        for variant, r in enumerate(s.routes):
            keep = [
                i
                for i, c in enumerate(r.stop_codes)
                if c and c in known and r.arr[i] is not None and r.dep[i] is not None
            ]
            if len(keep) < 2:
                continue
            out.append(
                Series(
                    s.id if variant == 0 else f"{s.id}.{variant}",
                    s.product,
                    tuple(str(r.stop_codes[i]) for i in keep),
                    tuple(float(r.arr[i] or 0.0) for i in keep),
                    tuple(float(r.dep[i] or 0.0) for i in keep),
                    float(s.headway_minutes),
                )
            )
    return Pattern(window, tuple(out), label=tt.label)


@cache
def occupancy(window: int) -> dict[tuple[str, str], list[Template]]:
    """Every series' passages per directed link in ``window`` (built once per process)."""
    return templates(network(), pattern(window))


@cache
def rule_context() -> RuleContext:
    sites = reference()
    return RuleContext(
        network=network(),
        sidings_740m=frozenset(s.code for s in sites if s.kind == "siding_740m" and s.code),
        military_sites=frozenset(
            s.code for s in sites if s.kind in ("port", "defence_siding") and s.code
        ),
        dangerous_goods_areas=dict(DANGEROUS_GOODS_AREAS),
    )

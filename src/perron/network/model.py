"""The Dutch rail network as typed data: stations, links, service pattern, speeds, border points.

Everything is read from files shipped inside the package (``perron/network/data``, rebuilt by
``tools/build_network_data.py``; ``data/SOURCES.md`` says where each figure comes from) and from
the reference data of :mod:`perron.reference` (stations, travellers per day, link lengths).
Nothing is read from outside the repository at run time. Station codes are plain strings: ``NA``
is Nieuw Amsterdam, never a missing value.

Time windows of the 2026 service pattern (:data:`WINDOWS`): ``day`` = Monday–Thursday until
20:00 (file window 1), ``friday`` = Friday until 20:00 (2), ``weekend`` = Saturday and Sunday
until 20:00 (3), ``evening`` = every day after 20:00 (4).

Trains per hour are the derived headway-based figures of the shared data folder: APPROXIMATE
(they overstate; the trip counts understate by about the same factor), good for ranking and for
day-versus-evening ratios, not for capacity.

Public entry points: :func:`load_network` and :func:`load_timetable`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from perron.reference import bundle

if TYPE_CHECKING:
    import networkx as nx

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Window name → window number of the service-pattern files.
WINDOWS: Mapping[str, int] = MappingProxyType({"day": 1, "friday": 2, "weekend": 3, "evening": 4})
WINDOW_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "day": "Monday–Thursday until 20:00",
        "friday": "Friday until 20:00",
        "weekend": "weekend until 20:00",
        "evening": "every day after 20:00",
    }
)
DEFAULT_WINDOW = "day"

ESTIMATE_NOTE = (
    "Trains per hour: derived from the 2026 service pattern, approximate (headway-based; good for "
    "ranking, not for capacity)."
)


class NetworkDataError(ValueError):
    """A shipped network file is missing or malformed, or an argument names nothing known."""


@dataclass(frozen=True)
class NetworkStation:
    """A Dutch station on the network."""

    code: str
    name: str
    lat: float
    lon: float
    travellers_per_day: int
    #: True where travellers per day is an estimate (no published count).
    travellers_estimated: bool
    municipality_code: str
    #: Trains per hour both directions per window name (0 where no series stops).
    trains_per_hour: Mapping[str, float]
    #: NS code is the Dutch end of a Dutch–German border crossing.
    border: bool = False
    #: Train series stopping here per window name.
    series: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Link:
    """An undirected link between two adjacent stations, ``from_code < to_code``."""

    from_code: str
    to_code: str
    length_km: float
    #: Trains per hour both directions per window name (approximate; 0 where no series runs).
    trains_per_hour: Mapping[str, float]
    #: Trips per day in the window, both directions (understates; see the module note).
    trips_per_day: Mapping[str, int]
    #: Train series ids using the link per window name.
    series: Mapping[str, tuple[str, ...]]
    #: Maximum permitted speed of the ProRail traject covering the link, where known.
    max_speed_kmh: int | None = None
    #: Length-weighted median permitted speed of that traject, where known.
    median_speed_kmh: int | None = None
    #: The ProRail traject the speed was taken from.
    speed_traject: str | None = None

    @property
    def key(self) -> str:
        """``FROM-TO`` as used on the command line (``UT-UTZL``)."""
        return f"{self.from_code}-{self.to_code}"

    @property
    def ends(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)


@dataclass(frozen=True)
class BorderPoint:
    """A Dutch–German border point (ERA RINF, February 2022)."""

    id: str
    name: str
    pair: str
    lat: float
    lon: float
    nl_station_code: str
    de_line: str
    de_line_name: str
    adjacent_de_op: str
    adjacent_de_op_name: str
    section_length_km: float
    max_speed_kmh: int


@dataclass(frozen=True)
class Network:
    """Stations, links and border points; read-only."""

    stations: Mapping[str, NetworkStation]
    links: tuple[Link, ...]
    border_points: tuple[BorderPoint, ...]
    _by_ends: Mapping[tuple[str, str], Link] = field(repr=False, compare=False)

    def link(self, a: str, b: str) -> Link | None:
        """The link between stations ``a`` and ``b`` in either order, or None."""
        return self._by_ends.get((a, b) if a < b else (b, a))

    def parse_link(self, text: str) -> Link:
        """``A-B`` (either order, case-insensitive) → the link; :class:`NetworkDataError` if none."""
        parts = text.strip().upper().split("-")
        if len(parts) != 2 or not all(parts):
            raise NetworkDataError(f"link {text!r}: expected two station codes as FROM-TO")
        a, b = parts
        for code in (a, b):
            if code not in self.stations:
                raise NetworkDataError(f"link {text!r}: unknown station code {code!r}")
        found = self.link(a, b)
        if found is None:
            raise NetworkDataError(f"link {text!r}: no link between {a} and {b} in the network")
        return found

    def graph(self) -> nx.Graph:
        """A fresh undirected networkx graph; edge attribute ``length_km``, node ``travellers``."""
        import networkx as nx

        g: nx.Graph = nx.Graph()
        for s in self.stations.values():
            g.add_node(s.code, travellers=s.travellers_per_day)
        for link in self.links:
            g.add_edge(link.from_code, link.to_code, length_km=link.length_km)
        return g

    def __iter__(self) -> Iterator[Link]:
        return iter(self.links)


@dataclass(frozen=True)
class SeriesRoute:
    """One route variant of a series: ordered stops with cumulative median minutes."""

    stop_ids: tuple[str, ...]
    #: NS codes of the stops (None for a foreign stop without a code).
    stop_codes: tuple[str | None, ...]
    #: Cumulative median arrival / departure minute from the first stop, index-aligned with stops
    #: (None where the source has no time for that stop; empty when the route has no minutes).
    arr: tuple[float | None, ...]
    dep: tuple[float | None, ...]

    def minutes_between(self, i: int, j: int) -> float | None:
        """Travel minutes from stop ``i`` to stop ``j`` (``arr[j] - dep[i]``), None if unknown."""
        if not self.arr:
            return None
        a, d = self.arr[j], self.dep[i]
        return None if a is None or d is None else a - d


@dataclass(frozen=True)
class Series:
    """A train series in one time window."""

    id: str
    product: str
    kind: str
    frequency_class: str
    #: Trips per day in the window, both directions, from the GTFS-derived note (None if absent).
    trips_per_day: int | None
    #: Median minutes between departures in one direction at the busiest stop (None if unknown).
    #: A headway, not a departure minute: the phase within the hour is not in the data.
    headway_minutes: float | None
    confidence: str
    issues: tuple[str, ...]
    routes: tuple[SeriesRoute, ...]


@dataclass(frozen=True)
class Timetable:
    """The 2026 service pattern of one time window."""

    window: str
    label: str
    series: tuple[Series, ...]

    def by_id(self) -> dict[str, Series]:
        return {s.id: s for s in self.series}


# -- readers ----------------------------------------------------------------------------------


def _open_text(name: str) -> str:
    path = DATA_DIR / name
    if not path.exists():
        raise NetworkDataError(
            f"{path}: network data file missing; run tools/build_network_data.py"
        )
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8-sig")


def _csv_rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_open_text(name))))


def _json(name: str) -> Any:
    try:
        return json.loads(_open_text(name))
    except json.JSONDecodeError as exc:
        raise NetworkDataError(f"{DATA_DIR / name}: invalid JSON at line {exc.lineno}") from None


def _window_name(window: str | int) -> str:
    if isinstance(window, int):
        for name, number in WINDOWS.items():
            if number == window:
                return name
    elif window in WINDOWS:
        return window
    known = ", ".join(WINDOWS)
    raise NetworkDataError(f"time window {window!r}: expected one of {known} (or 1–4)")


@cache
def _timetable_codes() -> dict[str, str | None]:
    return {r["id"]: (r["code"] or None) for r in _csv_rows("timetable-stations.csv")}


_TRIPS = re.compile(r"~(\d+) ritten per dag")


@cache
def _timetable(window: str) -> Timetable:
    number = WINDOWS[window]
    series_doc = _json(f"series-window{number}.json.gz")
    minutes_doc = _json(f"minutes-window{number}.json.gz")["series"]
    codes = _timetable_codes()
    out = []
    for s in series_doc["series"]:
        minutes = minutes_doc.get(s["id"], {})
        mroutes = minutes.get("routes", [])
        routes = []
        for i, r in enumerate(s["routes"]):
            stops = tuple(r["stops"])
            m = mroutes[i] if i < len(mroutes) else {}
            arr = tuple(None if x is None else float(x) for x in m.get("arr", []))
            dep = tuple(None if x is None else float(x) for x in m.get("dep", []))
            if len(arr) != len(stops) or len(dep) != len(stops):
                arr, dep = (), ()
            routes.append(
                SeriesRoute(
                    stop_ids=stops,
                    stop_codes=tuple(codes.get(x) for x in stops),
                    arr=arr,
                    dep=dep,
                )
            )
        freq = s.get("frequency") or {}
        match = _TRIPS.search(freq.get("note") or "")
        headway = minutes.get("headwayMinutes")
        out.append(
            Series(
                id=str(s["id"]),
                product=str(s.get("product") or ""),
                kind=str(s.get("kind") or ""),
                frequency_class=str(freq.get("class") or ""),
                trips_per_day=int(match.group(1)) if match else None,
                headway_minutes=float(headway) if headway is not None else None,
                confidence=str(s.get("confidence") or ""),
                issues=tuple(str(x) for x in s.get("issues") or ()),
                routes=tuple(routes),
            )
        )
    return Timetable(window=window, label=WINDOW_LABELS[window], series=tuple(out))


def load_timetable(window: str | int = DEFAULT_WINDOW) -> Timetable:
    """The 2026 service pattern of one window (``day``/``friday``/``weekend``/``evening`` or 1–4).

    Each series has its stops (ids and NS codes), the median headway and the cumulative median
    arrival and departure minutes per stop. Cached; the result is immutable.
    """
    return _timetable(_window_name(window))


def _number(window_page: str) -> str:
    return _window_name(int(window_page))


@cache
def _network() -> Network:
    ref_stations = bundle.station_by_code()
    station_tph: dict[str, dict[str, float]] = {c: {w: 0.0 for w in WINDOWS} for c in ref_stations}
    station_series: dict[str, dict[str, tuple[str, ...]]] = {
        c: {w: () for w in WINDOWS} for c in ref_stations
    }
    for row in _csv_rows("station_service_intensity_2026_derived.csv.gz"):
        if row["code"] in station_tph:
            value = row["trains_per_hour_both_dirs_from_headway"]
            w = _number(row["window_page"])
            station_tph[row["code"]][w] = float(value or 0)
            station_series[row["code"]][w] = tuple(row["series"].split())

    link_tph: dict[tuple[str, str], dict[str, float]] = {}
    link_trips: dict[tuple[str, str], dict[str, int]] = {}
    link_series: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for row in _csv_rows("edge_service_intensity_2026_derived.csv.gz"):
        a, b = row["from_code"], row["to_code"]
        key = (a, b) if a < b else (b, a)
        w = _number(row["window_page"])
        link_tph.setdefault(key, {})[w] = float(row["trains_per_hour_both_dirs_from_headway"] or 0)
        link_trips.setdefault(key, {})[w] = int(row["trips_per_day_in_window_both_dirs"] or 0)
        link_series.setdefault(key, {})[w] = tuple(row["series"].split())

    speeds: dict[tuple[str, str], dict[str, str]] = {
        (r["from_code"], r["to_code"]): r for r in _csv_rows("link_speeds.csv")
    }
    borders = tuple(
        BorderPoint(
            id=r["border_uopid"],
            name=r["border_name"],
            pair=r["nl_de_pair"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            nl_station_code=r["nl_station_code"],
            de_line=r["de_line"],
            de_line_name=r["de_line_name"],
            adjacent_de_op=r["adjacent_de_op"],
            adjacent_de_op_name=r["adjacent_de_op_name"],
            section_length_km=float(r["section_length_km"]),
            max_speed_kmh=int(r["max_speed_kmh"]),
        )
        for r in _csv_rows("border_points.csv")
    )
    border_codes = {b.nl_station_code for b in borders}

    stations = {
        code: NetworkStation(
            code=code,
            name=s.name_long,
            lat=s.lat,
            lon=s.lng,
            travellers_per_day=s.travellers_per_day,
            travellers_estimated=s.travellers_estimated,
            municipality_code=s.municipality_code,
            trains_per_hour=MappingProxyType(station_tph[code]),
            border=code in border_codes,
            series=MappingProxyType(station_series[code]),
        )
        for code, s in sorted(ref_stations.items())
    }
    links = []
    for e in bundle.edges():
        a, b = (e.from_code, e.to_code) if e.from_code < e.to_code else (e.to_code, e.from_code)
        key = (a, b)
        sp = speeds.get(key)
        links.append(
            Link(
                from_code=a,
                to_code=b,
                length_km=e.distance_km,
                trains_per_hour=MappingProxyType(
                    {w: link_tph.get(key, {}).get(w, 0.0) for w in WINDOWS}
                ),
                trips_per_day=MappingProxyType(
                    {w: link_trips.get(key, {}).get(w, 0) for w in WINDOWS}
                ),
                series=MappingProxyType({w: link_series.get(key, {}).get(w, ()) for w in WINDOWS}),
                max_speed_kmh=int(sp["max_speed_kmh"]) if sp and sp["max_speed_kmh"] else None,
                median_speed_kmh=int(sp["median_speed_kmh"])
                if sp and sp["median_speed_kmh"]
                else None,
                speed_traject=sp["traject"] if sp else None,
            )
        )
    links.sort(key=lambda link: link.ends)
    return Network(
        stations=MappingProxyType(stations),
        links=tuple(links),
        border_points=borders,
        _by_ends=MappingProxyType({link.ends: link for link in links}),
    )


def load_network() -> Network:
    """The network: 397 Dutch stations, 433 links with length, trains per hour per window, the
    series using each link, permitted speed where known, and the six Dutch–German border points.

    Cached; the result is immutable (use :meth:`Network.graph` for a mutable graph).
    """
    return _network()

"""The objects of military path planning: the network and civil pattern it searches, the
request, and the plan it returns. Pure data; no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: the TEN-T freight standard and the longest train Perron plans (mobility reference)
MAX_LENGTH_M = 740
MAX_MASS_T = 6000
MAX_SPEED_KMH = 160
GAUGE_CLASSES = ("G1", "GA", "GB", "GC")
TRACTIONS = ("electric", "diesel")
ORIGIN_KINDS = ("station", "port", "defence_siding", "border", "siding_740m")


class PlanningError(ValueError):
    """A request that cannot be planned; ``field`` names the request field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    lat: float | None
    lon: float | None
    kind: str = ""  # station type of the timetable vocabulary (megastation, intercitystation ...)


@dataclass(frozen=True)
class Link:
    """An undirected section between two adjacent stations."""

    a: str
    b: str
    km: float
    speed_kmh: float  # permitted line speed
    speed_source: str = "assumed"


@dataclass(frozen=True)
class Network:
    stations: dict[str, Station]
    links: tuple[Link, ...]
    label: str = ""

    def link(self, a: str, b: str) -> Link | None:
        return self._index().get((a, b))

    def _index(self) -> dict[tuple[str, str], Link]:
        idx: dict[tuple[str, str], Link] | None = getattr(self, "_idx", None)
        if idx is None:
            idx = {}
            for lk in self.links:
                idx[(lk.a, lk.b)] = lk
                idx[(lk.b, lk.a)] = lk
            object.__setattr__(self, "_idx", idx)
        return idx


@dataclass(frozen=True)
class Series:
    """One civil train series in one direction: ordered stops, cumulative minutes, headway."""

    id: str
    product: str
    stops: tuple[str, ...]
    arr: tuple[float, ...]
    dep: tuple[float, ...]
    headway_min: float


@dataclass(frozen=True)
class Pattern:
    """The civil service pattern of one time window (both directions listed as series)."""

    window: int
    series: tuple[Series, ...]
    label: str = ""


@dataclass(frozen=True)
class Request:
    origin: str
    destination: str
    earliest: datetime
    latest_arrival: datetime | None = None
    length_m: int = 600
    mass_t: float = 2000.0
    max_speed_kmh: float = 100.0
    gauge: str = "G1"
    dangerous_goods: bool = False
    rid_class: str | None = None
    urgent: bool = False
    avoid: tuple[tuple[str, str], ...] = ()
    reference: str = ""  # the requester's own reference (no personal data)
    traction: str = "electric"  # electric | diesel


@dataclass(frozen=True)
class Settings:
    """The configurable assumptions of the search (documented in docs/military.md)."""

    headway_min: float = 3.0  # minimum separation to a civil train at both ends of a link
    tick_min: float = 0.5  # time resolution of the search
    horizon_h: float = 8.0  # how far past the earliest departure to search without latest_arrival
    phase_rule: str = "spread"  # see perron.military.occupancy.PHASE_RULES
    service_start: float = 5.5  # civil service hours (hours of the day); none outside them
    service_end: float = 25.0  # 01:00 the next day
    routes: int = 4  # candidate routes
    buffer_min: float = 5.0  # a civil train closer than this is "touched" (knock-on risk)
    cancel_after_min: float = 30.0  # a civil train that would wait longer is cancelled
    tractive_kn: float = 300.0  # tractive effort of the locomotive(s) for the acceleration penalty
    braking_ms2: float = 0.3


@dataclass(frozen=True)
class CivilTrain:
    """One civil train on one directed link of the route (minutes from the search origin)."""

    series: str
    product: str
    direction: int  # 0: as listed in the pattern, 1: the reverse
    first_departure: float  # departure from the series' first stop
    enter: float
    exit: float

    @property
    def key(self) -> tuple[str, int, float]:
        return (self.series, self.direction, self.first_departure)


@dataclass
class Leg:
    a: str
    b: str
    km: float
    speed_kmh: float
    enter: float
    exit: float
    waited_min: float = 0.0  # standing time at ``a`` before entering


@dataclass
class Displaced:
    series: str
    product: str
    direction: int
    first_departure: float
    link: str
    planned: float
    delay_min: float
    cancelled: bool


@dataclass
class Plan:
    kind: str  # "conflict_free" or "priority"
    route: list[str]
    legs: list[Leg]
    departure: float
    arrival: float
    displaced: list[Displaced] = field(default_factory=list)
    touched: list[CivilTrain] = field(default_factory=list)
    touched_links: list[str] = field(default_factory=list)
    waits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def running_min(self) -> float:
        return self.arrival - self.departure

"""Threat kinds, likelihood from the incident history and impact from criticality.

Threat kinds are a small registry (:func:`register_threat`); the built-ins register into it too.
A kind names the incident categories of the registry that are evidence for it (copper theft,
vandalism, sabotage, fire, suspicious objects); kinds without evidence in the incident history
(cyber, extreme weather, dependency on a supplier) are assessed by hand and say so.

Likelihood (1–5) of a threat at an asset: incidents of its categories per year at or near the
asset over the history in the registry (public disruptions of Rijden de Treinen, 2011–2023).
"At or near" a station = incidents placed at that station; a link = incidents at either end.
Impact (1–5) of losing the asset: passenger-hours lost per hour of outage from the criticality
analysis (an ESTIMATE). Risk = likelihood × impact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: Incidents per year at or near an asset → likelihood class: below 0.1 → 1, below 0.5 → 2 ...
LIKELIHOOD_RATES: tuple[float, ...] = (0.1, 0.5, 1.0, 3.0)
#: Passenger-hours lost per hour of outage → impact class: below 50 → 1, below 250 → 2 ...
IMPACT_HOURS: tuple[float, ...] = (50.0, 250.0, 1000.0, 3000.0)
ASSET_KINDS = ("link", "station", "level_crossing")
STATUSES = ("open", "mitigating", "accepted", "closed")
MEASURE_STATUSES = ("planned", "in_progress", "done")


@dataclass(frozen=True)
class ThreatKind:
    key: str
    label_nl: str
    label_en: str
    #: Registry incident categories that are evidence of this threat (empty: assessed by hand).
    categories: tuple[str, ...]
    default_owner: str = "prorail"


THREATS: dict[str, ThreatKind] = {}


def register_threat(kind: ThreatKind) -> ThreatKind:
    """Add a threat kind (a key registered twice is an error)."""
    if kind.key in THREATS:
        raise ValueError(f"threat kind {kind.key!r} is already registered")
    THREATS[kind.key] = kind
    return kind


for _kind in (
    ThreatKind(
        "sabotage",
        "Sabotage (statelijke actoren, activisten)",
        "Sabotage (state, activists)",
        ("sabotage",),
        "prorail",
    ),
    ThreatKind("copper_theft", "Koperdiefstal", "Copper theft", ("copper_theft",)),
    ThreatKind("cable_fire", "Kabelbrand en brand", "Cable fire and fire", ("fire",)),
    ThreatKind(
        "signalling_vandalism",
        "Vandalisme aan seinen en spoor",
        "Vandalism of signalling",
        ("vandalism",),
    ),
    ThreatKind(
        "suspicious_object",
        "Verdacht object, explosieven",
        "Suspicious object, explosives",
        ("suspicious_object",),
        "politie",
    ),
    ThreatKind("cyber", "Cyberaanval", "Cyber attack", ()),
    ThreatKind("extreme_weather", "Extreem weer", "Extreme weather", ()),
    ThreatKind("supplier_dependency", "Afhankelijkheid van leverancier", "Supplier dependency", ()),
):
    register_threat(_kind)


def likelihood_class(incidents_per_year: float) -> int:
    return 1 + sum(1 for t in LIKELIHOOD_RATES if incidents_per_year >= t)


def impact_class(passenger_hours_per_hour: float) -> int:
    return 1 + sum(1 for t in IMPACT_HOURS if passenger_hours_per_hour >= t)


@dataclass(frozen=True)
class Assessment:
    asset_kind: str
    asset_ref: str
    threat: str
    incidents: int
    likelihood: int
    likelihood_basis: str
    impact: int
    impact_basis: str

    @property
    def risk(self) -> int:
        return self.likelihood * self.impact


def assess(
    station_counts: Mapping[tuple[str, str], int],
    years: float,
    link_impact: Mapping[str, float],
    station_impact: Mapping[str, float],
    link_ends: Mapping[str, tuple[str, str]],
) -> list[Assessment]:
    """Every (asset, threat) with evidence in the history, with likelihood and impact.

    ``station_counts`` maps (station code, incident category) to a count over ``years``.
    """
    years = max(years, 1.0)
    out: list[Assessment] = []
    for kind in THREATS.values():
        if not kind.categories:
            continue

        def count(code: str, _cats: tuple[str, ...] = kind.categories) -> int:
            return sum(station_counts.get((code, c), 0) for c in _cats)

        for code, hours in station_impact.items():
            n = count(code)
            if n == 0:
                continue
            out.append(
                Assessment(
                    "station",
                    code,
                    kind.key,
                    n,
                    likelihood_class(n / years),
                    f"{n} incidents at the station in {years:.0f} years (registry)",
                    impact_class(hours),
                    f"{hours:.0f} passenger-hours lost per hour if closed (ESTIMATE)",
                )
            )
        for key, (a, b) in link_ends.items():
            n = count(a) + count(b)
            if n == 0:
                continue
            hours = link_impact[key]
            out.append(
                Assessment(
                    "link",
                    key,
                    kind.key,
                    n,
                    likelihood_class(n / years),
                    f"{n} incidents at {a} or {b} in {years:.0f} years (registry)",
                    impact_class(hours),
                    f"{hours:.0f} passenger-hours lost per hour if cut (ESTIMATE)",
                )
            )
    out.sort(key=lambda x: (-x.risk, -x.incidents, x.asset_ref, x.threat))
    return out


def risk_matrix(entries: list[tuple[int, int]]) -> list[list[int]]:
    """Counts per (likelihood, impact): ``matrix[l - 1][i - 1]``."""
    matrix = [[0] * 5 for _ in range(5)]
    for likelihood, impact in entries:
        matrix[likelihood - 1][impact - 1] += 1
    return matrix

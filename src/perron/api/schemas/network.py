"""Response models of the network capability. Traveller numbers are ESTIMATES of a gravity
model (``estimate`` and ``label`` say so in every answer)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perron.api.schemas import Number, Out
from perron.network.analysis import StationCriticality
from perron.network.service import SavedScenario

__all__ = ["Criticality", "SavedScenario", "Scenario", "WorstCase"]


class LinkCriticality(Out):
    from_: str = Field(alias="from")
    to: str
    length_km: Number
    alternative_km: Number | None = Field(description="shortest way round; null: none")
    detour_km: Number | None
    isolated_stations: list[str]
    travellers_affected: int
    trains_per_hour: Number
    passenger_hours_lost_per_hour: Number
    series: list[str]
    max_speed_kmh: int | None
    rank: int


class Estimated(Out):
    estimate: bool = Field(description="always true: the figures are model estimates")
    label: str


class Criticality(Estimated):
    window: str
    method: dict[str, Any] = Field(description="the demand model and its parameters")
    edges: list[LinkCriticality]
    stations: list[StationCriticality]


class Detour(Out):
    from_: str = Field(alias="from")
    to: str
    length_km: Number
    alternative_km: Number | None
    detour_km: Number | None


class Scenario(Estimated):
    window: str
    duration_hours: Number
    removed_links: list[str]
    removed_stations: list[str]
    isolated_stations: list[str]
    detours: list[Detour]
    travellers_affected: int
    travellers_cut_off: int
    passenger_hours_lost_per_hour: Number
    passenger_hours_lost: Number
    series_broken: list[str]
    trains_per_hour_affected: Number
    id: int | None = Field(description="the saved scenario (with a name), else null")


class WorstCase(Estimated):
    k: int
    window: str
    links: list[str]
    passenger_hours_lost_per_hour: Number
    isolated_stations: list[str]
    method: str = Field(description="how the combination was found")
    proven: bool = Field(description="whether it is proven the worst")
    evaluated: int
    seconds: Number
    greedy_links: list[str]
    greedy_passenger_hours_lost_per_hour: Number

"""Response models of the monitor (the perception survey): weighted scores with 95 % intervals.
A score of fewer than ``min_responses`` answers is suppressed (its numbers are null)."""

from __future__ import annotations

from pydantic import Field

from perron.api.schemas import Day, Number, Out

__all__ = ["BelowThreshold", "Scores", "ScoreMap", "StationTrend", "Years"]


class Years(Out):
    years: list[int]
    responses: int
    synthetic: bool | None = Field(description="null when real and synthetic answers are mixed")


class Score(Out):
    mean: Number | None
    ci_low: Number | None
    ci_high: Number | None
    ci: list[Number] | None
    se: Number | None
    n: int
    suppressed: bool


class Headline(Score):
    item: str
    items: dict[str, Score] = Field(description="per survey item")


class Period(Out):
    year: int | None
    start: Day | None
    end: Day | None


class Scores(Out):
    period: Period
    population: str
    min_responses: int
    national: Headline
    by_gender: dict[str, Headline]
    by_size_class: dict[str, Headline]
    n_responses: int
    synthetic: bool | None
    station: Headline | None = None


class GenderGap(Out):
    women: Number | None
    men: Number | None
    n_women: int
    n_men: int
    gap: Number | None
    suppressed: bool


class BelowStation(Out):
    code: str
    name: str | None
    size_class: str | None
    status: str = Field(description="new, persisting or improved")
    previous_mean: Number | None
    gender_gap: GenderGap
    mean: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    ci: list[Number] | None = None
    se: Number | None = None
    n: int | None = None
    suppressed: bool | None = None


class BelowThreshold(Out):
    year: int
    previous_year: int | None
    item: str
    threshold: Number
    min_responses: int
    count: int
    previous_count: int | None
    change: int | None
    new: int
    persisting: int
    improved_count: int
    stations: list[BelowStation]
    improved: list[BelowStation]
    synthetic: bool | None
    population: str


class MapStation(Score):
    code: str
    name: str
    size_class: str
    lat: Number
    lng: Number


class ScoreMap(Out):
    year: int
    item: str
    stations: list[MapStation]
    synthetic: bool | None


class StationTrend(Out):
    code: str
    years: dict[str, dict[str, Score]] = Field(description="per year, per survey item")
    latest_year: int | None
    synthetic: bool | None
    min_responses: int

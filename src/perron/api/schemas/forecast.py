"""Response models of the forecast: tonight, the week ahead and the backtest report."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perron.api.schemas import Number, Out

__all__ = ["Backtest", "Tonight", "Week"]


class ForecastSource(Out):
    """What a forecast was made from."""

    kind: str = Field(description="registry: the incidents the caller may see; file: a file")
    incidents: int | None = Field(None, description="registry: the incidents behind it")
    synthetic: int | None = Field(
        None, description="registry: of those, the synthetic ones (generated demo incidents)"
    )
    file: str | None = Field(None, description="file: its name")


class Driver(Out):
    factor: str
    effect: Number
    text: str


class TonightStation(Out):
    rank: int
    station: str
    name: str
    lat: Number
    lng: Number
    expected: Number = Field(description="expected safety incidents over the evening blocks")
    blocks: dict[str, Number] = Field(description="expected incidents per block (hours)")
    drivers: list[Driver]


class Tonight(Out):
    date: str
    hours: str
    model: str
    trained_until: str | None
    data_until: str
    categories: list[str]
    source: ForecastSource
    expected_total: Number
    stations: list[TonightStation]


class WeekStation(Out):
    code: str
    name: str
    lat: Number
    lng: Number
    size_class: str


class Cell(Out):
    station: str
    date: str
    block: int
    hours: str
    evening: bool
    expected: Number
    rank: int
    drivers: list[Driver] | None = Field(None, description="only for the best-ranked cells")


class Week(Out):
    start: str
    days: int
    model: str
    trained_until: str | None
    data_until: str
    categories: list[str]
    source: ForecastSource
    block_hours: int
    blocks: list[str]
    stations: list[WeekStation]
    cells: list[Cell]
    drivers_top: int


class Calibration(Out):
    bin: int
    cells: int
    forecast_mean: Number
    observed_mean: Number
    forecast_total: Number
    observed_total: Number


class BacktestModel(Out):
    name: str
    kind: str
    description: str
    hit_rate: dict[str, Number] = Field(description="share of incidents in the top k % of cells")
    pai: dict[str, Number] = Field(description="predictive accuracy index per top k %")
    deviance: Number
    calibration: list[Calibration]


class Backtest(Out):
    from_: str = Field(alias="from")
    to: str
    weeks: int
    stations: int
    blocks_per_day: int
    cells_per_week: int
    incidents: Number
    categories: list[str]
    history_from: str
    refit_every_weeks: int
    best_baseline: dict[str, Any]
    seconds: dict[str, Number]
    models: list[BacktestModel]

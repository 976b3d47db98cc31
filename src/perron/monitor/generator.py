"""Synthetic perception survey, reproducible from a seed and calibrated to published figures.

Real per-station scores of the Stationsbelevingsmonitor are not public. This generator draws a
plausible survey whose *aggregates* match the published figures (see docs/monitor.md):

* about 83,000 responses a year, spread over the stations in proportion to their travellers
  (a multinomial draw), so small stations often get fewer than 30 responses and are suppressed;
* every score is ``clip(round(level + station + person + noise), 1, 10)`` where *station* is a
  persistent station effect (size class + a random effect shared by the items + a random walk
  over the years) and *person* adds gender, age-band, frequency and part-of-day effects;
* a few free generator parameters per year are then calibrated by bisection against the real
  scoring code (:mod:`perron.monitor.scores`) applied to the drawn responses, with the random
  draws held fixed (common random numbers):

  - the evening-safety level of a year with a published count of stations below 6.0 (2023: 50,
    2024: 55) is set so that the scorer finds exactly that many unsuppressed stations below 6.0;
  - the evening-safety level of a year with a published national score (2025: 6.9) is set so
    that the weighted national mean is that score;
  - the level and the lower and upper spread of the overall grade of 2023 are set so that the
    national weighted grade is 7.2 and the lowest and highest unsuppressed station grades are
    4.6 and 8.7;
  - years without a published figure take the parameters of the nearest calibrated year.

  Gender, age and size-class effects are fixed structural parameters (not calibrated): women
  about 0.9 below men and "anders" lower still; medium stations least safe, then small, large
  best. The scores are never edited after they are drawn.

Every generated response is marked ``synthetic`` with source ``synthetic (seed N)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from perron.monitor.model import (
    AGE_BANDS,
    DEFAULT_POPULATION,
    EVENING,
    FREQUENCIES,
    GENDERS,
    ITEMS,
    MIN_RESPONSES,
    PARTS_OF_DAY,
    SIZE_CLASSES,
    SYNTHETIC_SOURCE_PREFIX,
    THRESHOLD,
)
from perron.monitor.scores import poststrat_weights, weighted_means

DEFAULT_YEARS = (2023, 2024, 2025)
RESPONSES_PER_YEAR = 83_000
BASE_YEAR = 2020  # start of the stations' year-to-year random walk


@dataclass(frozen=True)
class Targets:
    """The published figures the generator is calibrated to."""

    responses_per_year: int = RESPONSES_PER_YEAR
    evening_national: Mapping[int, float] = field(default_factory=lambda: {2025: 6.9})
    below_threshold: Mapping[int, int] = field(default_factory=lambda: {2023: 50, 2024: 55})
    overall_national: Mapping[int, float] = field(default_factory=lambda: {2023: 7.2})
    overall_range: Mapping[int, tuple[float, float]] = field(
        default_factory=lambda: {2023: (4.6, 8.7)}
    )


PUBLISHED = Targets()

# Who answers the survey (the sample over-represents women and older travellers compared with
# the traveller population, so the post-stratification weights matter).
SAMPLE_GENDER = (0.43, 0.56, 0.01)  # man, vrouw, anders
SAMPLE_AGE = (0.17, 0.19, 0.23, 0.24, 0.17)  # 16-24 .. 65+
SAMPLE_FREQUENCY = (0.40, 0.30, 0.18, 0.12)
SAMPLE_PART_OF_DAY = (0.32, 0.30, 0.28, 0.10)

# Structural effects in score points, per item (fixed, not calibrated).
GENDER_EFFECT = {
    "safe_day": (0.20, -0.15, -0.60),
    "safe_evening": (0.48, -0.46, -1.20),
    "cleanliness": (0.05, 0.0, -0.20),
    "lighting": (0.10, -0.10, -0.40),
    "supervision": (0.15, -0.15, -0.50),
    "overall": (0.10, -0.05, -0.40),
}
AGE_EFFECT = {
    "safe_day": (0.0, 0.05, 0.05, 0.0, -0.10),
    "safe_evening": (-0.10, 0.05, 0.10, 0.0, -0.30),
    "cleanliness": (0.10, 0.0, -0.05, -0.10, -0.10),
    "lighting": (0.05, 0.0, 0.0, -0.05, -0.15),
    "supervision": (0.10, 0.0, -0.05, -0.10, -0.20),
    "overall": (0.10, 0.0, 0.0, -0.05, 0.05),
}
FREQUENCY_EFFECT = (-0.10, 0.0, 0.05, 0.10)  # daily travellers are a little more critical
EVENING_PART_OF_DAY_EFFECT = (0.0, 0.0, -0.15, -0.25)  # answering in the evening/night
SIZE_EFFECT = {  # small, medium, large
    "safe_day": (0.0, -0.15, 0.20),
    "safe_evening": (0.0, -0.35, 0.45),
    "cleanliness": (0.10, -0.10, 0.05),
    "lighting": (-0.10, -0.05, 0.30),
    "supervision": (-0.40, -0.10, 0.50),
    "overall": (0.0, -0.20, 0.25),
}
# Level (before the person effects), spread of the station effect, spread of the answers,
# share of missing answers. ``None`` levels are calibrated.
ITEM_PARAMS = {
    "safe_day": (7.85, 0.35, 1.25, 0.02),
    "safe_evening": (None, 0.7, 1.55, 0.06),
    "cleanliness": (6.80, 0.45, 1.40, 0.03),
    "lighting": (7.30, 0.40, 1.30, 0.05),
    "supervision": (6.10, 0.45, 1.60, 0.09),
    "overall": (None, None, 1.05, 0.01),
}
STATION_CORRELATION = 0.7  # items of one station share a common "climate" component
RESPONDENT_SD = 0.6  # a respondent's general leniency, shared by the items
DRIFT_SD = 0.15  # year-to-year random walk of a station's effect
EVENING_LEVEL_DEFAULT = 6.9  # used only when no year has an evening target
OVERALL_DEFAULT = (7.3, 0.9, 0.5)  # level, lower spread, upper spread when uncalibrated


@dataclass
class GeneratedSurvey:
    frame: pd.DataFrame
    seed: int
    years: tuple[int, ...]
    parameters: dict[int, dict[str, Any]]

    @property
    def source(self) -> str:
        return synthetic_source(self.seed)


def synthetic_source(seed: int) -> str:
    return f"{SYNTHETIC_SOURCE_PREFIX} (seed {seed})"


# --------------------------------------------------------------------------- solvers


def _bisect(f: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """x in [lo, hi] with f(x) = target for an increasing f (60 halvings)."""
    for _ in range(45):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _solve_count(count: Callable[[float], int], target: int, lo: float, hi: float) -> float:
    """The middle of the interval of x where the decreasing step function count(x) = target."""
    if count(lo) < target or count(hi) > target:
        raise ValueError(f"the count target {target} is out of reach")
    a, b = lo, hi  # count(a) >= target >= count(b)
    hit = None
    for _ in range(80):
        mid = (a + b) / 2
        c = count(mid)
        if c == target:
            hit = mid
            break
        if c > target:
            a = mid
        else:
            b = mid
    if hit is None:
        raise ValueError(f"no level gives exactly {target} stations (two cross at once)")
    # widen to both edges of the plateau and take its middle (robust to rounding)
    lo_edge, x = a, hit
    for _ in range(50):
        m = (lo_edge + x) / 2
        if count(m) == target:
            x = m
        else:
            lo_edge = m
    low = x
    x, hi_edge = hit, b
    for _ in range(50):
        m = (x + hi_edge) / 2
        if count(m) == target:
            x = m
        else:
            hi_edge = m
    return (low + x) / 2


# --------------------------------------------------------------------------- generation


def _centre_within_class(x: np.ndarray, size_idx: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Subtract the traveller-weighted mean of each size class, so that random station effects
    do not shift a class as a whole (the order of the classes is a structural parameter)."""
    sums = np.bincount(size_idx, weights=x * weight, minlength=len(SIZE_CLASSES))
    totals = np.bincount(size_idx, weights=weight, minlength=len(SIZE_CLASSES))
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(totals > 0, sums / totals, 0.0)
    return x - means[size_idx]


def _nearest(year: int, calibrated: Iterable[int]) -> int | None:
    years = sorted(calibrated)
    if not years:
        return None
    return min(years, key=lambda y: (abs(y - year), y))


class _Year:
    """The random draws of one year and the scoring of one item for given parameters."""

    def __init__(self, rng: np.random.Generator, year: int, st: dict[str, np.ndarray], n: int):
        self.year = year
        counts = rng.multinomial(n, st["p"])
        self.station = np.repeat(np.arange(len(counts)), counts)
        size = len(self.station)
        self.gender = rng.choice(3, size=size, p=SAMPLE_GENDER)
        self.age = rng.choice(5, size=size, p=SAMPLE_AGE)
        self.freq = rng.choice(4, size=size, p=SAMPLE_FREQUENCY)
        self.part = rng.choice(4, size=size, p=SAMPLE_PART_OF_DAY)
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        self.day = rng.integers(0, days, size=size)
        leniency = rng.normal(0.0, RESPONDENT_SD, size=size)
        self.n_stations = len(counts)
        self.weight = poststrat_weights(
            np.asarray(GENDERS)[self.gender],
            np.asarray(AGE_BANDS)[self.age],
            np.full(size, year),
            DEFAULT_POPULATION,
        )
        self.base: dict[str, np.ndarray] = {}
        self.missing: dict[str, np.ndarray] = {}
        for item in ITEMS:
            _level, _spread, sd, missing = ITEM_PARAMS[item]
            person = (
                np.asarray(GENDER_EFFECT[item])[self.gender]
                + np.asarray(AGE_EFFECT[item])[self.age]
                + np.asarray(FREQUENCY_EFFECT)[self.freq]
            )
            if item == EVENING:
                person = person + np.asarray(EVENING_PART_OF_DAY_EFFECT)[self.part]
            self.base[item] = person + leniency + rng.normal(0.0, sd, size=size)
            self.missing[item] = rng.random(size) < missing

    def scores(self, item: str, station_effect: np.ndarray, level: float) -> np.ndarray:
        y = np.clip(np.rint(level + station_effect[self.station] + self.base[item]), 1, 10)
        return np.where(self.missing[item], np.nan, y)

    def national(self, y: np.ndarray) -> float:
        ok = ~np.isnan(y)
        return float(np.sum(self.weight[ok] * y[ok]) / np.sum(self.weight[ok]))


def _station_means(year: _Year, y: np.ndarray) -> np.ndarray:
    n, mean = weighted_means(y, year.weight, year.station, year.n_stations)
    return np.where(n >= MIN_RESPONSES, mean, np.nan)


def _calibrate_overall(
    d: _Year,
    effect: Callable[[float, float], np.ndarray],
    target_mean: float,
    low_t: float | None,
    high_t: float | None,
) -> tuple[float, float, float]:
    """Level and lower/upper spread of the overall grade: national mean = ``target_mean``,
    lowest and highest unsuppressed station mean = ``low_t`` and ``high_t``."""
    level, lo, hi = OVERALL_DEFAULT

    def national(v: float) -> float:
        return d.national(d.scores("overall", effect(lo, hi), v))

    def lowest(s: float) -> float:
        return -float(np.nanmin(_station_means(d, d.scores("overall", effect(s, hi), level))))

    def highest(s: float) -> float:
        return float(np.nanmax(_station_means(d, d.scores("overall", effect(lo, s), level))))

    for _ in range(4):  # the three parameters interact a little: alternate until settled
        level = _bisect(national, target_mean, 1.0, 12.0)
        if low_t is not None:
            lo = _bisect(lowest, -low_t, 0.01, 4.0)
        if high_t is not None:
            hi = _bisect(highest, high_t, 0.01, 4.0)
    level = _bisect(national, target_mean, 1.0, 12.0)
    return level, lo, hi


def generate(
    stations: pd.DataFrame,
    seed: int = 0,
    years: Iterable[int] = DEFAULT_YEARS,
    targets: Targets = PUBLISHED,
) -> GeneratedSurvey:
    """Draw and calibrate the synthetic survey for ``years``.

    ``stations`` has columns ``code``, ``travellers_per_day`` and ``size_class``.
    """
    years = tuple(sorted(set(int(y) for y in years)))
    stations = stations.sort_values("code").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    n_st = len(stations)
    travellers = stations["travellers_per_day"].to_numpy(dtype=np.float64)
    size_idx = pd.Categorical(stations["size_class"], categories=SIZE_CLASSES).codes
    if (size_idx < 0).any():
        raise ValueError("every station needs a size class small|medium|large")

    # Persistent station effects: a shared climate component plus one per item, standardised.
    climate = rng.standard_normal(n_st)
    z = {}
    for item in ITEMS:
        own = rng.standard_normal(n_st)
        zi = STATION_CORRELATION * climate + np.sqrt(1 - STATION_CORRELATION**2) * own
        z[item] = _centre_within_class((zi - zi.mean()) / zi.std(), size_idx, travellers)
    # A year without a published figure takes the parameters of the nearest year with one; that
    # year is drawn for calibration even when it is not generated, so a year's responses do not
    # depend on which other years are generated with it.
    evening_targets = set(targets.below_threshold) | set(targets.evening_national)
    overall_targets = set(targets.overall_national)
    evening_source = {y: y if y in evening_targets else _nearest(y, evening_targets) for y in years}
    overall_source = {y: y if y in overall_targets else _nearest(y, overall_targets) for y in years}
    needed = sorted(
        set(years)
        | {v for v in evening_source.values() if v is not None}
        | {v for v in overall_source.values() if v is not None}
    )
    # The random walk starts at BASE_YEAR (or earlier when asked for earlier years).
    first = min(BASE_YEAR, *needed) if needed else BASE_YEAR
    span = range(first, (needed[-1] + 1) if needed else first)
    drift: dict[str, dict[int, np.ndarray]] = {item: {} for item in ITEMS}
    for k, item in enumerate(ITEMS):
        walk = np.zeros(n_st)
        for y in span:
            if y > first:  # one generator per item and year: independent of the span
                step = np.random.default_rng([seed, 100 + k, y]).normal(0.0, DRIFT_SD, n_st)
                walk = walk + _centre_within_class(step, size_idx, travellers)
            drift[item][y] = walk.copy()

    st = {"p": travellers / travellers.sum()}
    draws = {
        y: _Year(np.random.default_rng([seed, y]), y, st, targets.responses_per_year)
        for y in needed
    }

    def station_effect(item: str, y: int, spread: tuple[float, float] | None = None) -> np.ndarray:
        size = np.asarray(SIZE_EFFECT[item])[size_idx]
        if spread is None:
            return size + ITEM_PARAMS[item][1] * z[item] + drift[item][y]
        lo, hi = spread
        zi = z[item]
        return size + lo * np.minimum(zi, 0) + hi * np.maximum(zi, 0) + drift[item][y]

    params: dict[int, dict[str, Any]] = {y: {} for y in needed}

    # Evening safety: level per year from the count target or the national target.
    evening_level: dict[int, float] = {}
    for y in sorted({v for v in evening_source.values() if v is not None}):
        d = draws[y]
        eff = station_effect(EVENING, y)
        if y in targets.below_threshold:
            target = int(targets.below_threshold[y])

            def count(level: float, d: _Year = d, eff: np.ndarray = eff) -> int:
                return int(np.nansum(_station_means(d, d.scores(EVENING, eff, level)) < THRESHOLD))

            evening_level[y] = _solve_count(count, target, 1.0, 12.0)
            params[y]["evening_calibrated_to"] = {"stations_below_6": target}
        elif y in targets.evening_national:
            target_mean = float(targets.evening_national[y])

            def national_evening(level: float, d: _Year = d, eff: np.ndarray = eff) -> float:
                return d.national(d.scores(EVENING, eff, level))

            evening_level[y] = _bisect(
                national_evening,
                target_mean,
                1.0,
                12.0,
            )
            params[y]["evening_calibrated_to"] = {"national_mean": target_mean}
    for y in years:
        if y not in evening_level:
            near = evening_source[y]
            evening_level[y] = EVENING_LEVEL_DEFAULT if near is None else evening_level[near]
            params[y]["evening_calibrated_to"] = {"nearest_year": near}
        params[y]["evening_level"] = round(evening_level[y], 6)

    # Overall grade: level and lower/upper spread from the national grade and the range.
    overall: dict[int, tuple[float, float, float]] = {}
    for y in sorted({v for v in overall_source.values() if v is not None}):
        d = draws[y]
        target_mean = float(targets.overall_national[y])
        low_t, high_t = targets.overall_range.get(y, (None, None))

        def overall_effect(lo: float, hi: float, y: int = y) -> np.ndarray:
            return station_effect("overall", y, (lo, hi))

        overall[y] = _calibrate_overall(
            d,
            overall_effect,
            target_mean,
            low_t,
            high_t,
        )
        params[y]["overall_calibrated_to"] = {
            "national_mean": target_mean,
            "range": [low_t, high_t],
        }
    for y in years:
        if y not in overall:
            near = overall_source[y]
            overall[y] = OVERALL_DEFAULT if near is None else overall[near]
            params[y]["overall_calibrated_to"] = {"nearest_year": near}
        params[y]["overall_level"], params[y]["overall_spread"] = (
            round(overall[y][0], 6),
            [round(overall[y][1], 6), round(overall[y][2], 6)],
        )

    codes = stations["code"].to_numpy()
    frames = []
    for y in years:
        d = draws[y]
        cols: dict[str, Any] = {
            "station_code": pd.Categorical.from_codes(d.station, categories=codes),
            "response_date": np.datetime64(f"{y}-01-01") + d.day.astype("timedelta64[D]"),
            "part_of_day": pd.Categorical.from_codes(d.part, categories=PARTS_OF_DAY),
            "gender": pd.Categorical.from_codes(d.gender, categories=GENDERS),
            "age_band": pd.Categorical.from_codes(d.age, categories=AGE_BANDS),
            "frequency": pd.Categorical.from_codes(d.freq, categories=FREQUENCIES),
        }
        for item in ITEMS:
            if item == EVENING:
                cols[item] = d.scores(item, station_effect(item, y), evening_level[y])
            elif item == "overall":
                level, lo, hi = overall[y]
                cols[item] = d.scores(item, station_effect(item, y, (lo, hi)), level)
            else:
                fixed = ITEM_PARAMS[item][0]
                assert fixed is not None  # only the evening and overall items are calibrated
                cols[item] = d.scores(item, station_effect(item, y), fixed)
        part = pd.DataFrame(cols)
        part["year"] = y
        part["size_class"] = pd.Categorical.from_codes(size_idx[d.station], categories=SIZE_CLASSES)
        # in date and station order (the order of the store's index, so bulk writes append)
        order = np.lexsort((d.station, d.day))
        part = part.iloc[order].reset_index(drop=True)
        part["respondent_ref"] = [f"{y}-{i:06d}" for i in range(len(part))]
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(frame):
        frame["source"] = synthetic_source(seed)
        frame["synthetic"] = True
    return GeneratedSurvey(frame, seed, years, {y: params[y] for y in years})


def reference_stations() -> pd.DataFrame:
    """The shipped stations (code, name, travellers per day, size class) as a DataFrame."""
    from perron.reference import bundle

    rows = [
        {
            "code": s.code,
            "name": s.name_long,
            "travellers_per_day": s.travellers_per_day,
            "size_class": s.size_class,
            "lat": s.lat,
            "lng": s.lng,
        }
        for s in bundle.stations()
    ]
    return pd.DataFrame(rows)

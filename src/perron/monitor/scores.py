"""Weighted scores of the perception survey, vectorised over any grouping.

Estimator (documented in docs/monitor.md):

* Post-stratification weights per period (a calendar year by default): every response in
  gender x age-band cell c gets ``w = P_c / (n_c / n)``, where ``P_c`` is the share of the cell
  in the traveller population (renormalised over the cells that have responses in the period),
  ``n_c`` the number of responses in the cell and ``n`` all responses of the period. The mean
  weight is 1. Weights are computed on every response of the period and then used for any
  subgroup (station, gender, size class, national).
* The weighted mean of an item over a group is ``sum(w y) / sum(w)`` over the responses that
  answered the item.
* Its standard error is the design-based (Taylor linearisation) standard error of a ratio mean
  for a single-stage sample drawn with replacement: ``v = n/(n-1) * sum(w^2 (y - mean)^2) /
  sum(w)^2``. This equals the heteroscedasticity-robust (HC1) variance of a weighted least
  squares regression of the item on a constant, which the tests use as the independent check.
* The 95 % interval is ``mean ± t(0.975, n-1) * se``.
* Groups with fewer than 30 answers are suppressed: no mean and no interval, only ``n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from perron.monitor.model import (
    AGE_BANDS,
    DEFAULT_POPULATION,
    EVENING,
    GENDERS,
    ITEMS,
    MIN_RESPONSES,
    SIZE_CLASSES,
    THRESHOLD,
    Population,
)

CONFIDENCE = 0.95


# --------------------------------------------------------------------------- weights


def _codes(values: Any, categories: tuple[str, ...]) -> np.ndarray:
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        if tuple(values.cat.categories) != categories:
            values = values.cat.set_categories(categories)
        return values.cat.codes.to_numpy().astype(np.int64)
    return pd.Categorical(values, categories=categories).codes.astype(np.int64)


def cell_codes(gender: Any, age_band: Any) -> np.ndarray:
    """Index 0..14 of the gender x age-band cell of every response."""
    g = _codes(gender, GENDERS)
    a = _codes(age_band, AGE_BANDS)
    if (g < 0).any() or (a < 0).any():
        raise ValueError("every response needs a known gender and age band to be weighted")
    return g * len(AGE_BANDS) + a


def population_vector(population: Population) -> np.ndarray:
    return np.array([population.cells.get((g, a), 0.0) for g in GENDERS for a in AGE_BANDS])


def poststrat_weights(
    gender: Any, age_band: Any, period: Any, population: Population = DEFAULT_POPULATION
) -> np.ndarray:
    """Post-stratification weights by gender x age band, computed separately per period."""
    cells = cell_codes(gender, age_band)
    period_codes, _ = pd.factorize(np.asarray(period), sort=True)
    n_cells = len(GENDERS) * len(AGE_BANDS)
    n_periods = int(period_codes.max()) + 1 if len(period_codes) else 0
    counts = np.bincount(period_codes * n_cells + cells, minlength=n_periods * n_cells).reshape(
        n_periods, n_cells
    )
    pop = population_vector(population)
    observed = counts > 0
    share = np.where(observed, pop, 0.0)
    total = share.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        raise ValueError("the population gives no weight to any cell that has responses")
    share = share / total
    n_period = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        cell_weight = np.where(observed, share * n_period / counts, 0.0)
    return cell_weight[period_codes, cells]


def add_weights(frame: pd.DataFrame, population: Population = DEFAULT_POPULATION) -> pd.DataFrame:
    """Add ``year`` (when missing) and ``weight`` (post-stratified per year) to ``frame``."""
    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame is left untouched
    if "year" not in frame:
        frame["year"] = pd.DatetimeIndex(frame["response_date"]).year
    frame["weight"] = poststrat_weights(
        frame["gender"], frame["age_band"], frame["year"].to_numpy(), population
    )
    return frame


# --------------------------------------------------------------------------- estimation


def weighted_means(
    y: np.ndarray, w: np.ndarray, group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Number of answers and weighted mean of ``y`` per group (NaN = no answer)."""
    ok = ~np.isnan(y)
    if ok.all():
        g, yy, ww = group, y, w
    else:
        g, yy, ww = group[ok], y[ok], w[ok]
    n = np.bincount(g, minlength=n_groups)
    sw = np.bincount(g, weights=ww, minlength=n_groups)
    swy = np.bincount(g, weights=ww * yy, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        return n, swy / sw


def weighted_stats(
    y: np.ndarray, w: np.ndarray, group: np.ndarray, n_groups: int, confidence: float = CONFIDENCE
) -> dict[str, np.ndarray]:
    """Weighted mean, linearisation SE and t-interval of ``y`` per group (NaN = no answer).

    The mean is computed with exactly the operations of :func:`weighted_means`."""
    y = np.asarray(y, dtype=np.float64)
    ok = ~np.isnan(y)
    if ok.all():
        g, yy, ww = group, y, w
    else:
        g, yy, ww = group[ok], y[ok], w[ok]
    n = np.bincount(g, minlength=n_groups)
    sw = np.bincount(g, weights=ww, minlength=n_groups)
    wy = ww * yy
    swy = np.bincount(g, weights=wy, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = swy / sw
        resid = wy - ww * mean[g]  # w (y - mean)
        s2 = np.bincount(g, weights=resid * resid, minlength=n_groups)
        var = np.where(n > 1, n / (n - 1) * s2 / (sw * sw), np.nan)
        se = np.sqrt(var)
        tq = stdtrit(np.maximum(n - 1, 1), 0.5 + confidence / 2)
    return {
        "n": n,
        "mean": mean,
        "se": se,
        "ci_low": mean - tq * se,
        "ci_high": mean + tq * se,
    }


def _finish(
    keys: pd.DataFrame,
    item: str,
    n: np.ndarray,
    mean: np.ndarray,
    se: np.ndarray,
    min_responses: int,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    with np.errstate(invalid="ignore"):
        tq = stdtrit(np.maximum(n - 1, 1), 0.5 + confidence / 2)
    suppressed = n < min_responses
    part = keys.copy()
    part["item"] = item
    part["n"] = n
    part["mean"] = np.where(suppressed, np.nan, mean)
    part["se"] = np.where(suppressed, np.nan, se)
    part["ci_low"] = np.where(suppressed, np.nan, mean - tq * se)
    part["ci_high"] = np.where(suppressed, np.nan, mean + tq * se)
    part["suppressed"] = suppressed
    return part


def score_table(
    frame: pd.DataFrame,
    by: Sequence[str],
    items: Sequence[str] = ITEMS,
    min_responses: int = MIN_RESPONSES,
) -> pd.DataFrame:
    """One row per group of ``by`` and item: n, mean, se, ci_low, ci_high, suppressed.

    ``frame`` needs a ``weight`` column (see :func:`add_weights`). Suppressed rows (n below
    ``min_responses``) carry no mean, se or interval.
    """
    if by:
        grouped = frame.groupby(list(by), sort=True, observed=True)
        group = grouped.ngroup().to_numpy()
        keys = grouped.size().index.to_frame(index=False)
    else:
        group = np.zeros(len(frame), dtype=np.int64)
        keys = pd.DataFrame(index=[0])
    n_groups = len(keys)
    w = frame["weight"].to_numpy(dtype=np.float64)
    parts = []
    for item in items:
        res = weighted_stats(frame[item].to_numpy(dtype=np.float64), w, group, n_groups)
        parts.append(_finish(keys, item, res["n"], res["mean"], res["se"], min_responses))
    return pd.concat(parts, ignore_index=True)


def score_tables(
    frame: pd.DataFrame,
    groupings: Sequence[Sequence[str]],
    items: Sequence[str] = ITEMS,
    min_responses: int = MIN_RESPONSES,
) -> list[pd.DataFrame]:
    """:func:`score_table` for several groupings at once, in one pass over the responses.

    Per item, the sums n, Σw, Σwy, Σw², Σw²y and Σw²y² are taken once over the finest cells
    (the union of all grouping columns) and added up for each grouping; the linearisation
    variance follows from them as (Σw²y² - 2 m Σw²y + m² Σw²) · n/(n-1) / (Σw)². Same
    estimates as :func:`score_table` (to rounding), several times faster for many groupings.
    """
    columns = list(dict.fromkeys(c for g in groupings for c in g))
    if columns:
        fine = frame.groupby(columns, sort=True, observed=True)
        cell = fine.ngroup().to_numpy()
        cells = fine.size().index.to_frame(index=False)
    else:
        cell = np.zeros(len(frame), dtype=np.int64)
        cells = pd.DataFrame(index=[0])
    n_cells = len(cells)
    maps = []
    for by in groupings:
        if by:
            coarse = cells.groupby(list(by), sort=True, observed=True)
            maps.append((coarse.ngroup().to_numpy(), coarse.size().index.to_frame(index=False)))
        else:
            maps.append((np.zeros(n_cells, dtype=np.int64), pd.DataFrame(index=[0])))
    w = frame["weight"].to_numpy(dtype=np.float64)
    w2 = w * w
    parts: list[list[pd.DataFrame]] = [[] for _ in groupings]
    for item in items:
        y = frame[item].to_numpy(dtype=np.float64)
        ok = ~np.isnan(y)
        if ok.all():
            g, yy, ww, ww2 = cell, y, w, w2
        else:
            g, yy, ww, ww2 = cell[ok], y[ok], w[ok], w2[ok]
        w2y = ww2 * yy
        sums = np.stack(
            [
                np.bincount(g, minlength=n_cells).astype(np.float64),
                np.bincount(g, weights=ww, minlength=n_cells),
                np.bincount(g, weights=ww * yy, minlength=n_cells),
                np.bincount(g, weights=ww2, minlength=n_cells),
                np.bincount(g, weights=w2y, minlength=n_cells),
                np.bincount(g, weights=w2y * yy, minlength=n_cells),
            ]
        )
        for k, (index, keys) in enumerate(maps):
            agg = np.stack([np.bincount(index, weights=row, minlength=len(keys)) for row in sums])
            n, sw, swy, sw2, sw2y, sw2y2 = agg
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = swy / sw
                s2 = np.maximum(sw2y2 - 2 * mean * sw2y + mean * mean * sw2, 0.0)
                var = np.where(n > 1, n / (n - 1) * s2 / (sw * sw), np.nan)
            n_int = np.rint(n).astype(np.int64)
            parts[k].append(_finish(keys, item, n_int, mean, np.sqrt(var), min_responses))
    return [pd.concat(p, ignore_index=True) for p in parts]


# --------------------------------------------------------------------------- reports


def _num(value: float, digits: int = 3) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def estimate_dict(row: Any) -> dict[str, Any]:
    """A score as JSON: suppressed scores carry no number, only ``n`` and the flag."""
    suppressed = bool(row["suppressed"])
    low, high = _num(row["ci_low"]), _num(row["ci_high"])
    return {
        "mean": None if suppressed else _num(row["mean"]),
        "ci_low": None if suppressed else low,
        "ci_high": None if suppressed else high,
        "ci": None if suppressed else [low, high],
        "se": None if suppressed else _num(row["se"], 4),
        "n": int(row["n"]),
        "suppressed": suppressed,
    }


def _grouped(table: pd.DataFrame, key: str | None, headline: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    groups = [(None, table)] if key is None else list(table.groupby(key, sort=False))
    for value, part in groups:
        items = {r["item"]: estimate_dict(r) for _, r in part.iterrows()}
        entry = {"item": headline, **items[headline], "items": items}
        if key is None:
            return entry
        out[str(value)] = entry
    return out


def is_synthetic(frame: pd.DataFrame) -> bool | None:
    """True when every response is synthetic, False when none is, None when mixed or empty."""
    if "synthetic" not in frame or frame.empty:
        return None
    values = frame["synthetic"].astype(bool)
    return True if values.all() else (False if not values.any() else None)


def scores_report(
    frame: pd.DataFrame,
    items: Sequence[str] = ITEMS,
    headline: str = EVENING,
    min_responses: int = MIN_RESPONSES,
) -> dict[str, Any]:
    """National, by gender and by size class, each with mean, interval and n for every item.

    The top level of each group repeats the ``headline`` item (evening safety by default)."""
    items = list(dict.fromkeys([headline, *items]))
    national, gender, size = score_tables(
        frame, [[], ["gender"], ["size_class"]], items, min_responses
    )
    by_gender = _grouped(gender, "gender", headline)
    by_size = _grouped(size, "size_class", headline)
    return {
        "national": _grouped(national, None, headline),
        "by_gender": {g: by_gender[g] for g in GENDERS if g in by_gender},
        "by_size_class": {s: by_size[s] for s in SIZE_CLASSES if s in by_size},
        "n_responses": len(frame),
        "synthetic": is_synthetic(frame),
    }


def station_means(
    frame: pd.DataFrame, item: str = EVENING, min_responses: int = MIN_RESPONSES
) -> pd.DataFrame:
    """Per station: n, mean, interval (suppressed ones without numbers), indexed by code."""
    table = score_table(frame, ["station_code"], [item], min_responses)
    return table.set_index("station_code")


def count_below(
    frame: pd.DataFrame,
    item: str = EVENING,
    threshold: float = THRESHOLD,
    min_responses: int = MIN_RESPONSES,
) -> int:
    """Number of stations whose weighted mean is below ``threshold`` (suppressed not counted)."""
    means = station_means(frame, item, min_responses)["mean"].to_numpy()
    return int(np.sum(means < threshold))


def _gender_gap(frame: pd.DataFrame, item: str, min_responses: int) -> pd.DataFrame:
    sub = frame[frame["gender"].isin(("man", "vrouw"))]
    table = score_table(sub, ["station_code", "gender"], [item], min_responses)
    wide = table.pivot(index="station_code", columns="gender", values=["mean", "n"])
    return wide


def below_threshold_report(
    frame: pd.DataFrame,
    year: int,
    stations: pd.DataFrame,
    item: str = EVENING,
    threshold: float = THRESHOLD,
    min_responses: int = MIN_RESPONSES,
) -> dict[str, Any]:
    """Stations below ``threshold`` in ``year`` with their trend against ``year - 1``.

    ``frame`` holds (at least) both years with weights; ``stations`` is indexed by code with
    ``name`` and ``size_class``. Status: *new* (not below the year before, or not measured
    then), *persisting* (below both years); stations below the year before and measured at or
    above the threshold now are listed as *improved*.
    """
    now_frame = frame[frame["year"] == year]
    prev_frame = frame[frame["year"] == year - 1]
    now = station_means(now_frame, item, min_responses)
    prev = station_means(prev_frame, item, min_responses) if len(prev_frame) else None
    gap = _gender_gap(now_frame, item, min_responses) if len(now_frame) else None

    def prev_row(code: str) -> tuple[float | None, bool]:
        if prev is None or code not in prev.index:
            return None, False
        mean = prev.at[code, "mean"]
        return _num(mean), bool(np.isfinite(mean) and mean < threshold)

    def gap_dict(code: str) -> dict[str, Any]:
        women = men = None
        n_w = n_m = 0
        if gap is not None and code in gap.index:
            row = gap.loc[code]
            women = _num(row.get(("mean", "vrouw"), np.nan))
            men = _num(row.get(("mean", "man"), np.nan))
            n_w = int(np.nan_to_num(row.get(("n", "vrouw"), 0)))
            n_m = int(np.nan_to_num(row.get(("n", "man"), 0)))
        value = None if women is None or men is None else round(men - women, 3)
        return {
            "women": women,
            "men": men,
            "n_women": n_w,
            "n_men": n_m,
            "gap": value,
            "suppressed": value is None,
        }

    def station_entry(code: str, status: str) -> dict[str, Any]:
        info = stations.loc[code] if code in stations.index else None
        row = now.loc[code] if code in now.index else None
        prev_mean, _ = prev_row(code)
        entry = {
            "code": code,
            "name": None if info is None else info["name"],
            "size_class": None if info is None else info["size_class"],
            "status": status,
            "previous_mean": prev_mean,
            "gender_gap": gap_dict(code),
        }
        if row is not None:
            entry.update(estimate_dict(row))
        return entry

    below = now.index[(now["mean"] < threshold).to_numpy()]
    listed = []
    for code in below:
        _, was_below = prev_row(code)
        listed.append(station_entry(code, "persisting" if was_below else "new"))
    listed.sort(key=lambda e: e["mean"])
    improved = []
    previous_count = None
    if prev is not None:
        prev_below = prev.index[(prev["mean"] < threshold).to_numpy()]
        previous_count = len(prev_below)
        for code in prev_below:
            if code in now.index and np.isfinite(now.at[code, "mean"]) and code not in below:
                improved.append(station_entry(code, "improved"))
        improved.sort(key=lambda e: -e["mean"])
    return {
        "year": year,
        "previous_year": year - 1,
        "item": item,
        "threshold": threshold,
        "min_responses": min_responses,
        "count": len(listed),
        "previous_count": previous_count,
        "change": None if previous_count is None else len(listed) - previous_count,
        "new": sum(e["status"] == "new" for e in listed),
        "persisting": sum(e["status"] == "persisting" for e in listed),
        "improved_count": len(improved),
        "stations": listed,
        "improved": improved,
        "synthetic": is_synthetic(now_frame),
    }


def station_report(
    frame: pd.DataFrame,
    code: str,
    items: Sequence[str] = ITEMS,
    min_responses: int = MIN_RESPONSES,
) -> dict[str, Any]:
    """Scores of one station per year and item (the trend), weights from all responses."""
    sub = frame[frame["station_code"] == code]
    table = score_table(sub, ["year"], items, min_responses) if len(sub) else None
    years: dict[str, Any] = {}
    if table is not None:
        for year, part in table.groupby("year", sort=True):
            years[str(int(year))] = {r["item"]: estimate_dict(r) for _, r in part.iterrows()}
    return {
        "code": code,
        "years": years,
        "latest_year": max((int(y) for y in years), default=None),
        "synthetic": is_synthetic(sub),
        "min_responses": min_responses,
    }

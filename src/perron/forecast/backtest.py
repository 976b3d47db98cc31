"""Rolling-origin backtest: train on everything before a week, forecast that week, roll on."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from perron.forecast.data import (
    DEFAULT_SINCE,
    N_BLOCKS,
    SAFETY_CATEGORIES,
    as_date,
    build_cube,
    last_day,
    load_incidents,
    stations,
)
from perron.forecast.features import WEEK, History
from perron.forecast.metrics import COVERAGES, Accumulator
from perron.forecast.models import FLOOR, Forecaster, Samples, baselines, models

REFIT_EVERY = 4  # weeks


def history_for(
    path: str | Path,
    end: date,
    categories: tuple[str, ...] | None = None,
    since: date = DEFAULT_SINCE,
    incidents: pd.DataFrame | None = None,
) -> History:
    """The count history of ``path`` for days ``since`` ≤ d < ``end``."""
    st = stations()
    inc = (
        incidents
        if incidents is not None
        else load_incidents(path, categories, [s.code for s in st])
    )
    if len(inc):
        since = max(since, inc["day"].min().date())
    cube = build_cube(inc, [s.code for s in st], since, end)
    return History(cube, st)


def run_backtest(
    path: str | Path,
    start: str | date,
    end: str | date,
    categories: tuple[str, ...] | None = None,
    since: date = DEFAULT_SINCE,
    refit_every: int = REFIT_EVERY,
    progress: Callable[[int, int], None] | None = None,
    keep_forecasts: bool = False,
    history: History | None = None,
) -> dict:
    """Backtest every baseline and model over the weeks from ``start`` up to ``end`` (inclusive).

    Each week is forecast from data strictly before its first day; models are refitted every
    ``refit_every`` weeks, each time on the weeks before the current one only. Weeks that reach
    past the last day in the file are left out.
    """
    t_start = time.perf_counter()
    start, end = as_date(start), as_date(end)
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    stop = min(end + timedelta(days=1), last_day(path) + timedelta(days=1))
    if history is None:
        history = history_for(path, stop, categories, since)
    cube = history.cube
    o0 = cube.day_index(start)
    if o0 < 1:
        raise ValueError(f"no history before {start}: the data start on {cube.start}")
    origins = list(range(o0, cube.n_days - WEEK + 1, WEEK))
    if not origins:
        raise ValueError(f"no complete week between {start} and {stop - timedelta(days=1)}")
    samples = Samples(history)
    base = baselines()
    mods = models()
    every: list[Forecaster] = base + mods
    acc = {m.name: Accumulator() for m in every}
    forecasts: dict[str, list[np.ndarray]] = {m.name: [] for m in every}
    fit_seconds = 0.0
    for i, o in enumerate(origins):
        if i % refit_every == 0:
            t = time.perf_counter()
            for m in mods:
                m.fit(history, o, samples)
            fit_seconds += time.perf_counter() - t
        y = history.targets(o)
        for m in every:
            f = np.maximum(m.predict(history, o), FLOOR)
            acc[m.name].add(y, f)
            if keep_forecasts:
                forecasts[m.name].append(f)
        if progress:
            progress(i + 1, len(origins))
    # Hindsight bound: the fixed station × block ranking made from the forecast period's counts.
    period = cube.counts[:, origins[0] : origins[-1] + WEEK, :]
    bound_rate = period.sum(axis=1) / period.shape[1]
    bound = Accumulator()
    for o in origins:
        f = np.maximum(
            np.broadcast_to(bound_rate[:, None, :], (len(cube.codes), WEEK, N_BLOCKS)), FLOOR
        )
        bound.add(history.targets(o), f)

    rows = []
    for m in every:
        r = acc[m.name].result()
        rows.append({"name": m.name, "kind": m.kind, "description": m.description, **r})
    rb = bound.result()
    rows.append(
        {
            "name": "hindsight_bound",
            "kind": "bound",
            "description": "fixed station × block ranking from the forecast period's own counts "
            "(not a forecast)",
            **rb,
        }
    )
    best_base = {
        str(c): max(r["pai"][str(c)] for r in rows if r["kind"] == "baseline") for c in COVERAGES
    }
    best_base_dev = min(r["deviance"] for r in rows if r["kind"] == "baseline")
    for r in rows:
        r["gap_closed"] = {}
        for c in COVERAGES:
            k = str(c)
            gap = rb["pai"][k] - best_base[k]
            r["gap_closed"][k] = (r["pai"][k] - best_base[k]) / gap if gap > 0 else None
    total = float(sum(history.targets(o).sum() for o in origins))
    result = {
        "from": start.isoformat(),
        "to": (cube.day(origins[-1]) + timedelta(days=WEEK - 1)).isoformat(),
        "weeks": len(origins),
        "stations": len(cube.codes),
        "blocks_per_day": N_BLOCKS,
        "cells_per_week": len(cube.codes) * WEEK * N_BLOCKS,
        "incidents": total,
        "categories": list(categories or SAFETY_CATEGORIES),
        "history_from": cube.start.isoformat(),
        "refit_every_weeks": refit_every,
        "best_baseline": {"pai": best_base, "deviance": best_base_dev},
        "seconds": {"total": time.perf_counter() - t_start, "fitting": fit_seconds},
        "models": rows,
    }
    if keep_forecasts:
        result["forecasts"] = forecasts
        result["origins"] = [cube.day(o).isoformat() for o in origins]
    return result

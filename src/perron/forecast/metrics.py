"""Evaluation measures for ranked count forecasts.

Cells (station × day × block) have equal size, so the "area" share of the PAI is the share of
cells: PAI = hit rate / coverage.
"""

from __future__ import annotations

import numpy as np

COVERAGES = (5, 10, 20)


def captured(y: np.ndarray, f: np.ndarray, coverage: float) -> float:
    """Incident mass in the top ``coverage`` share of cells ranked by ``f``.

    Ties at the cut-off are shared pro rata (the expected value under a random tie-break), so a
    flat forecast scores exactly ``coverage`` of the mass.
    """
    y = np.asarray(y, float).ravel()
    f = np.asarray(f, float).ravel()
    n = y.size
    k = coverage * n
    if n == 0 or k <= 0:
        return 0.0
    order = np.argsort(-f, kind="stable")
    fs, ys = f[order], y[order]
    # groups of equal forecasts, in ranking order
    starts = np.flatnonzero(np.r_[True, fs[1:] != fs[:-1]])
    sizes = np.diff(np.r_[starts, n])
    sums = np.add.reduceat(ys, starts)
    before = np.r_[0, np.cumsum(sizes)[:-1]]  # cells ranked above each group
    whole = before + sizes <= k
    total = float(sums[whole].sum())
    part = np.flatnonzero(~whole)
    if part.size:
        g = part[0]  # the group that straddles the cut-off shares pro rata
        total += float(sums[g]) * (k - before[g]) / sizes[g]
    return float(total)


def hit_rate(y: np.ndarray, f: np.ndarray, coverage: float) -> float:
    tot = float(np.sum(y))
    return captured(y, f, coverage) / tot if tot > 0 else float("nan")


def pai(y: np.ndarray, f: np.ndarray, coverage: float) -> float:
    return hit_rate(y, f, coverage) / coverage


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Mean Poisson deviance per cell: 2·mean(y·log(y/μ) − (y − μ)), with 0·log 0 = 0."""
    y = np.asarray(y, float).ravel()
    mu = np.asarray(mu, float).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2.0 * np.mean(term - (y - mu)))


def calibration_table(y: np.ndarray, f: np.ndarray, bins: int = 10) -> list[dict]:
    """Cells in ``bins`` groups of equal size by forecast: mean forecast vs mean observed."""
    y = np.asarray(y, float).ravel()
    f = np.asarray(f, float).ravel()
    order = np.argsort(f, kind="stable")
    out = []
    for i, idx in enumerate(np.array_split(order, bins)):
        if idx.size == 0:
            continue
        out.append(
            {
                "bin": i + 1,
                "cells": int(idx.size),
                "forecast_mean": float(f[idx].mean()),
                "observed_mean": float(y[idx].mean()),
                "forecast_total": float(f[idx].sum()),
                "observed_total": float(y[idx].sum()),
            }
        )
    return out


class Accumulator:
    """Pools per-week results: captured mass per coverage, deviance sums, calibration cells."""

    def __init__(self) -> None:
        self.captured = {c: 0.0 for c in COVERAGES}
        self.total = 0.0
        self.dev_sum = 0.0
        self.cells = 0
        self.ys: list[np.ndarray] = []
        self.fs: list[np.ndarray] = []

    def add(self, y: np.ndarray, f: np.ndarray) -> None:
        y = np.asarray(y, float).ravel()
        f = np.asarray(f, float).ravel()
        for c in COVERAGES:
            self.captured[c] += captured(y, f, c / 100)
        self.total += float(y.sum())
        self.dev_sum += poisson_deviance(y, f) * y.size
        self.cells += y.size
        self.ys.append(y.astype(np.float32))
        self.fs.append(f.astype(np.float32))

    def result(self) -> dict:
        hr = {
            str(c): (self.captured[c] / self.total if self.total else float("nan"))
            for c in COVERAGES
        }
        return {
            "hit_rate": hr,
            "pai": {k: v / (int(k) / 100) for k, v in hr.items()},
            "deviance": self.dev_sum / max(self.cells, 1),
            "calibration": calibration_table(np.concatenate(self.ys), np.concatenate(self.fs)),
        }

"""The imputation estimator of Borusyak, Jaravel & Spiess (2024) for staggered adoption.

Unit and month effects are fitted on the untreated unit-months only (never-treated units, and
treated units before their start), the counterfactual of every treated unit-month is imputed
from them, and the effect is the observed minus the imputed outcome. Counts are fitted as counts:
a Poisson model with multiplicative unit and month effects (fitted exactly by iterative
proportional fitting), so the relative effect is a ratio of observed to imputed incidents.

The last ``leads`` untreated months of each treated unit are held out of the fit: their
residuals are the event-study leads (a pre-trend test on months the fit did not see), and an
unusual spike just before the start (a station chosen after a bad period) cannot lower the
imputed counterfactual.

All fits are vectorised over bootstrap replicates: the unit weights ``w`` (replicates × units,
multinomial counts of a cluster bootstrap) enter the month effects and every average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from perron.effect.panel import FloatArray, IntArray, Panel

MIN_FIT = 3  # untreated months a treated unit needs in the fit
DEFAULT_LEADS = 12


@dataclass
class Sums:
    """Weighted sums per replicate (rows) of the treated cells and of each event time."""

    y_post: FloatArray  # Σ w·Y over treated cells          (B,)
    cf_post: FloatArray  # Σ w·Ŷ over treated cells         (B,)
    n_post: FloatArray  # Σ w over treated cells            (B,)
    event_times: list[int]
    y_e: FloatArray  # (B, E)
    cf_e: FloatArray  # (B, E)
    n_e: FloatArray  # (B, E)
    dropped: list[str]


def _hold_out(panel: Panel, leads: int) -> tuple[IntArray, IntArray]:
    """Per unit: months in the fit before the start (``fit_end``) and held-out leads."""
    s = panel.start
    fit_end = np.where(s >= 0, s, len(panel.periods)).astype(np.int64)
    h = np.where(s >= 0, np.clip(s - MIN_FIT, 0, leads), 0).astype(np.int64)
    return fit_end - h, h


def fit_sums(
    panel: Panel,
    w: FloatArray,
    *,
    poisson: bool,
    leads: int = DEFAULT_LEADS,
    max_iter: int = 3000,
    tol: float = 1e-10,
) -> Sums:
    y = panel.y
    n, t = y.shape
    fit_end, h = _hold_out(panel, leads)
    s = panel.start
    usable = (s < 0) | (s >= MIN_FIT)
    dropped = [panel.units[i] for i in np.flatnonzero(~usable)]
    cols = np.arange(t)
    mask = (cols[None, :] < fit_end[:, None]) & usable[:, None]
    m = mask.astype(np.float64)
    w = w * usable[None, :]
    ym = y * m
    b_reps = w.shape[0]
    rs = ym.sum(1)
    mi = m.sum(1)
    safe_mi = np.where(mi > 0, mi, 1.0)
    wm = w @ m  # (B, T) weighted untreated units per month
    wym = w @ ym
    if poisson:
        b = np.ones((b_reps, t))
        a = np.zeros((b_reps, n))
        for _ in range(max_iter):
            den = b @ m.T  # (B, N)
            a = np.where(den > 0, rs[None, :] / np.where(den > 0, den, 1.0), 0.0)
            den_b = (w * a) @ m
            b_new = np.where(den_b > 0, wym / np.where(den_b > 0, den_b, 1.0), 0.0)
            delta = np.max(np.abs(b_new - b)) if b_new.size else 0.0
            b = b_new
            if delta < tol * max(1.0, float(np.max(np.abs(b)))):
                break
        den = b @ m.T
        a = np.where(den > 0, rs[None, :] / np.where(den > 0, den, 1.0), 0.0)

        def cf_at(units: IntArray, cols_: IntArray) -> FloatArray:
            out: FloatArray = a[:, units] * b[:, cols_]
            return out
    else:
        b = np.where(wm > 0, wym / np.where(wm > 0, wm, 1.0), 0.0)
        a = np.zeros((b_reps, n))
        for _ in range(max_iter):
            a = (rs[None, :] - b @ m.T) / safe_mi[None, :]
            b_new = np.where(wm > 0, (wym - (w * a) @ m) / np.where(wm > 0, wm, 1.0), 0.0)
            delta = np.max(np.abs(b_new - b)) if b_new.size else 0.0
            b = b_new
            if delta < tol * max(1.0, float(np.max(np.abs(y)))):
                break
        a = (rs[None, :] - b @ m.T) / safe_mi[None, :]

        def cf_at(units: IntArray, cols_: IntArray) -> FloatArray:
            out: FloatArray = a[:, units] + b[:, cols_]
            return out

    treated = np.flatnonzero((s >= 0) & usable)
    # post cells
    tmask = panel.treated_mask() & usable[:, None]
    y_post = (w * (y * tmask).sum(1)[None, :]).sum(1)
    n_post = (w * tmask.sum(1)[None, :]).sum(1)
    cf_post = np.zeros(b_reps)
    # event times: leads −max(h) … −1 and lags 0 … max
    lo = -int(h[treated].max()) if len(treated) else 0
    hi = int((t - 1 - s[treated]).max()) if len(treated) else -1
    evs = [e for e in range(lo, hi + 1)]
    y_e = np.zeros((b_reps, len(evs)))
    cf_e = np.zeros((b_reps, len(evs)))
    n_e = np.zeros((b_reps, len(evs)))
    for k, e in enumerate(evs):
        col = s[treated] + e
        ok = (col >= 0) & (col < t)
        if e < 0:
            ok &= -e <= h[treated]
        units = treated[ok]
        if not len(units):
            continue
        cc = col[ok]
        cf = cf_at(units, cc)  # (B, k)
        wu = w[:, units]
        y_e[:, k] = wu @ y[units, cc]
        cf_e[:, k] = (wu * cf).sum(1)
        n_e[:, k] = wu.sum(1)
        if e >= 0:
            cf_post += cf_e[:, k]
    return Sums(y_post, cf_post, n_post, evs, y_e, cf_e, n_e, dropped)


def twfe_static(panel: Panel) -> float | None:
    """The plain two-way fixed-effects coefficient on the treatment dummy (shown as a warning:
    with staggered starts and changing effects it can be far off, even of the wrong sign)."""
    d = panel.treated_mask().astype(np.float64)
    y = panel.y

    def dd(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = (
            x - x.mean(1, keepdims=True) - x.mean(0, keepdims=True) + x.mean()
        )
        return out

    dt = dd(d)
    den = float((dt * dt).sum())
    if den <= 1e-12:
        return None
    return float((dt * dd(y)).sum() / den)

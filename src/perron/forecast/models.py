"""Baselines and models. Each forecasts expected counts per (station, day, block).

``fit(history, t0)`` may only use weeks that end on or before day ``t0``; ``predict(history, t0)``
only features of origin ``t0`` (see ``features.History.features``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import PoissonRegressor
from threadpoolctl import threadpool_limits

from perron.forecast.data import N_BLOCKS
from perron.forecast.features import CATEGORICAL, FEATURES, WEEK, History, matrix

FLOOR = 1e-4  # smallest expected count per cell, for every model alike (deviance needs μ > 0)
MIN_HISTORY = 364  # days of history a training week needs before it
# At most the last three years of weeks are training rows. On the 2020–2021 validation backtest
# 52 and 104 weeks were clearly worse and no limit was no better (docs/forecast.md).
TRAIN_WEEKS: int | None = 156
ZERO_SAMPLE = 0.03  # share of zero cells kept in training samples (weighted back)


# ---------------------------------------------------------------- training samples
@dataclass
class Samples:
    """Training rows per origin, computed once and reused by every later refit."""

    history: History
    cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def week(self, o: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if o not in self.cache:
            h = self.history
            y = h.targets(o).reshape(-1)
            ordinal = h.cube.day(o).toordinal()
            rng = np.random.default_rng(ordinal)
            keep = rng.random(y.size) < ZERO_SAMPLE
            rows = np.flatnonzero((y > 0) | keep)
            w = np.where(y[rows] > 0, 1.0, 1.0 / ZERO_SAMPLE)
            x = matrix(h.features(o), rows)
            self.cache[o] = (x.astype(np.float32), y[rows], w)
        return self.cache[o]

    def before(self, t0: int, max_weeks: int | None = None) -> tuple[np.ndarray, ...]:
        """Rows of the weeks o = t0-7, t0-14, … with at least a year of history."""
        origins = []
        o = t0 - WEEK
        while o >= MIN_HISTORY and (max_weeks is None or len(origins) < max_weeks):
            origins.append(o)
            o -= WEEK
        if not origins:
            raise ValueError("not enough history to train: need more than a year before the week")
        parts = [self.week(o) for o in sorted(origins)]
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))


# ---------------------------------------------------------------- baselines
class Forecaster:
    name = "model"
    kind = "model"
    description = ""

    def fit(self, history: History, t0: int, samples: Samples) -> None:  # noqa: B027
        pass

    def predict(self, history: History, t0: int, n_days: int = WEEK) -> np.ndarray:
        raise NotImplementedError


class HistoricalAverage(Forecaster):
    name, kind = "historical_average", "baseline"
    description = "mean count per station and block over all history before the week"

    def predict(self, history, t0, n_days=WEEK):
        r = history.window(t0, t0)
        return np.broadcast_to(r[:, None, :], (r.shape[0], n_days, N_BLOCKS)).copy()


class LastNWeeks(Forecaster):
    kind = "baseline"

    def __init__(self, weeks: int):
        self.weeks = weeks
        self.name = f"last_{weeks}_weeks"
        self.description = f"mean count per station and block over the last {weeks} weeks"

    def predict(self, history, t0, n_days=WEEK):
        r = history.window(t0, WEEK * self.weeks)
        return np.broadcast_to(r[:, None, :], (r.shape[0], n_days, N_BLOCKS)).copy()


class SeasonalNaive(Forecaster):
    kind = "baseline"

    def __init__(self, lag_days: int, name: str):
        self.lag = lag_days
        self.name = name
        self.description = f"the count of the same station, weekday and block {lag_days} days ago"

    def predict(self, history, t0, n_days=WEEK):
        out = np.zeros((history.n_stations, n_days, N_BLOCKS))
        for d in range(n_days):
            src = t0 + d - self.lag
            while src >= t0:  # never look at the forecast window itself
                src -= self.lag
            if src >= 0:
                out[:, d, :] = history.cube.counts[:, src, :]
        return out


# ---------------------------------------------------------------- models
def _glm_design(x: np.ndarray) -> np.ndarray:
    col = {k: i for i, k in enumerate(FEATURES)}
    wd = x[:, col["weekday"]].astype(int)
    blk = x[:, col["block"]].astype(int)
    onehot = np.zeros((x.shape[0], 7 * N_BLOCKS))
    onehot[np.arange(x.shape[0]), wd * N_BLOCKS + blk] = 1.0
    cont = np.column_stack(
        [
            np.log(x[:, col["ew_sb"]] + 1e-3),
            np.log(x[:, col["hist_sb"]] + 1e-3),
            np.log(x[:, col["hist_s"]] + 1e-3),
            np.log(x[:, col["last13_s"]] + 1e-2),
            np.log(x[:, col["nbr_ew_s"]] + 1e-3),
            x[:, col["holiday"]],
            x[:, col["darkness"]],
            x[:, col["season_sin"]],
            x[:, col["season_cos"]],
        ]
    )
    return np.column_stack([cont, onehot[:, 1:]])


GLM_TERMS = (
    "ew_sb",
    "hist_sb",
    "hist_s",
    "last13_s",
    "nbr_ew_s",
    "holiday",
    "darkness",
    "season_sin",
    "season_cos",
) + ("weekday_block",) * (7 * N_BLOCKS - 1)


class SeasonalGLM(Forecaster):
    name = "poisson_glm"
    description = (
        "Poisson GLM: log-rate on the station's past rate per block, weekday × block, season, "
        "holidays and darkness"
    )

    def fit(self, history, t0, samples):
        x, y, w = samples.before(t0, TRAIN_WEEKS)
        z = _glm_design(x)
        self.mu, self.sd = z.mean(0), z.std(0) + 1e-9
        self.model = PoissonRegressor(alpha=1e-4, max_iter=300)
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            self.model.fit((z - self.mu) / self.sd, y, sample_weight=w)

    def predict(self, history, t0, n_days=WEEK):
        x = history.matrix(t0, n_days)
        p = self.model.predict((_glm_design(x) - self.mu) / self.sd)
        return p.reshape(history.n_stations, n_days, N_BLOCKS)

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
        """Log-scale contribution of each design term relative to the average training row."""
        z = (_glm_design(x) - self.mu) / self.sd
        return z * self.model.coef_[None, :], GLM_TERMS


LGB_PARAMS = {
    "objective": "poisson",
    "learning_rate": 0.1,
    "max_bin": 63,
    "num_leaves": 15,
    "min_data_in_leaf": 200,
    "feature_fraction": 0.8,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 7,
    "verbose": -1,
}
LGB_ROUNDS = 100
GBM_ZERO_KEEP = 0.5
GBM_SEED = 11


class BoostedModel(Forecaster):
    name = "gradient_boosting"
    description = (
        "LightGBM (Poisson) on station size and type, weekday, block, holidays, darkness, season "
        "and past and recent counts"
    )

    def fit(self, history, t0, samples):
        x, y, w = samples.before(t0, TRAIN_WEEKS)
        # half of the sampled empty cells, weighted up again: same expectation, half the rows
        rng = np.random.default_rng(GBM_SEED)
        keep = (y > 0) | (rng.random(y.size) < GBM_ZERO_KEEP)
        x, y, w = x[keep], y[keep], np.where(y[keep] > 0, w[keep], w[keep] / GBM_ZERO_KEEP)
        ds = lgb.Dataset(
            x,
            y,
            weight=w,
            feature_name=list(FEATURES),
            categorical_feature=list(CATEGORICAL),
            free_raw_data=False,
        )
        self.booster = lgb.train(LGB_PARAMS, ds, num_boost_round=LGB_ROUNDS)

    def predict(self, history, t0, n_days=WEEK):
        x = history.matrix(t0, n_days)
        p = self.booster.predict(x)
        return p.reshape(history.n_stations, n_days, N_BLOCKS)

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
        """Per-feature contributions on the log scale (SHAP values of the trees)."""
        return self.booster.predict(x, pred_contrib=True)[:, :-1], FEATURES


class SelfExciting(Forecaster):
    """Background rate plus a near-repeat term that decays after every incident at the station.

    λ(s, d, b) = a · rate(s, b) · profile(weekday, b) + α · block_share(s, b) · Σ_i e^{-(t-t_i)/τ}
    with a, α ≥ 0 fitted by weighted Poisson likelihood and τ chosen from 7 or 30 days, all on
    the training weeks only.
    """

    name = "self_exciting"
    description = "background rate per station and block plus a decaying near-repeat term"

    def _parts(self, x: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
        col = {k: i for i, k in enumerate(FEATURES)}
        base = x[:, col["ew_sb"]] * x[:, col["profile_wdb"]]
        hist_sb, hist_s = x[:, col["hist_sb"]], x[:, col["hist_s"]]
        share = (hist_sb + 0.1 / N_BLOCKS) / (hist_s + 0.1)
        exc = x[:, col["excite7_s" if tau == 7.0 else "excite30_s"]] * share / tau
        return base, exc

    def fit(self, history, t0, samples):
        x, y, w = samples.before(t0, TRAIN_WEEKS)
        best = None
        for tau in (7.0, 30.0):
            base, exc = self._parts(x, tau)

            def nll(p, base=base, exc=exc):
                lam = p[0] * base + p[1] * exc + FLOOR
                return float(np.sum(w * (lam - y * np.log(lam)))) / len(y)

            res = minimize(nll, x0=[1.0, 0.1], bounds=[(0, 50), (0, 50)], method="L-BFGS-B")
            if best is None or res.fun < best[0]:
                best = (res.fun, tau, res.x)
        _, self.tau, (self.a, self.alpha) = best

    def predict(self, history, t0, n_days=WEEK):
        x = history.matrix(t0, n_days)
        base, exc = self._parts(x, self.tau)
        p = self.a * base + self.alpha * exc
        return p.reshape(history.n_stations, n_days, N_BLOCKS)


class Ensemble(Forecaster):
    """The mean of the Poisson GLM and the boosted model (both fitted by their own ``fit``)."""

    name = "ensemble"
    description = "mean of the Poisson GLM and the gradient-boosting forecasts"

    def __init__(self, glm: SeasonalGLM, gbm: BoostedModel):
        self.glm, self.gbm = glm, gbm

    def fit(self, history, t0, samples):
        if not hasattr(self.glm, "model"):
            self.glm.fit(history, t0, samples)
        if not hasattr(self.gbm, "booster"):
            self.gbm.fit(history, t0, samples)

    def predict(self, history, t0, n_days=WEEK):
        return 0.5 * (self.glm.predict(history, t0, n_days) + self.gbm.predict(history, t0, n_days))


EB_BLOCK_PRIOR = 80.0  # pseudo-incidents pulling a station's block shares to the national ones
EB_RECENT_DAYS = 364  # window of the recent-excess factor
EB_RECENT_PRIOR = 20.0  # pseudo-incidents of the recent-excess factor


class EmpiricalBayes(Forecaster):
    """Long-run station rate with shrunken block shares and a shrunken recent excess.

    λ(s, d, b) = r_s · share(s, b) · excess_s · profile(weekday(d), b), where r_s is the station's
    mean count per day over all history, share(s, b) = (n_sb + k · p_b) / (n_s + k) its share of
    incidents in block b shrunk towards the national share p_b (k = ``EB_BLOCK_PRIOR``),
    excess_s = (m_s + a) / (r_s · D + a) its count m_s in the last D days against the long-run
    expectation (the posterior-mean ratio of a Poisson-gamma model with a pseudo-incidents), and
    profile the national weekday × block profile relative to the block's mean over the week.
    Nothing is fitted; every term sums counts of days before ``t0``.
    """

    name = "empirical_bayes"
    description = (
        "long-run station rate × block shares shrunk to the national shares × shrunken recent "
        "excess × national weekday-block profile"
    )

    def rates(self, history: History, t0: int) -> np.ndarray:
        """The per-day rate per (station, block) before the weekday profile."""
        n_sb = history.cum[:, t0, :]
        n_s = n_sb.sum(axis=1, keepdims=True)
        nat = n_sb.sum(axis=0)
        p_b = nat / nat.sum() if nat.sum() > 0 else np.full(N_BLOCKS, 1.0 / N_BLOCKS)
        share = (n_sb + EB_BLOCK_PRIOR * p_b) / (n_s + EB_BLOCK_PRIOR)
        r_s = n_s / t0
        days = min(EB_RECENT_DAYS, t0)
        recent = history.window(t0, days).sum(axis=1, keepdims=True) * days
        excess = (recent + EB_RECENT_PRIOR) / (r_s * days + EB_RECENT_PRIOR)
        return r_s * share * excess

    def predict(self, history, t0, n_days=WEEK):
        r = self.rates(history, t0)
        nat = history.nat_wd_cum[t0]  # (7, B) totals per weekday × block before t0
        mean = nat.mean(axis=0, keepdims=True)
        prof = np.divide(nat, mean, out=np.ones_like(nat), where=mean > 0)
        wd = np.array([history.cube.day(t0 + d).weekday() for d in range(n_days)])
        return r[:, None, :] * prof[wd][None, :, :]


BLEND_WEIGHT = 0.5  # weight of gradient boosting on the log scale, fixed on validation


class Blend(Forecaster):
    """Geometric mean of the boosted model and the empirical-Bayes rate (weights fixed)."""

    name = "blend"
    description = "geometric mean of gradient boosting and the empirical-Bayes rate"

    def __init__(self, gbm: BoostedModel, eb: EmpiricalBayes):
        self.gbm, self.eb = gbm, eb

    def fit(self, history, t0, samples):
        if not hasattr(self.gbm, "booster"):
            self.gbm.fit(history, t0, samples)

    def predict(self, history, t0, n_days=WEEK):
        g = np.log(np.maximum(self.gbm.predict(history, t0, n_days), FLOOR))
        e = np.log(np.maximum(self.eb.predict(history, t0, n_days), FLOOR))
        return np.exp(BLEND_WEIGHT * g + (1.0 - BLEND_WEIGHT) * e)


def baselines() -> list[Forecaster]:
    return [
        HistoricalAverage(),
        LastNWeeks(4),
        LastNWeeks(13),
        LastNWeeks(52),
        SeasonalNaive(7, "seasonal_naive_week"),
        SeasonalNaive(364, "seasonal_naive_year"),
    ]


def models() -> list[Forecaster]:
    glm, gbm, eb = SeasonalGLM(), BoostedModel(), EmpiricalBayes()
    return [glm, gbm, SelfExciting(), Ensemble(glm, gbm), eb, Blend(gbm, eb)]

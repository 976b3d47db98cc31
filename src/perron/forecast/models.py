"""Baselines and models. Each forecasts expected counts per (station, day, block).

``fit(history, t0)`` may only use weeks that end on or before day ``t0``; ``predict(history, t0)``
only features of origin ``t0`` (see ``features.History.features``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import PoissonRegressor
from threadpoolctl import threadpool_limits

from perron.forecast.data import N_BLOCKS
from perron.forecast.features import CATEGORICAL, FEATURES, WEEK, History, matrix
from perron.plugins import Registry, callable_plugin

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
        origins: list[int] = []
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

    def explain(
        self, history: History, t0: int, n_days: int = WEEK
    ) -> tuple[np.ndarray, tuple[str, ...]]:
        """Log-scale contributions (cells × terms) of the forecast from ``t0`` and their names.

        Per cell they add up to log(forecast) minus a base that is the same for every cell.
        """
        return self.contributions(history.matrix(t0, n_days))

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
        raise NotImplementedError(f"{self.name} has no explanations")


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


def _leaf_paths(tree: dict) -> np.ndarray:
    """Path contributions (leaves × FEATURES) of one tree of ``Booster.dump_model()``.

    A node's value is the mean leaf value below it weighted by the training rows in each leaf.
    """
    root = tree["tree_structure"]
    table = np.zeros((max(tree["num_leaves"], 1), len(FEATURES)))

    def mean(node: dict) -> tuple[float, float]:
        if "leaf_value" in node:
            node["_mean"], node["_n"] = node["leaf_value"], float(node.get("leaf_count", 1))
        else:
            (vl, nl), (vr, nr) = mean(node["left_child"]), mean(node["right_child"])
            n = nl + nr
            node["_n"] = n
            node["_mean"] = (vl * nl + vr * nr) / n if n > 0 else 0.5 * (vl + vr)
        return node["_mean"], node["_n"]

    mean(root)
    stack = [(root, np.zeros(len(FEATURES)))]
    while stack:
        node, acc = stack.pop()
        if "leaf_value" in node:
            table[node.get("leaf_index", 0)] = acc
            continue
        for child in (node["left_child"], node["right_child"]):
            step = acc.copy()
            step[node["split_feature"]] += child["_mean"] - node["_mean"]
            stack.append((child, step))
    return table


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
        """Per-feature contributions on the log scale: the trees' decision paths.

        Every split on a cell's path through a tree credits its feature with the change in the
        expected tree output (over the training rows) from the node to the child taken; the sum
        over the trees adds up exactly to log(forecast) minus the expected output, the same base
        as the SHAP values of ``shap_contributions``. A week of cells takes a few hundredths of
        a second this way against about three seconds for TreeSHAP.
        """
        tables = self._path_tables()
        leaves = self.booster.predict(x, pred_leaf=True).astype(np.intp)
        out = np.zeros((x.shape[0], len(FEATURES)))
        for t, table in enumerate(tables):
            out += table[leaves[:, t]]
        return out, FEATURES

    def shap_contributions(self, x: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
        """Per-feature contributions on the log scale (TreeSHAP values of the trees)."""
        return self.booster.predict(x, pred_contrib=True)[:, :-1], FEATURES

    def _path_tables(self) -> list[np.ndarray]:
        """Per tree, the path contributions (leaves × FEATURES) of every leaf."""
        tables = getattr(self, "_paths", None)
        if tables is None:
            tables = [_leaf_paths(t) for t in self.booster.dump_model()["tree_info"]]
            self._paths = tables
        return tables


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


_TINY = 1e-300  # stands in for a zero factor on the log scale; lift_to_floor removes it again
#: the empirical-Bayes factors (perron.forecast.explain maps them onto the drivers)
EB_TERMS = ("eb_station_rate", "eb_block_share", "eb_recent", "eb_weekday_block")


def lift_to_floor(contrib: np.ndarray, log_raw: np.ndarray) -> np.ndarray:
    """Contributions of forecasts raised to ``FLOOR``, still adding up to the forecast.

    ``contrib`` (cells × terms) adds up to ``log_raw`` minus a base; where ``log_raw`` is below
    log(FLOOR) the difference is shared among the cell's negative contributions in proportion
    to their size (they are what pulled the forecast below the floor), so the row then adds up
    to log(FLOOR) minus the same base.
    """
    lift = np.maximum(np.log(FLOOR) - log_raw, 0.0)
    if not lift.any():
        return contrib
    neg = np.minimum(contrib, 0.0)
    tot = neg.sum(axis=1, keepdims=True)
    even = np.full_like(contrib, 1.0 / contrib.shape[1])
    share = np.divide(neg, tot, out=even, where=tot < 0)
    return contrib + lift[:, None] * share


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

    def _parts(self, history: History, t0: int) -> tuple[np.ndarray, ...]:
        """r_s (S, 1), share(s, b) (S, B), excess_s (S, 1) and the national shares p_b (B,)."""
        n_sb = history.cum[:, t0, :]
        n_s = n_sb.sum(axis=1, keepdims=True)
        nat = n_sb.sum(axis=0)
        p_b = nat / nat.sum() if nat.sum() > 0 else np.full(N_BLOCKS, 1.0 / N_BLOCKS)
        share = (n_sb + EB_BLOCK_PRIOR * p_b) / (n_s + EB_BLOCK_PRIOR)
        r_s = n_s / t0
        days = min(EB_RECENT_DAYS, t0)
        recent = history.window(t0, days).sum(axis=1, keepdims=True) * days
        excess = (recent + EB_RECENT_PRIOR) / (r_s * days + EB_RECENT_PRIOR)
        return r_s, share, excess, p_b

    def rates(self, history: History, t0: int) -> np.ndarray:
        """The per-day rate per (station, block) before the weekday profile."""
        r_s, share, excess, _ = self._parts(history, t0)
        return r_s * share * excess

    def _profile(self, history: History, t0: int, n_days: int) -> np.ndarray:
        """The national weekday × block profile of the days from ``t0`` on, (n_days, B)."""
        nat = history.nat_wd_cum[t0]  # (7, B) totals per weekday × block before t0
        mean = nat.mean(axis=0, keepdims=True)
        prof = np.divide(nat, mean, out=np.ones_like(nat), where=mean > 0)
        wd = np.array([history.cube.day(t0 + d).weekday() for d in range(n_days)])
        return prof[wd]

    def predict(self, history, t0, n_days=WEEK):
        r = self.rates(history, t0)
        return r[:, None, :] * self._profile(history, t0, n_days)[None, :, :]

    def explain(self, history, t0, n_days=WEEK):
        """The four factors of λ on the log scale, relative to an average station and block.

        log λ = log(r̄ / B) + log(r_s / r̄) + log(share(s, b) / p_b) + log excess_s
        + log(B · p_b · profile(weekday, b)), with r̄ the mean of r_s over all stations: the
        station's overall level, its own block pattern against the national one, the recent
        year, and the national weekday × block pattern. They add up to log(max(λ, FLOOR)) minus
        the base log(r̄ / B); where λ is below the floor the lift is shared out as in
        ``lift_to_floor`` (a station without any incident reaches the floor through its level).
        """
        r_s, share, excess, p_b = self._parts(history, t0)
        prof = self._profile(history, t0, n_days)
        r_bar = max(float(r_s.mean()), FLOOR)
        seen = p_b > 0  # a block without any incident in the country: its share and p_b are 0
        own = np.divide(share, p_b, out=np.ones_like(share), where=seen)
        time = np.where(seen, N_BLOCKS * p_b, _TINY) * np.maximum(prof, _TINY)
        shape = (history.n_stations, n_days, N_BLOCKS)
        terms = [
            np.log(np.maximum(r_s, _TINY) / r_bar)[:, :, None],
            np.log(own)[:, None, :],
            np.log(excess)[:, :, None],
            np.log(time)[None, :, :],
        ]
        c = np.column_stack([np.broadcast_to(t, shape).reshape(-1) for t in terms])
        base = np.log(r_bar / N_BLOCKS)
        return lift_to_floor(c, base + c.sum(axis=1)), EB_TERMS


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

    def explain(self, history, t0, n_days=WEEK):
        """Weighted contributions of both parts: log(blend) = w · log(gbm) + (1 − w) · log(eb).

        Each part's contributions add up to the log of its floored forecast (as used above)
        minus the part's base, so the blend's add up to log(blend) minus
        w · base(gbm) + (1 − w) · base(eb), the same for every cell.
        """
        g, g_names = self.gbm.explain(history, t0, n_days)
        g = lift_to_floor(g, np.log(self.gbm.predict(history, t0, n_days).reshape(-1)))
        e, e_names = self.eb.explain(history, t0, n_days)
        return (
            np.hstack([BLEND_WEIGHT * g, (1.0 - BLEND_WEIGHT) * e]),
            tuple(g_names) + tuple(e_names),
        )


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


def blend() -> Blend:
    """The blend with its own two parts (the model of forecasts by default)."""
    return Blend(BoostedModel(), EmpiricalBayes())


#: the models that make forecasts (each with explanations), by name: factories found in the
#: ``perron.models`` entry points (the four of Perron are declared there too)
MODELS: Registry[Callable[[], Forecaster]] = Registry(
    "perron.models",
    callable_plugin,
    builtin=("blend", "empirical_bayes", "gradient_boosting", "poisson_glm"),
)

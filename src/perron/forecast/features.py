"""Features for a forecast week, computed only from counts strictly before the week's first day.

``History`` holds the count cube with prefix sums and causal exponential filters, so the features
of any origin are a few array look-ups. Every look-up for origin ``t0`` reads indices ``< t0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from perron.forecast.calendar import darkness, day_range, holiday_flags
from perron.forecast.data import (
    CODE_ALIASES,
    EVENING_BLOCKS,
    N_BLOCKS,
    Cube,
    Station,
)

WEEK = 7
LONG_HALF_LIFE = 182.0  # days, for the smoothed station × block rate
EXCITE_TAUS = (7.0, 30.0)  # days, decay of the near-repeat (self-exciting) intensities
SIZE_CODES = {"small": 0, "medium": 1, "large": 2}

FEATURES = (
    "hist_sb",
    "ew_sb",
    "hist_s",
    "last4_s",
    "last13_s",
    "last52_sb",
    "excite7_s",
    "excite30_s",
    "nbr_ew_s",
    "nbr_excite30",
    "profile_wdb",
    "weekday",
    "block",
    "evening",
    "holiday",
    "darkness",
    "season_sin",
    "season_cos",
    "log_travellers",
    "size_class",
    "station_type",
    "lat",
    "lng",
)
CATEGORICAL = ("weekday", "block", "size_class", "station_type")


def _causal_ewm(x: np.ndarray, decay: float) -> np.ndarray:
    """``out[..., t] = Σ_{u<t} x[..., u] · decay^(t-1-u)`` along the last axis (length T+1)."""
    y = lfilter([1.0], [1.0, -decay], x, axis=-1)
    pad = np.zeros(x.shape[:-1] + (1,))
    return np.concatenate([pad, y], axis=-1)


@dataclass
class History:
    cube: Cube
    stations: list[Station]

    def __post_init__(self) -> None:
        c = self.cube.counts  # (S, T, B)
        s_n, t_n, _ = c.shape
        self.cum = np.concatenate([np.zeros((s_n, 1, N_BLOCKS)), np.cumsum(c, axis=1)], axis=1)
        cs = np.moveaxis(c, 1, -1)  # (S, B, T)
        self.long_decay = 0.5 ** (1.0 / LONG_HALF_LIFE)
        self.ew_sb = np.moveaxis(_causal_ewm(cs, self.long_decay), -1, 1)  # (S, T+1, B)
        tot = c.sum(axis=2)  # (S, T)
        self.excite = {tau: _causal_ewm(tot, np.exp(-1.0 / tau)) for tau in EXCITE_TAUS}
        nat = c.sum(axis=0)  # (T, B)
        wd = np.array([(self.cube.start.weekday() + i) % 7 for i in range(t_n)])
        self.weekday_of = wd
        nat_wd = np.zeros((t_n, 7, N_BLOCKS))
        nat_wd[np.arange(t_n), wd, :] = nat
        self.nat_wd_cum = np.concatenate([np.zeros((1, 7, N_BLOCKS)), np.cumsum(nat_wd, 0)], 0)
        self.lat = np.array([s.lat for s in self.stations])
        self.lng = np.array([s.lng for s in self.stations])
        trav = np.array([s.travellers_per_day for s in self.stations], dtype=float)
        self.log_trav = np.log1p(trav)
        self.size = np.array([SIZE_CODES.get(s.size_class, np.nan) for s in self.stations], float)
        types = sorted({s.type for s in self.stations})
        self.type_code = np.array([types.index(s.type) for s in self.stations], float)
        self._dark_cache: dict[int, np.ndarray] = {}
        self._matrix_cache: tuple[tuple[int, int], np.ndarray] | None = None
        self.adj = adjacency([s.code for s in self.stations])

    @property
    def n_stations(self) -> int:
        return self.cube.counts.shape[0]

    def window(self, t0: int, n_days: int) -> np.ndarray:
        """Per-day rate per (station, block) over the ``n_days`` before ``t0``."""
        a = max(t0 - n_days, 0)
        if t0 <= a:
            return np.zeros((self.n_stations, N_BLOCKS))
        return (self.cum[:, t0, :] - self.cum[:, a, :]) / (t0 - a)

    def targets(self, t0: int, n_days: int = WEEK) -> np.ndarray:
        """The observed counts (S, n_days, B) of days ``t0`` … ``t0+n_days-1``."""
        out = np.zeros((self.n_stations, n_days, N_BLOCKS))
        hi = min(t0 + n_days, self.cube.n_days)
        if hi > t0:
            out[:, : hi - t0, :] = self.cube.counts[:, t0:hi, :]
        return out

    def _darkness(self, t0: int, n_days: int) -> np.ndarray:
        key = t0 * 100 + n_days
        if key not in self._dark_cache:
            days = day_range(self.cube.day(t0), n_days)
            self._dark_cache[key] = darkness(self.lat, self.lng, days)
        return self._dark_cache[key]

    def matrix(self, t0: int, n_days: int = WEEK) -> np.ndarray:
        """``matrix(features(t0, n_days))``, kept for the last origin asked (read-only)."""
        key = (t0, n_days)
        if self._matrix_cache is None or self._matrix_cache[0] != key:
            x = matrix(self.features(t0, n_days))
            x.flags.writeable = False
            self._matrix_cache = (key, x)
        return self._matrix_cache[1]

    def features(self, t0: int, n_days: int = WEEK) -> dict[str, np.ndarray]:
        """Every feature as an array (S, n_days, B) for the days from ``t0`` on.

        Only ``cum[:, ≤t0]``, ``ew_sb[:, t0]``, ``excite[·][:, t0]`` and ``nat_wd_cum[t0]`` are
        read: each of them sums counts of days before ``t0``.
        """
        if t0 < 1:
            raise ValueError("a forecast needs at least one day of history")
        s_n = self.n_stations
        shape = (s_n, n_days, N_BLOCKS)

        def sb(a: np.ndarray) -> np.ndarray:
            return np.broadcast_to(a[:, None, :], shape)

        def s_(a: np.ndarray) -> np.ndarray:
            return np.broadcast_to(a[:, None, None], shape)

        hist_sb = self.window(t0, t0)
        norm = (1 - self.long_decay**t0) / (1 - self.long_decay)
        ew_sb = self.ew_sb[:, t0, :] / norm
        ahead = np.arange(n_days)[None, :, None]
        ex = {
            tau: self.excite[tau][:, t0][:, None, None] * np.exp(-ahead / tau)
            for tau in EXCITE_TAUS
        }
        days = day_range(self.cube.day(t0), n_days)
        wd = np.array([d.weekday() for d in days])
        nat = self.nat_wd_cum[t0]  # (7, B) totals per weekday × block before t0
        prof = nat / max(nat.mean(), 1e-9)
        doy = np.array([d.timetuple().tm_yday for d in days], float)
        blocks = np.arange(N_BLOCKS)
        f = {
            "hist_sb": sb(hist_sb),
            "ew_sb": sb(ew_sb),
            "hist_s": s_(hist_sb.sum(1)),
            "last4_s": s_(self.window(t0, 28).sum(1)),
            "last13_s": s_(self.window(t0, 91).sum(1)),
            "last52_sb": sb(self.window(t0, 364)),
            "excite7_s": np.broadcast_to(ex[7.0], shape),
            "excite30_s": np.broadcast_to(ex[30.0], shape),
            "nbr_ew_s": s_(self.adj @ ew_sb.sum(1)),
            "nbr_excite30": s_(self.adj @ self.excite[30.0][:, t0]),
            "profile_wdb": np.broadcast_to(prof[wd][None, :, :], shape),
            "weekday": np.broadcast_to(wd[None, :, None].astype(float), shape),
            "block": np.broadcast_to(blocks[None, None, :].astype(float), shape),
            "evening": np.broadcast_to(
                np.isin(blocks, EVENING_BLOCKS)[None, None, :].astype(float), shape
            ),
            "holiday": np.broadcast_to(holiday_flags(days)[None, :, None], shape),
            "darkness": self._darkness(t0, n_days),
            "season_sin": np.broadcast_to(np.sin(2 * np.pi * doy / 365.25)[None, :, None], shape),
            "season_cos": np.broadcast_to(np.cos(2 * np.pi * doy / 365.25)[None, :, None], shape),
            "log_travellers": s_(self.log_trav),
            "size_class": s_(self.size),
            "station_type": s_(self.type_code),
            "lat": s_(self.lat),
            "lng": s_(self.lng),
        }
        return f


def _edges() -> list[tuple[str, str]]:
    """The rail links between adjacent stations of the shipped reference data."""
    from perron.reference import bundle

    return [(e.from_code, e.to_code) for e in bundle.edges()]


def adjacency(codes: list[str]) -> np.ndarray:
    """Row-normalised adjacency of stations on the rail network (zeros when unknown)."""
    pos = {c: i for i, c in enumerate(codes)}
    a = np.zeros((len(codes), len(codes)))
    for u, v in _edges():
        u, v = CODE_ALIASES.get(u, u), CODE_ALIASES.get(v, v)
        if u in pos and v in pos and u != v:
            a[pos[u], pos[v]] = a[pos[v], pos[u]] = 1.0
    deg = a.sum(1, keepdims=True)
    return np.divide(a, deg, out=np.zeros_like(a), where=deg > 0)


def matrix(f: dict[str, np.ndarray], rows: np.ndarray | None = None) -> np.ndarray:
    """Stack features into (cells, FEATURES) in (station, day, block) order."""
    cols = [np.asarray(f[k]).reshape(-1) for k in FEATURES]
    x = np.column_stack(cols)
    return x if rows is None else x[rows]

"""Calendar covariates: Dutch public holidays and darkness per station, day and block."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from perron.domain.local_time import LOCAL_TIMEZONE
from perron.forecast.data import BLOCK_HOURS, N_BLOCKS


@lru_cache(maxsize=64)
def _nl_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Netherlands(years=year).keys())


def holiday_flags(days: list[date]) -> np.ndarray:
    """1.0 for Dutch public holidays (and New Year's Eve), else 0.0."""
    out = np.zeros(len(days))
    for i, d in enumerate(days):
        if d in _nl_holidays(d.year) or (d.month == 12 and d.day == 31):
            out[i] = 1.0
    return out


def utc_offset_hours(days: list[date], tz: str = LOCAL_TIMEZONE) -> np.ndarray:
    """The offset of local time from UTC (1 or 2 in the Netherlands) at noon of each day."""
    noon = pd.DatetimeIndex([pd.Timestamp(d) + pd.Timedelta(hours=12) for d in days])
    local = noon.tz_localize(tz)
    return np.array([t.utcoffset().total_seconds() / 3600 for t in local])


def sun_times(lat: np.ndarray, lng: np.ndarray, days: list[date]) -> tuple[np.ndarray, np.ndarray]:
    """Sunrise and sunset in UTC hours for each (station, day) — NOAA's solar equations.

    ``lat``/``lng`` in degrees (east positive); returns two arrays of shape (stations, days).
    """
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    n_year = np.array([366.0 if _leap(d.year) else 365.0 for d in days])
    gamma = 2 * np.pi / n_year * (doy - 1)  # fractional year at noon ≈ (doy-1 + 0)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * np.cos(gamma)
        - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma)
        - 0.040849 * np.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(gamma)
        + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma)
        + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma)
        + 0.00148 * np.sin(3 * gamma)
    )
    phi = np.radians(np.asarray(lat, dtype=float))[:, None]
    cos_ha = (
        np.cos(np.radians(90.833)) / (np.cos(phi) * np.cos(decl)[None, :])
        - np.tan(phi) * np.tan(decl)[None, :]
    )
    ha = np.degrees(np.arccos(np.clip(cos_ha, -1.0, 1.0)))
    lon = np.asarray(lng, dtype=float)[:, None]
    sunrise = (720 - 4 * (lon + ha) - eqtime[None, :]) / 60.0
    sunset = (720 - 4 * (lon - ha) - eqtime[None, :]) / 60.0
    return sunrise, sunset


def _leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def darkness(lat: np.ndarray, lng: np.ndarray, days: list[date]) -> np.ndarray:
    """Share of each four-hour block (local time) between sunset and sunrise.

    Returns shape (stations, days, blocks) with values in [0, 1].
    """
    rise, sset = sun_times(lat, lng, days)
    off = utc_offset_hours(days)[None, :]
    rise, sset = rise + off, sset + off  # local clock hours
    out = np.empty((rise.shape[0], len(days), N_BLOCKS))
    for b in range(N_BLOCKS):
        h0, h1 = b * BLOCK_HOURS, (b + 1) * BLOCK_HOURS
        light = np.clip(np.minimum(h1, sset) - np.maximum(h0, rise), 0, None)
        out[:, :, b] = 1.0 - light / BLOCK_HOURS
    return out


def day_range(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]

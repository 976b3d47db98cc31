"""Hotspots and hot times: safety-related incidents forecast per station and four-hour block.

Only places and times are modelled, never persons.
"""

from perron.forecast.backtest import run_backtest
from perron.forecast.data import SAFETY_CATEGORIES, DataError, load_incidents
from perron.forecast.service import (
    load_backtest,
    prepare_demo,
    save_backtest,
    tonight,
    train,
    week,
)

__all__ = [
    "SAFETY_CATEGORIES",
    "DataError",
    "load_backtest",
    "load_incidents",
    "prepare_demo",
    "run_backtest",
    "save_backtest",
    "tonight",
    "train",
    "week",
]

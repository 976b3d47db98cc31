"""``perron demo`` hook: tonight's forecast on the real disruption data (and a short backtest)."""

from __future__ import annotations

import json

from perron.config import Settings
from perron.forecast.data import DataError
from perron.forecast.service import forecast_dir, prepare_demo


def prepare(settings: Settings) -> str:
    """Make tonight's forecast; return one line naming the top stations and the page."""
    try:
        info = prepare_demo(settings)
    except DataError as exc:
        return f"forecast: skipped ({exc})"
    night = json.loads((forecast_dir(settings) / "tonight.json").read_text())
    top = ", ".join(f"{s['rank']}. {s['name']} {s['expected']:.3f}" for s in night["stations"][:5])
    extra = " and a short backtest" if "seconds_backtest" in info else ""
    return (
        f"forecast: tonight {night['date']} 16–24 h (expected safety incidents): {top} "
        f"— made in {sum(v for k, v in info.items() if k.startswith('seconds')):.0f} s{extra}; "
        "see /forecast"
    )

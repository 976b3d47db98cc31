"""Perception monitor (Stationsbelevingsmonitor): survey responses, weighted station scores,
evening safety and the list of stations below 6.0.

The public functions are named here; each is imported from its module on first use."""

from __future__ import annotations

from typing import Any

from perron.lazy import exported as _exported

#: every public name and the module it comes from
_EXPORTS = {
    "below_threshold": "perron.monitor.service",
    "generate_into": "perron.monitor.service",
    "import_responses": "perron.monitor.service",
    "map_scores": "perron.monitor.service",
    "overview": "perron.monitor.service",
    "station_scores": "perron.monitor.service",
    "survey_years": "perron.monitor.service",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return _exported(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

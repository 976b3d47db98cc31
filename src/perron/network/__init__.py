"""Network resilience: the rail network as data, criticality of links and stations, outage and
sabotage scenarios, and the threat register tied to the incident history.

The data layer (:mod:`perron.network.model`) is usable on its own: :func:`load_network` and
:func:`load_timetable` read the shipped 2026 service pattern, the link lengths, speeds and border
points. The analysis and the service functions (one per user action; they decide who may call
them and write the audit trail) are loaded on first use.
"""

from typing import Any

from perron.network.model import (
    DEFAULT_WINDOW,
    WINDOW_LABELS,
    WINDOWS,
    BorderPoint,
    Link,
    Network,
    NetworkDataError,
    NetworkStation,
    Series,
    SeriesRoute,
    Timetable,
    load_network,
    load_timetable,
)

#: public name → module that defines it, imported on first use (SciPy, SQLAlchemy)
_LAZY = {
    "criticality": "perron.network.analysis",
    "scenario": "perron.network.analysis",
    "worst_links": "perron.network.analysis",
    "criticality_for": "perron.network.service",
    "run_scenario": "perron.network.service",
    "list_scenarios": "perron.network.service",
    "worst_case": "perron.network.service",
    "read_register": "perron.network.service",
    "compute_register": "perron.network.service",
    "add_threat": "perron.network.service",
    "add_measure": "perron.network.service",
    "grant_clearance": "perron.network.service",
    "clearance_of": "perron.network.service",
    "NetworkAccessDenied": "perron.network.service",
    "register_threat": "perron.network.threats",
    "THREATS": "perron.network.threats",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'perron.network' has no attribute {name!r}")


__all__ = [
    *sorted(_LAZY),
    "DEFAULT_WINDOW",
    "WINDOWS",
    "WINDOW_LABELS",
    "BorderPoint",
    "Link",
    "Network",
    "NetworkDataError",
    "NetworkStation",
    "Series",
    "SeriesRoute",
    "Timetable",
    "load_network",
    "load_timetable",
]

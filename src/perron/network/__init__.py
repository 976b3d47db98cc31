"""Network resilience: the rail network as data, criticality of links and stations, outage and
sabotage scenarios, and the threat register tied to the incident history.

The data layer (:mod:`perron.network.model`) is usable on its own: :func:`load_network` and
:func:`load_timetable` read the shipped 2026 service pattern, the link lengths, speeds and border
points.
"""

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

__all__ = [
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

"""Reference data: stations, the rail network, level crossings and municipalities."""

from perron.reference.bundle import (
    DATA_DIR,
    BundleError,
    Edge,
    LevelCrossingRecord,
    StationRecord,
    edges,
    level_crossings,
    municipalities_geojson,
    size_class,
    station_by_code,
    stations,
    travellers_fit,
)

__all__ = [
    "DATA_DIR",
    "BundleError",
    "Edge",
    "LevelCrossingRecord",
    "StationRecord",
    "edges",
    "level_crossings",
    "municipalities_geojson",
    "size_class",
    "station_by_code",
    "stations",
    "travellers_fit",
]

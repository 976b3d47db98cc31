"""Reference data: stations, the rail network, level crossings and municipalities."""

from perron.reference.bundle import (
    DATA_DIR,
    DISRUPTIONS_FILE,
    BundleError,
    Edge,
    LevelCrossingRecord,
    StationRecord,
    disruptions_file,
    edges,
    level_crossings,
    municipalities_geojson,
    read_data_file,
    size_class,
    station_by_code,
    stations,
    travellers_fit,
)

__all__ = [
    "DATA_DIR",
    "DISRUPTIONS_FILE",
    "BundleError",
    "Edge",
    "LevelCrossingRecord",
    "StationRecord",
    "disruptions_file",
    "edges",
    "level_crossings",
    "municipalities_geojson",
    "read_data_file",
    "size_class",
    "station_by_code",
    "stations",
    "travellers_fit",
]

"""Readers for the reference data shipped in ``perron/reference/data`` (plain csv/json, cached).

The files are built by ``tools/build_reference.py``; ``data/SOURCES.md`` says where every column
comes from. Codes are read as plain strings: ``NA`` is the station Nieuw Amsterdam.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

#: the public disruption file of Rijden de Treinen (2011–2023), shipped gzip-compressed
DISRUPTIONS_FILE = "disruptions-2011-2023.csv.gz"

SIZE_SMALL_BELOW = 10_000
SIZE_LARGE_ABOVE = 25_000
SIZE_CLASSES = ("small", "medium", "large")


class BundleError(ValueError):
    """A shipped reference file is missing or malformed."""


@dataclass(frozen=True)
class StationRecord:
    code: str
    uic: str
    name_short: str
    name_medium: str
    name_long: str
    slug: str
    type: str
    lat: float
    lng: float
    municipality_code: str
    municipality_name: str
    travellers_per_day: int
    travellers_estimated: bool
    size_class: str


@dataclass(frozen=True)
class Edge:
    from_code: str
    to_code: str
    distance_km: float


@dataclass(frozen=True)
class LevelCrossingRecord:
    id: int
    lat: float
    lon: float
    geocode: str
    geocode_name: str
    tracks: int


def size_class(travellers: int) -> str:
    """small below 10,000 travellers a day, large above 25,000, medium in between."""
    if travellers < SIZE_SMALL_BELOW:
        return "small"
    if travellers > SIZE_LARGE_ABOVE:
        return "large"
    return "medium"


def _rows(name: str) -> list[tuple[int, dict[str, str]]]:
    path = DATA_DIR / name
    if not path.exists():
        raise BundleError(f"{path}: reference file missing; run tools/build_reference.py")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(enumerate(csv.DictReader(fh), start=2))


def _convert(name: str, line: int, row: dict[str, str], fld: str, kind: type) -> Any:
    value = row.get(fld)
    if value is None or value == "":
        raise BundleError(f"{DATA_DIR / name}: row {line}: field {fld!r} is empty")
    try:
        return kind(value)
    except ValueError:
        raise BundleError(
            f"{DATA_DIR / name}: row {line}: field {fld!r} is not {kind.__name__}: {value!r}"
        ) from None


@cache
def _stations() -> tuple[StationRecord, ...]:
    out = []
    name = "stations.csv"
    for line, row in _rows(name):

        def get(fld: str, kind: type = str, _line: int = line, _row: dict = row) -> Any:
            return _convert(name, _line, _row, fld, kind)

        out.append(
            StationRecord(
                code=get("code"),
                uic=get("uic"),
                name_short=get("name_short"),
                name_medium=get("name_medium"),
                name_long=get("name_long"),
                slug=get("slug"),
                type=get("type"),
                lat=get("lat", float),
                lng=get("lng", float),
                municipality_code=get("municipality_code"),
                municipality_name=get("municipality_name"),
                travellers_per_day=get("travellers_per_day", int),
                travellers_estimated=get("travellers_estimated", int) == 1,
                size_class=get("size_class"),
            )
        )
    return tuple(out)


def stations() -> list[StationRecord]:
    """All 397 Dutch stations, sorted by code."""
    return list(_stations())


@cache
def _station_by_code() -> dict[str, StationRecord]:
    return {s.code: s for s in _stations()}


def station_by_code() -> dict[str, StationRecord]:
    """Stations keyed by code (a fresh dict; the records are immutable)."""
    return dict(_station_by_code())


@cache
def _edges() -> tuple[Edge, ...]:
    name = "network.csv"
    return tuple(
        Edge(
            from_code=_convert(name, line, row, "from_code", str),
            to_code=_convert(name, line, row, "to_code", str),
            distance_km=_convert(name, line, row, "distance_km", float),
        )
        for line, row in _rows(name)
    )


def edges() -> list[Edge]:
    """Undirected rail links between adjacent stations, each once with from_code < to_code."""
    return list(_edges())


@cache
def _level_crossings() -> tuple[LevelCrossingRecord, ...]:
    name = "level-crossings.csv"
    return tuple(
        LevelCrossingRecord(
            id=_convert(name, line, row, "id", int),
            lat=_convert(name, line, row, "lat", float),
            lon=_convert(name, line, row, "lon", float),
            geocode=_convert(name, line, row, "geocode", str),
            geocode_name=_convert(name, line, row, "geocode_name", str),
            tracks=_convert(name, line, row, "tracks", int),
        )
        for line, row in _rows(name)
    )


def level_crossings() -> list[LevelCrossingRecord]:
    """Level-crossing-like objects of ProRail, sorted by id."""
    return list(_level_crossings())


def _json(name: str) -> Any:
    path = DATA_DIR / name
    if not path.exists():
        raise BundleError(f"{path}: reference file missing; run tools/build_reference.py")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None


@cache
def _municipalities_text() -> str:
    return json.dumps(_json("municipalities.geojson"))


def municipalities_geojson() -> dict[str, Any]:
    """Municipality boundaries (FeatureCollection, properties ``code`` and ``name``); a copy."""
    return json.loads(_municipalities_text())


@cache
def _fit_text() -> str:
    return json.dumps(_json("fit.json"))


def travellers_fit() -> dict[str, Any]:
    """The fit used to estimate travellers for stations without a count; a copy."""
    return json.loads(_fit_text())


def disruptions_file() -> Path:
    """The shipped disruption file of Rijden de Treinen 2011–2023 (gzip-compressed CSV).

    pandas reads it as it is; :func:`read_data_file` gives its plain bytes.
    """
    path = DATA_DIR / DISRUPTIONS_FILE
    if not path.exists():
        raise BundleError(f"{path}: reference file missing; run tools/build_reference.py")
    return path


def read_data_file(path: Path) -> bytes:
    """The bytes of a data file, decompressed when it is gzip-compressed (by content, not name)."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise BundleError(f"{path}: not a readable gzip file: {exc}") from None
    return raw

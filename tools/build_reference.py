"""Rebuild the shipped reference data in src/perron/reference/data/ from the public source data.

Usage:
    .venv/bin/python tools/build_reference.py [--shared DIR] [--out DIR] [--check]

``--shared`` is the folder with the source data (default: ``../shared/data`` next to the
repository). ``--check`` builds into a temporary folder and compares it byte for byte with the
shipped files; it exits non-zero and names every file that differs.

The output is deterministic: rows are sorted, floats have a fixed format and nothing depends on
the clock, so running the build twice gives identical files.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import re
import statistics
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from shapely.geometry import Point, shape
from shapely.geometry import mapping as shapely_mapping
from shapely.strtree import STRtree

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DATA_DIR = REPO / "src" / "perron" / "reference" / "data"

OUTPUT_FILES = (
    "stations.csv",
    "network.csv",
    "level-crossings.csv",
    "municipalities.geojson",
    "fit.json",
    "disruptions-2011-2023.csv.gz",
    "SOURCES.md",
)
#: compressed outputs: compared by their plain content (zlib builds may pack bytes differently)
GZIP_FILES = ("disruptions-2011-2023.csv.gz",)
DISRUPTION_COLUMNS = (
    "rdt_id",
    "rdt_station_codes",
    "cause_nl",
    "statistical_cause_nl",
    "start_time",
)

STATION_COLUMNS = [
    "code",
    "uic",
    "name_short",
    "name_medium",
    "name_long",
    "slug",
    "type",
    "lat",
    "lng",
    "municipality_code",
    "municipality_name",
    "travellers_per_day",
    "travellers_estimated",
    "size_class",
]

# Passenger-table names that no normalisation can match to the 2023 station list: the station
# was renamed after 2018, or the table uses a short form of the name.
PASSENGER_ALIASES: dict[str, str] = {
    "Amersfoort": "AMF",  # now "Amersfoort Centraal"
    "Amsterdam Sciencepark": "ASSP",  # "Amsterdam Science Park"
    "Delft Zuid": "DTCP",  # renamed "Delft Campus" in 2019
    "Den Haag Laan van NOI": "LAA",  # "Den Haag Laan v NOI"
    "Eindhoven": "EHV",  # now "Eindhoven Centraal"
}

# Old station codes still used by some sources.
CODE_RENAMES = {"DTZ": "DTCP"}

SIZE_SMALL_BELOW = 10_000  # small: fewer than 10,000 travellers per day
SIZE_LARGE_ABOVE = 25_000  # large: more than 25,000; medium: 10,000-25,000

SIMPLIFY_TOLERANCE = 0.002  # degrees
COORD_DECIMALS = 4

ATTRIBUTION = [
    "Storingsdata en stationslijst: Rijden de Treinen (CC BY 4.0)",
    "Criminaliteitscijfers en gemeentegrenzen: CBS / Politie (CC BY 4.0)",
    "Spoorinfrastructuur: ProRail BBMS open data",
]


class BuildError(Exception):
    """The source data is not what the build expects."""


def size_class(travellers: int) -> str:
    if travellers < SIZE_SMALL_BELOW:
        return "small"
    if travellers > SIZE_LARGE_ABOVE:
        return "large"
    return "medium"


def fmt(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0." + "0" * decimals if text == "-0." + "0" * decimals else text


def read_csv(path: Path) -> list[dict[str, str]]:
    """Every row as plain strings (``NA`` stays the station code ``NA``)."""
    if not path.exists():
        raise BuildError(f"{path}: source file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def need(path: Path, line: int, row: dict[str, str], name: str) -> str:
    value = row.get(name)
    if value is None or value.strip() == "":
        raise BuildError(f"{path}: row {line}: field {name!r} is empty")
    return value.strip()


def need_float(path: Path, line: int, row: dict[str, str], name: str) -> float:
    value = need(path, line, row, name)
    try:
        number = float(value)
    except ValueError:
        raise BuildError(f"{path}: row {line}: field {name!r} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise BuildError(f"{path}: row {line}: field {name!r} is not finite: {value!r}")
    return number


def need_int(path: Path, line: int, row: dict[str, str], name: str) -> int:
    value = need(path, line, row, name)
    try:
        return int(value)
    except ValueError:
        raise BuildError(
            f"{path}: row {line}: field {name!r} is not an integer: {value!r}"
        ) from None


def normalise_name(name: str) -> str:
    """Lower case, no accents or punctuation, words sorted ("Hertogenbosch 's" = "'s-Hertogenbosch")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("a/d", "aan den")
    return " ".join(sorted(re.sub(r"[^a-z0-9]+", " ", text).split()))


def write_csv(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@dataclass
class Build:
    shared: Path
    out: Path
    stations: dict[str, dict[str, Any]] = field(default_factory=dict)
    municipalities: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    # -- stations ---------------------------------------------------------------------------
    def read_stations(self) -> None:
        path = self.shared / "stations" / "stations-2023-09.csv"
        for line, row in enumerate(read_csv(path), start=2):
            if row.get("country") != "NL":
                continue
            code = need(path, line, row, "code")
            if code in self.stations:
                raise BuildError(f"{path}: row {line}: field 'code': duplicate station {code!r}")
            self.stations[code] = {
                "code": code,
                "uic": need(path, line, row, "uic"),
                "name_short": need(path, line, row, "name_short"),
                "name_medium": need(path, line, row, "name_medium"),
                "name_long": need(path, line, row, "name_long"),
                "slug": need(path, line, row, "slug"),
                "type": need(path, line, row, "type"),
                "lat": need_float(path, line, row, "geo_lat"),
                "lng": need_float(path, line, row, "geo_lng"),
            }
        if len(self.stations) != 397:
            raise BuildError(
                f"{path}: expected 397 stations with country=NL, found {len(self.stations)}"
            )

    # -- municipalities -------------------------------------------------------------------
    def assign_municipalities(self) -> None:
        path = self.shared / "geo" / "municipalities-2023.geojson"
        if not path.exists():
            raise BuildError(f"{path}: source file not found")
        data = json.loads(path.read_text(encoding="utf-8"))
        seen: set[str] = set()
        for i, feature in enumerate(data.get("features", [])):
            props = feature.get("properties") or {}
            code, name = props.get("statcode"), props.get("statnaam")
            if not code or not name:
                raise BuildError(f"{path}: feature {i}: field 'statcode'/'statnaam' is empty")
            if code in seen:
                raise BuildError(f"{path}: feature {i}: field 'statcode': duplicate {code!r}")
            seen.add(code)
            geom = shape(feature["geometry"])
            if not geom.is_valid:
                geom = geom.buffer(0)
            self.municipalities.append({"code": code, "name": name, "geom": geom})
        self.municipalities.sort(key=lambda m: m["code"])
        geoms = [m["geom"] for m in self.municipalities]
        tree = STRtree(geoms)
        nearest: list[str] = []
        overlaps: list[str] = []
        for code in sorted(self.stations):
            st = self.stations[code]
            pt = Point(st["lng"], st["lat"])
            hits = sorted(int(i) for i in tree.query(pt, predicate="intersects"))
            if len(hits) > 1:
                # simplified borders may overlap: take the polygon the point lies deepest in
                overlaps.append(code)
                hits.sort(key=lambda i: (-geoms[i].exterior_distance(pt), i))
            if hits:
                idx = hits[0]
            else:
                # outside every polygon (coast, simplified border): nearest polygon, with
                # longitude scaled so distances are roughly isotropic at Dutch latitudes
                scale = math.cos(math.radians(st["lat"]))
                idx = min(
                    range(len(geoms)),
                    key=lambda i: (_scaled_distance(geoms[i], pt, scale), i),
                )
                nearest.append(code)
            st["municipality_code"] = self.municipalities[idx]["code"]
            st["municipality_name"] = self.municipalities[idx]["name"]
        self.notes["nearest_polygon"] = nearest
        self.notes["overlapping_polygons"] = overlaps
        self.notes["municipalities_source"] = len(self.municipalities)

    # -- travellers -------------------------------------------------------------------------
    def travellers(self) -> None:
        path = self.shared / "stations" / "passengers-2018.csv"
        index: dict[str, set[str]] = {}
        for code, st in self.stations.items():
            for key in ("name_long", "name_medium", "name_short"):
                index.setdefault(normalise_name(st[key]), set()).add(code)
        matched: dict[str, str] = {}
        aliases_used: dict[str, str] = {}
        measured: dict[str, int] = {}
        rows = read_csv(path)
        for line, row in enumerate(rows, start=2):
            name = need(path, line, row, "station")
            if name in PASSENGER_ALIASES:
                code = PASSENGER_ALIASES[name]
                if code not in self.stations:
                    raise BuildError(
                        f"{path}: row {line}: alias for {name!r} names unknown {code!r}"
                    )
                aliases_used[name] = code
            else:
                codes = index.get(normalise_name(name), set())
                if len(codes) != 1:
                    found = ", ".join(sorted(codes)) or "no station"
                    raise BuildError(
                        f"{path}: row {line}: field 'station': {name!r} matches {found}"
                    )
                code = next(iter(codes))
            if code in matched:
                raise BuildError(
                    f"{path}: row {line}: field 'station': {name!r} and {matched[code]!r} "
                    f"both match station {code}"
                )
            matched[code] = name
            value = need_float(path, line, row, "in_uit_2018")
            if value <= 0:
                raise BuildError(f"{path}: row {line}: field 'in_uit_2018' is not positive")
            measured[code] = int(round(value))
        if len(rows) != 252:
            raise BuildError(f"{path}: expected 252 rows, found {len(rows)}")

        spath = self.shared / "stations" / "train-services-2023-01.csv"
        services: dict[str, int] = {}
        unknown_services: list[str] = []
        for line, row in enumerate(read_csv(spath), start=2):
            code = need(spath, line, row, "Station Code")
            code = CODE_RENAMES.get(code, code)
            count = need_int(spath, line, row, "Number of Services")
            if code not in self.stations:
                unknown_services.append(code)
                continue
            if code in services:
                raise BuildError(f"{spath}: row {line}: field 'Station Code': duplicate {code!r}")
            services[code] = count

        both = sorted(c for c in measured if services.get(c, 0) > 0)
        x = np.array([math.log(services[c]) for c in both])
        y = np.array([math.log(measured[c]) for c in both])
        design = np.column_stack([np.ones_like(x), x])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        intercept, slope = float(coef[0]), float(coef[1])
        resid = y - design @ coef
        r2 = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
        # leave-one-out predictions of the linear fit via the hat matrix (exact for OLS)
        hat = np.einsum("ij,jk,ik->i", design, np.linalg.inv(design.T @ design), design)
        loo_log = y - resid / (1.0 - hat)
        loo_rel = np.abs(np.exp(loo_log) - np.exp(y)) / np.exp(y)
        in_sample_rel = np.abs(np.exp(design @ coef) - np.exp(y)) / np.exp(y)
        fit = {
            "model": "ln(travellers_per_day) = intercept + slope * ln(services_per_month)",
            "target": "in_uit_2018 (passengers-2018.csv)",
            "predictor": "Number of Services, January 2023 (train-services-2023-01.csv)",
            "n": len(both),
            "intercept": round(intercept, 6),
            "slope": round(slope, 6),
            "r2": round(r2, 6),
            "loo_median_abs_rel_error": round(float(np.median(loo_rel)), 6),
            "loo_mean_abs_rel_error": round(float(np.mean(loo_rel)), 6),
            "in_sample_median_abs_rel_error": round(float(np.median(in_sample_rel)), 6),
            "error_measure": "median of |predicted - actual| / actual, leave-one-out",
        }

        fitted, typed = [], []
        for code in sorted(self.stations):
            st = self.stations[code]
            if code in measured:
                st["travellers_per_day"], st["travellers_estimated"] = measured[code], False
            elif services.get(code, 0) > 0:
                value = math.exp(intercept + slope * math.log(services[code]))
                st["travellers_per_day"], st["travellers_estimated"] = int(round(value)), True
                fitted.append(code)
            else:
                typed.append(code)
        # stations in neither table: median of the stations of the same type that have a
        # measured or a fitted figure
        by_type: dict[str, list[int]] = {}
        for code, st in self.stations.items():
            if code not in typed:
                by_type.setdefault(st["type"], []).append(st["travellers_per_day"])
        type_medians = {}
        for code in typed:
            st = self.stations[code]
            same = by_type.get(st["type"])
            if not same:
                raise BuildError(f"{path}: no station of type {st['type']!r} to estimate {code}")
            type_medians[st["type"]] = int(round(statistics.median(same)))
            st["travellers_per_day"], st["travellers_estimated"] = type_medians[st["type"]], True
        for st in self.stations.values():
            st["size_class"] = size_class(st["travellers_per_day"])
        fit["estimated_from_services"] = len(fitted)
        fit["estimated_from_type_median"] = len(typed)
        self.notes.update(
            fit=fit,
            aliases=aliases_used,
            measured=len(measured),
            fitted=fitted,
            typed=typed,
            type_medians=type_medians,
            services_not_nl=sorted(unknown_services),
        )

    def write_stations(self) -> None:
        rows = []
        for code in sorted(self.stations):
            st = self.stations[code]
            rows.append(
                [
                    code,
                    st["uic"],
                    st["name_short"],
                    st["name_medium"],
                    st["name_long"],
                    st["slug"],
                    st["type"],
                    fmt(st["lat"], 6),
                    fmt(st["lng"], 6),
                    st["municipality_code"],
                    st["municipality_name"],
                    str(st["travellers_per_day"]),
                    "1" if st["travellers_estimated"] else "0",
                    st["size_class"],
                ]
            )
        write_csv(self.out / "stations.csv", STATION_COLUMNS, rows)
        fit = self.notes["fit"]
        (self.out / "fit.json").write_text(
            json.dumps(fit, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )

    # -- network ---------------------------------------------------------------------------
    def network(self) -> None:
        path = self.shared / "network" / "adjacent-stations.csv"
        edges: dict[tuple[str, str], str] = {}
        for line, row in enumerate(read_csv(path), start=2):
            a = need(path, line, row, "from_code")
            b = need(path, line, row, "to_code")
            a, b = CODE_RENAMES.get(a, a), CODE_RENAMES.get(b, b)
            for name, code in (("from_code", a), ("to_code", b)):
                if code not in self.stations:
                    raise BuildError(
                        f"{path}: row {line}: field {name!r}: unknown station {code!r}"
                    )
            if a == b:
                raise BuildError(f"{path}: row {line}: edge from {a} to itself")
            km = need_float(path, line, row, "distance_km")
            if km <= 0:
                raise BuildError(f"{path}: row {line}: field 'distance_km' is not positive")
            key = (a, b) if a < b else (b, a)
            if key in edges:
                raise BuildError(f"{path}: row {line}: duplicate edge {key[0]}-{key[1]}")
            edges[key] = fmt(km, 1)
        rows = [[a, b, km] for (a, b), km in sorted(edges.items())]
        write_csv(self.out / "network.csv", ["from_code", "to_code", "distance_km"], rows)
        self.notes["edges"] = len(rows)
        self.notes["network_stations"] = len({c for key in edges for c in key})

    def level_crossings(self) -> None:
        path = self.shared / "network" / "level-crossings-v17.csv"
        rows: dict[int, list[str]] = {}
        for line, row in enumerate(read_csv(path), start=2):
            ident = need_int(path, line, row, "overweg_idx")
            if ident in rows:
                raise BuildError(f"{path}: row {line}: field 'overweg_idx': duplicate {ident}")
            lat = need_float(path, line, row, "lat")
            lon = need_float(path, line, row, "lon")
            if not (50.0 < lat < 54.0 and 3.0 < lon < 7.5):
                raise BuildError(f"{path}: row {line}: field 'lat'/'lon' outside the Netherlands")
            rows[ident] = [
                str(ident),
                fmt(lat, 6),
                fmt(lon, 6),
                need(path, line, row, "geocode"),
                need(path, line, row, "geocode_name"),
                str(need_int(path, line, row, "n_track_rows")),
            ]
        write_csv(
            self.out / "level-crossings.csv",
            ["id", "lat", "lon", "geocode", "geocode_name", "tracks"],
            [rows[k] for k in sorted(rows)],
        )
        self.notes["level_crossings"] = len(rows)

    def write_municipalities(self) -> None:
        features = []
        for m in self.municipalities:
            geom = m["geom"].simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": m["code"], "name": m["name"]},
                    "geometry": _round_geometry(shapely_mapping(geom), COORD_DECIMALS),
                }
            )
        doc = {"type": "FeatureCollection", "features": features}
        text = json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n"
        (self.out / "municipalities.geojson").write_text(text, encoding="utf-8")
        self.notes["municipalities_bytes"] = len(text.encode())

    # -- disruptions -----------------------------------------------------------------------
    def disruptions(self) -> None:
        """The disruption file as it is, gzip-compressed without name or time stamp."""
        path = self.shared / "disruptions" / "disruptions-2011-2023.csv"
        if not path.exists():
            raise BuildError(f"{path}: source file not found")
        raw = path.read_bytes()
        rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
        missing = [c for c in DISRUPTION_COLUMNS if rows and c not in rows[0]]
        if not rows or missing:
            raise BuildError(f"{path}: row 1 (header): missing field(s) {', '.join(missing)}")
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
        (self.out / "disruptions-2011-2023.csv.gz").write_bytes(packed)
        years = sorted({r["start_time"][:4] for r in rows if r["start_time"][:4].isdigit()})
        self.notes["disruptions"] = {
            "rows": len(rows),
            "bytes": len(raw),
            "packed_bytes": len(packed),
            "first_year": years[0],
            "last_year": years[-1],
        }

    # -- sources note ---------------------------------------------------------------------
    def write_sources(self) -> None:
        n = self.notes
        fit = n["fit"]
        dis = n["disruptions"]
        aliases = "\n".join(
            f"  - `{name}` → `{code}` ({self.stations[code]['name_long']})"
            for name, code in sorted(n["aliases"].items())
        )
        typed = ", ".join(
            f"`{c}` ({self.stations[c]['type']}, {self.stations[c]['travellers_per_day']})"
            for c in n["typed"]
        )
        nearest = ", ".join(
            f"`{c}` → {self.stations[c]['municipality_code']}" for c in n["nearest_polygon"]
        )
        text = f"""# Sources of the shipped reference data

Generated by `tools/build_reference.py` from the public source data described in the shared
data README; do not edit by hand (`tools/build_reference.py --check` verifies these files).
Paths below are relative to that data folder.

Attribution (carry wherever the data is shown):

{chr(10).join(f'- "{line}"' for line in ATTRIBUTION)}

## stations.csv

{len(self.stations)} stations: every row of `stations/stations-2023-09.csv` with `country=NL`
(Rijden de Treinen open data, CC0). Codes are read as plain strings (`NA` is Nieuw Amsterdam).
Coordinates with 6 decimals.

- `municipality_code`, `municipality_name`: the municipality polygon of
  `geo/municipalities-2023.geojson` (CBS/PDOK, CC BY 4.0; `statcode`, `statnaam`) that contains
  the station (point in polygon against the unsimplified source polygons).
  Stations just outside every polygon (coast, simplified borders) get the nearest polygon
  (longitude scaled by cos(latitude)): {len(n["nearest_polygon"])} ({nearest or "none"}).
  Stations inside more than one polygon (overlapping borders) get the one they lie deepest in:
  {len(n["overlapping_polygons"])}.
- `travellers_per_day`: boarding plus alighting travellers on an average working day in 2018
  (`in_uit_2018` of `stations/passengers-2018.csv`, NS annual publication) for the
  {n["measured"]} stations in that table; `travellers_estimated=0`. The table is keyed by station
  name; names are matched against `name_long`, `name_medium` and `name_short` after
  normalisation (lower case, accents and punctuation removed, `a/d` = `aan den`, word order
  ignored), every one of its 252 rows to exactly one distinct station. Explicit aliases for
  names that changed or are abbreviated differently:
{aliases}
- {fit["estimated_from_services"]} other stations (`travellers_estimated=1`): estimated from
  the number of train services in January 2023 (`Number of Services` of
  `stations/train-services-2023-01.csv`, joined by `Station Code`, derived by a public student
  project from the Rijden de Treinen train archive) with a log-log linear least-squares fit on
  the {fit["n"]} stations that have both:
  `ln(travellers) = {fit["intercept"]:.4f} + {fit["slope"]:.4f} × ln(services)`;
  R² = {fit["r2"]:.3f} (log space); median absolute relative error
  {fit["loo_median_abs_rel_error"]:.1%} by leave-one-out ({fit["in_sample_median_abs_rel_error"]:.1%}
  in sample, leave-one-out mean {fit["loo_mean_abs_rel_error"]:.1%}). Rounded to integers.
  The fit is made on the larger stations only; for small stations it is the best available
  proxy, not a count, and carries more uncertainty.
- {fit["estimated_from_type_median"]} stations missing from the services table too
  (`travellers_estimated=1`): the median figure (measured or fitted) of the stations of the
  same `type`, rounded: {typed or "none"}.
- `size_class`: small (< 10,000), medium (10,000–25,000), large (> 25,000) travellers per day.

## network.csv

{n["edges"]} undirected edges between {n["network_stations"]} stations from
`network/adjacent-stations.csv` (hand-compiled public list of inter-station rail distances),
`DTZ` (old code) replaced by `DTCP`, each edge written once with `from_code < to_code`; every
code is one of the stations above (the build fails otherwise).

## level-crossings.csv

{n["level_crossings"]} level-crossing-like objects from `network/level-crossings-v17.csv`
(derived from ProRail BBMS open data, MIT): `id` = `overweg_idx`, `lat`, `lon`, ProRail
`geocode` and `geocode_name`, `tracks` = `n_track_rows`. ProRail counts about 2,500 public
crossings; the rest are private or split multi-track crossings.

## municipalities.geojson

{len(self.municipalities)} municipality boundaries from `geo/municipalities-2023.geojson`
(CBS/PDOK, CC BY 4.0), simplified further (shapely `simplify`, tolerance {SIMPLIFY_TOLERANCE}°,
topology preserved per polygon), coordinates rounded to {COORD_DECIMALS} decimals, properties
`code` (`statcode`) and `name` (`statnaam`). Meant for maps, not for exact geometry.

## fit.json

The travellers fit described under stations.csv: coefficients, R², leave-one-out error, n.

## disruptions-2011-2023.csv.gz

`disruptions/disruptions-2011-2023.csv` unchanged, gzip-compressed: {dis["rows"]:,} disruptions
{dis["first_year"]}–{dis["last_year"]}, {dis["bytes"]:,} bytes plain, {dis["packed_bytes"]:,} compressed.
Every disruption communicated on the Dutch rail network, from the open data of Rijden de Treinen
(<https://www.rijdendetreinen.nl/en/open-data/disruptions>, CC BY 4.0; attribution
"Storingsdata: Rijden de Treinen"). One row per disruption with the affected lines and
stations, the cause (Dutch and English, plus the statistical cause) and start, end and
duration; nothing in it describes persons. Read by the registry demo (`perron incidents
import-disruptions` without a file: its safety-related rows become incidents of the public
source) and by the forecast (`perron forecast` without `--data`). `tools/build_reference.py
--check` compares its plain content with the source file.
"""
        (self.out / "SOURCES.md").write_text(text, encoding="utf-8")


def _scaled_distance(geom: Any, pt: Point, scale: float) -> float:
    from shapely import affinity

    return affinity.scale(geom, xfact=scale, yfact=1.0, origin=(0, 0)).distance(
        Point(pt.x * scale, pt.y)
    )


def _round_geometry(geom: Any, decimals: int) -> Any:
    if isinstance(geom, dict):
        return {k: _round_geometry(v, decimals) for k, v in geom.items()}
    if isinstance(geom, list | tuple):
        if geom and all(isinstance(v, int | float) for v in geom):
            return [round(float(v), decimals) for v in geom]
        return [_round_geometry(v, decimals) for v in geom]
    return geom


def _content(path: Path) -> bytes:
    """A file's bytes; the plain bytes of a gzip output (and a marker when it does not unpack)."""
    raw = path.read_bytes()
    if path.name in GZIP_FILES:
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError):
            return b"\0not a readable gzip file"
    return raw


def build(shared: Path, out: Path, console: Console | None = None) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    b = Build(shared=shared, out=out)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("stations", b.read_stations),
        ("municipalities", b.assign_municipalities),
        ("travellers", b.travellers),
        ("write stations", b.write_stations),
        ("network", b.network),
        ("level crossings", b.level_crossings),
        ("boundaries", b.write_municipalities),
        ("disruptions", b.disruptions),
        ("sources", b.write_sources),
    ]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=False,
    ) as progress:
        task = progress.add_task("reference data", total=len(steps))
        for name, fn in steps:
            progress.update(task, description=f"reference data: {name}")
            fn()
            progress.advance(task)
    return b.notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="source data folder")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    parser.add_argument("--check", action="store_true", help="compare a fresh build, write nothing")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = Path(tmp)
                build(args.shared, fresh, console)
                differ = []
                for name in OUTPUT_FILES:
                    shipped = args.out / name
                    if not shipped.exists():
                        differ.append(f"{shipped}: missing")
                    elif _content(shipped) != _content(fresh / name):
                        differ.append(f"{shipped}: differs from a fresh build")
            if differ:
                for line in differ:
                    print(line, file=sys.stderr)
                return 1
            print(f"reference data up to date: {len(OUTPUT_FILES)} files in {args.out}")
            return 0
        notes = build(args.shared, args.out, console)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 2
    fit = notes["fit"]
    print(
        f"stations: 397 ({notes['measured']} measured, {len(notes['fitted'])} from services fit,"
        f" {len(notes['typed'])} from type median: {', '.join(notes['typed'])})"
    )
    print(f"nearest polygon: {len(notes['nearest_polygon'])} {notes['nearest_polygon']}")
    print(
        f"overlapping polygons: {len(notes['overlapping_polygons'])} {notes['overlapping_polygons']}"
    )
    print(f"aliases: {notes['aliases']}")
    print(
        f"fit: intercept={fit['intercept']} slope={fit['slope']} r2={fit['r2']}"
        f" loo_median_abs_rel_error={fit['loo_median_abs_rel_error']} n={fit['n']}"
    )
    print(
        f"edges: {notes['edges']}, level crossings: {notes['level_crossings']},"
        f" municipalities.geojson: {notes['municipalities_bytes']} bytes"
    )
    print(f"services rows not in the NL station list: {notes['services_not_nl']}")
    d = notes["disruptions"]
    print(f"disruptions: {d['rows']} rows, {d['bytes']} bytes, {d['packed_bytes']} gzip-compressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

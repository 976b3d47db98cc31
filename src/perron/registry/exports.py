"""Exports of what a user may see: CSV, GeoJSON and Parquet (the table exporters of Perron in
the ``perron.exporters`` registry, :mod:`perron.interop.exporters`).

The rows come from :mod:`perron.registry.queries`, already filtered by the access policy: a
column is present only when the user may see that field for at least one row, and a cell is
empty where the field is not granted for that row's owner. Aggregate-only users get aggregates.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from perron.interop.exporters import Exporter, ExportError, export_table

__all__ = ["CSV", "GEOJSON", "PARQUET", "ExportError", "render", "safe_cell", "to_csv"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell's text, with a leading ``'`` where a spreadsheet would run it as a formula.
    Numbers are left as they are (a negative number is no formula)."""
    text = _text(value)
    if isinstance(value, str) and text.startswith(FORMULA_LEADS):
        return "'" + text
    return text


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """CSV with every text cell neutralised (see :func:`safe_cell`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_geojson(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], lat: str = "lat", lng: str = "lng"
) -> bytes:
    """A FeatureCollection: points where a position is known (and granted), else no geometry."""
    features = []
    for row in rows:
        y, x = row.get(lat), row.get(lng)
        geometry = (
            {"type": "Point", "coordinates": [round(float(x), 6), round(float(y), 6)]}
            if x is not None and y is not None
            else None
        )
        props = {c: _json_value(row.get(c)) for c in columns if c not in (lat, lng)}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def to_parquet(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = {c: [row.get(c) for row in rows] for c in columns}
    arrays = {}
    for c, values in data.items():
        try:
            arrays[c] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[c] = pa.array([None if v is None else _text(v) for v in values], pa.string())
    table = pa.table(arrays) if arrays else pa.table({})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def render(fmt: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """The table in export format ``fmt`` (any table exporter of the registry)."""
    return export_table(fmt, rows, columns)


CSV = Exporter("csv", "text/csv; charset=utf-8", "csv", "comma-separated values", table=to_csv)
GEOJSON = Exporter(
    "geojson", "application/geo+json", "geojson", "GeoJSON FeatureCollection", table=to_geojson
)
PARQUET = Exporter(
    "parquet", "application/vnd.apache.parquet", "parquet", "Apache Parquet", table=to_parquet
)

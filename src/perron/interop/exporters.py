"""Export formats, chosen by name in one place.

An :class:`Exporter` writes a table (rows of the registry: CSV, GeoJSON, Parquet) or one alert
(CAP 1.2, NGSI-LD, the API's JSON), or both. Exporters are found in the ``perron.exporters``
entry point group; Perron's own formats are declared there like those of any other package.
The registry's exports, the alert export of API and command line and the webhook deliveries
all look formats up here, so a format added by a package is offered everywhere at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from perron.plugins import Registry, UnknownPlugin, instance_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from perron.store.tables.live import Alert

__all__ = [
    "EXPORTERS",
    "ExportError",
    "Exporter",
    "alert_formats",
    "export_alert",
    "export_table",
    "exporter",
    "table_formats",
]

TableWriter = Callable[[Sequence[dict[str, Any]], Sequence[str]], bytes]
AlertWriter = Callable[["Session", "Alert"], bytes]


class ExportError(ValueError):
    """An export that cannot be made (unknown format, or one that cannot write this shape)."""


@dataclass(frozen=True)
class Exporter:
    """One export format: its media type, file extension and writers."""

    name: str
    media_type: str
    extension: str
    description: str = ""
    #: rows and columns → file content (tables of the registry)
    table: TableWriter | None = None
    #: session and alert → document (one alert)
    alert: AlertWriter | None = None


EXPORTERS: Registry[Exporter] = Registry(
    "perron.exporters",
    instance_of(Exporter),
    builtin=("cap", "csv", "geojson", "json", "ngsi-ld", "parquet"),
)

Shape = Literal["table", "alert"]


def _formats(shape: Shape) -> list[str]:
    return [n for n, e in EXPORTERS.items() if getattr(e, shape) is not None]


def table_formats() -> list[str]:
    """The formats that write tables (incident exports)."""
    return _formats("table")


def alert_formats() -> list[str]:
    """The formats that write one alert (alert export, webhooks)."""
    return _formats("alert")


def exporter(name: str, shape: Shape) -> Exporter:
    """The exporter ``name`` that can write ``shape``; ExportError names the choices."""
    try:
        found = EXPORTERS.get(name)
    except UnknownPlugin:
        found = None
    if found is None or getattr(found, shape) is None:
        raise ExportError(
            f"unknown export format {name!r}; choose one of {', '.join(_formats(shape))}"
        )
    return found


def export_table(name: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    writer = exporter(name, "table").table
    assert writer is not None
    return writer(rows, columns)


def export_alert(name: str, session: Session, alert: Alert) -> bytes:
    writer = exporter(name, "alert").alert
    assert writer is not None
    return writer(session, alert)

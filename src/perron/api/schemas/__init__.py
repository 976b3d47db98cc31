"""Response models of the API, one module per capability, so ``/openapi.json`` says what every
endpoint returns.

The models describe the JSON the endpoints have always returned: every key a client relies on
is a field, and :class:`Out` keeps any further key the service adds (``extra="allow"``), so a
model documents an answer without ever dropping part of it. Times are passed through as the
service gives them (a ``datetime`` or an ISO 8601 string).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema

__all__ = ["Day", "GeoJSON", "Out", "Timestamp"]


class Out(BaseModel):
    """Base of every response model: documented keys, and no key of the answer dropped."""

    model_config = ConfigDict(extra="allow")


#: a moment as ISO 8601 text (``2026-03-01T22:15:00+01:00``)
Timestamp = Annotated[
    datetime | str, WithJsonSchema({"type": "string", "description": "ISO 8601 date and time"})
]
#: a calendar day as ISO 8601 text (``2026-03-01``)
Day = Annotated[date | str, WithJsonSchema({"type": "string", "description": "ISO 8601 date"})]


class Feature(Out):
    type: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class GeoJSON(Out):
    """A GeoJSON FeatureCollection (RFC 7946)."""

    type: str
    features: list[Feature]

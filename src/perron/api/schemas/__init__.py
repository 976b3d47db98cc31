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

from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

__all__ = ["Day", "GeoJSON", "Number", "Out", "Timestamp"]


class Out(BaseModel):
    """Base of every response model: documented keys, no key of the answer dropped, and the
    keys in the order the service gave them."""

    # from_attributes: a route may also hand over the service's typed result (a dataclass)
    model_config = ConfigDict(extra="allow", from_attributes=True)
    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_order(cls, data: Any, handler: ModelWrapValidatorHandler[Out]) -> Out:
        out = handler(data)
        if isinstance(data, dict):
            out._order = tuple(data)
        return out

    # no return annotation: with one, pydantic would document the answer by it instead of by
    # the model's fields
    @model_serializer(mode="wrap")
    def _in_given_order(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        out = handler(self)
        if not self._order or not isinstance(out, dict):
            return out
        given = {k: out[k] for k in self._order if k in out}
        return given | {k: v for k, v in out.items() if k not in given}


#: a number as the service computed it: an integer stays an integer (``0``, not ``0.0``)
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]


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

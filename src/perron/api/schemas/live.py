"""Response models of event ingestion."""

from __future__ import annotations

from pydantic import Field

from perron.api.schemas import Out

__all__ = ["Ingested"]


class Ingested(Out):
    accepted: int = Field(description="events in the request")
    stored: int = Field(description="events stored (new)")
    duplicates: int = Field(description="events already stored before")
    alerts: list[int] = Field(description="ids of the alerts the events opened or updated")

"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import func, select

from perron import __version__
from perron.api.deps import DbSession
from perron.api.schemas import Out
from perron.store.dialect import dialect_name
from perron.store.tables.reference import Station

router = APIRouter(prefix="/api", tags=["health"])


class Health(Out):
    status: str
    version: str
    database: str = Field(description="the database dialect: sqlite or postgresql")
    stations: int = Field(description="stations in the reference data")


@router.get("/health", summary="Health of the service and its database", response_model=Health)
def health(db: DbSession) -> dict[str, Any]:
    stations = db.scalar(select(func.count()).select_from(Station)) or 0
    return {
        "status": "ok",
        "version": __version__,
        "database": dialect_name(db),
        "stations": stations,
    }

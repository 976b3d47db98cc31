"""The one store: SQLAlchemy tables, engines, sessions and Alembic migrations."""

from perron.store.base import Base
from perron.store.db import engine_for, make_engine, session_factory, transaction, upgrade
from perron.store.types import UTCDateTime

__all__ = [
    "Base",
    "UTCDateTime",
    "engine_for",
    "make_engine",
    "session_factory",
    "transaction",
    "upgrade",
]

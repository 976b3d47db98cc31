"""Demo data of the access capability: the documented default agreements."""

from __future__ import annotations

from perron.config import Settings
from perron.store.db import engine_for, transaction


def prepare(settings: Settings) -> str:
    """Create the default agreements that are missing (idempotent)."""
    from perron.access import agreements

    with transaction(engine_for(settings.database_url)) as session:
        made = agreements.ensure_defaults(session, actor="perron-demo")
        total = len(agreements.active(session))
    return f"agreements: {total} in force ({made} created)"

"""Demo data of the registry: the real disruption incidents and a year of synthetic ones."""

from __future__ import annotations

from perron.config import Settings
from perron.store.db import engine_for, transaction

DEMO_YEAR = 2024


def prepare(settings: Settings) -> str:
    """Import the public disruption file (when found) and one synthetic year; idempotent."""
    from perron.registry import incidents, linking
    from perron.registry.disruptions import default_disruptions_file, import_disruptions
    from perron.registry.synthetic import generate

    engine = engine_for(settings.database_url)
    note = "disruption file not found"
    path = default_disruptions_file()
    if path is not None:
        with transaction(engine) as session:
            result = import_disruptions(session, path, "perron-demo")
        note = f"{result.created + result.unchanged} public disruption incidents"
    with transaction(engine) as session:
        generate(session, DEMO_YEAR, seed=1)
        linking.propose_links(session, actor="perron-demo")
    with transaction(engine) as session:
        total = incidents.summary(session)
    return (
        f"incidents: {total['total']} ({note}; {total['synthetic']} synthetic, "
        f"{total['links'].get('proposed', 0)} proposed links)"
    )

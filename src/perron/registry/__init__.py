"""The national incident registry: import, versions, linking, queries and exports.

Its writes (import, correct, link decisions, the public and synthetic loads) are the service
functions of :mod:`perron.registry.service`, which every front end calls.

The public functions are named here; each is imported from its module on first use, so that
importing the package stays cheap and free of cycles."""

from __future__ import annotations

from typing import Any

from perron.lazy import exported as _exported

#: every public name and the module it comes from
_EXPORTS = {
    "RegistryError": "perron.registry.incidents",
    "record_incident": "perron.registry.incidents",
    "Corrected": "perron.registry.service",
    "LinkDecided": "perron.registry.service",
    "correct_incident": "perron.registry.service",
    "generate_synthetic": "perron.registry.service",
    "import_disruptions": "perron.registry.service",
    "import_incidents": "perron.registry.service",
    "may_write": "perron.registry.service",
    "history": "perron.registry.incidents",
    "summary": "perron.registry.incidents",
    "AccessDenied": "perron.registry.queries",
    "Aggregate": "perron.registry.queries",
    "Filters": "perron.registry.queries",
    "NotFound": "perron.registry.queries",
    "Page": "perron.registry.queries",
    "QueryError": "perron.registry.queries",
    "aggregate": "perron.registry.queries",
    "explain_access": "perron.registry.queries",
    "export": "perron.registry.queries",
    "get_incident": "perron.registry.queries",
    "list_incidents": "perron.registry.queries",
    "station_counts": "perron.registry.queries",
    "LinkError": "perron.registry.linking",
    "Proposal": "perron.registry.linking",
    "decide_link": "perron.registry.service",
    "list_links": "perron.registry.service",
    "propose_links": "perron.registry.service",
    "ImportRejected": "perron.registry.importers",
    "ImportResult": "perron.registry.importers",
    "import_file": "perron.registry.importers",
    "load_profile": "perron.registry.profiles",
    "load_profile_file": "perron.registry.profiles",
    "erase": "perron.registry.retention",
    "purge": "perron.registry.retention",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return _exported(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

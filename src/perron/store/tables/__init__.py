"""Every table of the store, one module per capability; importing this registers them all."""

import importlib

from perron.store.tables import access, accounts, forecast, live, monitor, reference, registry

__all__ = ["access", "accounts", "forecast", "live", "monitor", "reference", "registry"]

#: capabilities whose tables live in a module of their own here (a module may be absent)
CAPABILITY_TABLES = (
    "programme",
    "effect",
    "inspections",
    "network",
    "military",
    "joint",
    "cluster",
)
for _name in CAPABILITY_TABLES:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_name}":
            raise

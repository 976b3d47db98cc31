"""Every table of the store, one module per capability; importing this registers them all."""

from perron.store.tables import access, accounts, forecast, live, monitor, reference, registry

__all__ = ["access", "accounts", "forecast", "live", "monitor", "reference", "registry"]

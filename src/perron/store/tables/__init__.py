"""Every table of the store, one module per capability; importing this registers them all."""

from perron.store.tables import accounts, forecast, live, monitor, reference, registry

__all__ = ["accounts", "forecast", "live", "monitor", "reference", "registry"]

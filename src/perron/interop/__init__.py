"""Exchange formats: CAP 1.2 (OASIS Common Alerting Protocol) and the NGSI-LD ``Alert`` entity.

The public functions are named here; each is imported from its module on first use."""

from __future__ import annotations

from typing import Any

from perron.lazy import exported as _exported

#: every public name and the module it comes from
_EXPORTS = {
    "CapInvalid": "perron.interop.cap",
    "alert_to_cap": "perron.interop.cap",
    "NgsiInvalid": "perron.interop.ngsi_ld",
    "alert_to_ngsi_ld": "perron.interop.ngsi_ld",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return _exported(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

"""Live sensing and alerts: events from sensors, correlation rules, alerts and their lifecycle.

The public functions are named here; each is imported from its module on first use."""

from __future__ import annotations

from typing import Any

from perron.lazy import exported as _exported

#: every public name and the module it comes from
_EXPORTS = {
    "AlertError": "perron.live.alerts",
    "AlertForbidden": "perron.live.alerts",
    "AlertNotFound": "perron.live.alerts",
    "apply_changes": "perron.live.alerts",
    "escalate_due": "perron.live.alerts",
    "get_alert": "perron.live.alerts",
    "housekeeping": "perron.live.alerts",
    "list_alerts": "perron.live.alerts",
    "transition": "perron.live.alerts",
    "transitions": "perron.live.alerts",
    "UnitError": "perron.live.units",
    "create_unit": "perron.live.units",
    "get_unit": "perron.live.units",
    "list_units": "perron.live.units",
    "propose": "perron.live.units",
    "update_unit": "perron.live.units",
    "DeliveryRun": "perron.live.webhooks",
    "WebhookError": "perron.live.webhooks",
    "deliver_due": "perron.live.webhooks",
    "subscribe": "perron.live.webhooks",
    "response_times": "perron.live.kpi",
    "Correlator": "perron.live.rules",
    "RuleSet": "perron.live.rules",
    "RulesError": "perron.live.rules",
    "load_rules": "perron.live.rules",
    "parse_rules": "perron.live.rules",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return _exported(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

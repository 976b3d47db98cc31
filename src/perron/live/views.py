"""Who may see and act on an alert, and the JSON form of an alert.

Below :mod:`perron.live.alerts`, :mod:`perron.live.units` and :mod:`perron.live.webhooks`, which
all apply these rules.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.interop.exporters import Exporter
from perron.live.routing import acting_parties
from perron.store.tables.live import Alert
from perron.store.tables.reference import Station

ACTING_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})


def parties_of(alert: Alert) -> frozenset[str]:
    """The parties that may see and act on ``alert`` (see perron.live.routing)."""
    return acting_parties(alert.responsible_party, alert.domain, alert.severity)


def can_see(principal: Principal, alert: Alert) -> bool:
    return principal.party_code in parties_of(alert)


def can_act(principal: Principal, alert: Alert) -> bool:
    return principal.role in ACTING_ROLES and can_see(principal, alert)


def visible_query(principal: Principal | None):
    """A select of the alerts ``principal`` may see (all of them for None: the command line)."""
    q = select(Alert)
    if principal is None:
        return q
    party = principal.party_code
    conds = [Alert.responsible_party == party]
    if party in ("ns", "prorail"):
        conds.append(Alert.domain == "station")
    if party == "politie":
        conds.append(Alert.severity.in_(("high", "critical")))
    return q.where(or_(*conds))


def alert_dict(alert: Alert, station: Station | None = None) -> dict[str, Any]:
    """The JSON form of an alert used by the API, the command line and the live feed."""
    return {
        "id": alert.id,
        "rule": alert.rule_id,
        "title": {"nl": alert.title_nl, "en": alert.title_en},
        "station": alert.station_code,
        "station_name": station.name_long if station is not None else None,
        "zone": alert.zone,
        "domain": alert.domain,
        "severity": alert.severity,
        "initial_severity": alert.initial_severity,
        "subcategory": alert.subcategory,
        "state": alert.state,
        "responsible_party": alert.responsible_party,
        "escalation_level": alert.escalation_level,
        "trigger_count": alert.trigger_count,
        "event_ids": list(alert.event_ids),
        "detail": dict(alert.detail),
        "unit_id": alert.unit_id,
        "outcome": alert.outcome,
        "outcome_note": alert.outcome_note,
        "synthetic": alert.synthetic,
        "first_event_at": alert.first_event_at,
        "last_event_at": alert.last_event_at,
        "created_at": alert.created_at,
        "updated_at": alert.updated_at,
        "ack_due_at": alert.ack_due_at,
        "acknowledged_at": alert.acknowledged_at,
        "dispatched_at": alert.dispatched_at,
        "on_scene_at": alert.on_scene_at,
        "resolved_at": alert.resolved_at,
    }


def _json_bytes(session: Session, alert: Alert) -> bytes:
    return json.dumps(alert_dict(alert), default=str, ensure_ascii=False).encode("utf-8")


#: the entry point ``json`` of ``perron.exporters``: the API form of an alert
JSON = Exporter("json", "application/json", "json", "the API form of an alert", alert=_json_bytes)

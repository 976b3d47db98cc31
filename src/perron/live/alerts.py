"""Alerts in the store: open and update them from correlator changes, take them through their
lifecycle, escalate the ones nobody acknowledges, and decide who may see and act on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access.accounts import Principal
from perron.domain.alerts import (
    ACK_LIMITS,
    OPEN_STATES,
    AlertState,
    TransitionError,
    check_transition,
    higher,
    raised,
)
from perron.domain.parties import Role
from perron.live import webhooks
from perron.live.routing import responsible_party, zone_domain
from perron.live.rules import AlertChange
from perron.live.units import UnitError, get_unit
from perron.live.views import (  # noqa: F401  (part of this module's surface)
    ACTING_ROLES,
    alert_dict,
    can_act,
    can_see,
    parties_of,
    visible_query,
)
from perron.store.tables.live import Alert, AlertTransition, ResponseUnit
from perron.store.tables.reference import Station, Zone

MAX_EVENT_IDS = 100


class AlertError(ValueError):
    """A request about an alert that cannot be carried out; the message says why."""


class AlertNotFound(AlertError):
    pass


class AlertForbidden(AlertError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def apply_changes(
    session: Session,
    changes: Sequence[AlertChange],
    *,
    now: datetime | None = None,
    synthetic: bool = False,
) -> list[int]:
    """Persist correlator changes in the caller's transaction; return the ids of the alerts
    opened or updated (in order, one per change).

    A change updates the open alert with the same de-duplication key when there is one (also
    when the correlator asked to open, e.g. after a restart or a long-running situation), and
    opens a new alert otherwise. Nothing is committed here. A batch costs a few queries
    whatever its size: open alerts, stations and zones are read once.
    """
    now = now or _now()
    if not changes:
        return []
    keys = {c.dedup_key for c in changes}
    codes = {c.station_code for c in changes}
    open_by_key: dict[str, Alert] = {}
    with session.no_autoflush:
        for existing in session.scalars(
            select(Alert)
            .where(Alert.dedup_key.in_(keys), Alert.state.in_(OPEN_STATES))
            .order_by(Alert.id)
        ):
            open_by_key[existing.dedup_key] = existing  # the newest open alert of a key wins
        municipality = dict(
            session.execute(
                select(Station.code, Station.municipality_code).where(Station.code.in_(codes))
            ).all()
        )
        domains: dict[tuple[str, str | None], str] = {
            (sc, zc): d
            for sc, zc, d in session.execute(
                select(Zone.station_code, Zone.code, Zone.domain).where(
                    Zone.station_code.in_(codes)
                )
            ).all()
        }
        order: list[Alert] = []
        created: list[tuple[Alert, AlertChange]] = []
        updated: dict[int, Alert] = {}
        for change in changes:
            alert = open_by_key.get(change.dedup_key)
            if alert is None:
                if change.station_code not in municipality:
                    raise AlertError(
                        f"unknown station {change.station_code!r} in {change.dedup_key}"
                    )
                domain = domains.get((change.station_code, change.zone)) or zone_domain(change.zone)
                alert = _build(change, domain, municipality[change.station_code], now, synthetic)
                session.add(alert)
                open_by_key[change.dedup_key] = alert
                created.append((alert, change))
            else:
                _update(session, alert, change, now)
                updated[id(alert)] = alert
            order.append(alert)
    session.flush()
    fresh = {id(a) for a, _ in created}
    for alert, change in created:
        session.add(
            AlertTransition(
                alert_id=alert.id,
                from_state=None,
                to_state=AlertState.NEW.value,
                at=now,
                actor=f"rule:{change.rule_id}",
                note=None,
            )
        )
        webhooks.enqueue(session, alert, "alert.created", now=now)
    for key, alert in updated.items():
        if key not in fresh:
            webhooks.enqueue(session, alert, "alert.updated", now=now)
    return [a.id for a in order]


def _update(session: Session, alert: Alert, change: AlertChange, now: datetime) -> None:
    alert.last_event_at = max(alert.last_event_at, change.at)
    alert.trigger_count += change.count
    merged = list(dict.fromkeys([*alert.event_ids, *change.event_ids]))
    alert.event_ids = merged[-MAX_EVENT_IDS:]
    if higher(change.severity, alert.severity) != alert.severity:
        alert.severity = change.severity
        _reroute(session, alert)
    alert.detail = {**alert.detail, **change.detail}
    alert.updated_at = now


def _build(
    change: AlertChange, domain: str, municipality_code: str, now: datetime, synthetic: bool
) -> Alert:
    return Alert(
        dedup_key=change.dedup_key,
        rule_id=change.rule_id,
        station_code=change.station_code,
        zone=change.zone,
        domain=domain,
        severity=change.severity,
        initial_severity=change.severity,
        subcategory=change.subcategory,
        title_nl=change.title_nl,
        title_en=change.title_en,
        state=AlertState.NEW.value,
        responsible_party=responsible_party(domain, change.severity, municipality_code, change.at),
        escalation_level=0,
        trigger_count=change.count,
        event_ids=list(change.event_ids)[-MAX_EVENT_IDS:],
        detail=dict(change.detail),
        synthetic=synthetic,
        first_event_at=change.at,
        last_event_at=change.at,
        created_at=now,
        updated_at=now,
        ack_due_at=now + ACK_LIMITS[change.severity],
    )


def _reroute(session: Session, alert: Alert) -> None:
    station = session.get(Station, alert.station_code)
    if station is not None:
        alert.responsible_party = responsible_party(
            alert.domain, alert.severity, station.municipality_code, alert.first_event_at
        )


# --- access ---------------------------------------------------------------------------------


# --- reading --------------------------------------------------------------------------------


def get_alert(session: Session, alert_id: int, principal: Principal | None = None) -> Alert:
    """The alert ``alert_id``; not found as well when ``principal`` may not see it."""
    # an id no database row can have (beyond 64 bits) is simply not found
    alert = session.get(Alert, alert_id) if 0 < alert_id < 2**63 else None
    if alert is None or (principal is not None and not can_see(principal, alert)):
        raise AlertNotFound(f"no alert {alert_id}")
    return alert


def list_alerts(
    session: Session,
    principal: Principal | None = None,
    *,
    state: str | None = None,
    open_only: bool = False,
    station: str | None = None,
    limit: int = 200,
) -> list[Alert]:
    """Alerts visible to ``principal``, newest first, optionally filtered."""
    q = visible_query(principal)
    if state:
        q = q.where(Alert.state == state)
    if open_only:
        q = q.where(Alert.state.in_(OPEN_STATES))
    if station:
        q = q.where(Alert.station_code == station)
    return list(session.scalars(q.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit)))


def transitions(session: Session, alert_id: int) -> list[AlertTransition]:
    """The state changes of an alert in the order they happened."""
    return list(
        session.scalars(
            select(AlertTransition)
            .where(AlertTransition.alert_id == alert_id)
            .order_by(AlertTransition.at, AlertTransition.id)
        )
    )


def transition_dict(t: AlertTransition) -> dict[str, Any]:
    return {
        "from": t.from_state,
        "to": t.to_state,
        "at": t.at,
        "actor": t.actor,
        "note": t.note,
    }


# --- lifecycle ------------------------------------------------------------------------------


def _lock(session: Session, alert_id: int) -> Alert | None:
    if not 0 < alert_id < 2**63:
        return None
    # the row lock on PostgreSQL; SQLite has one writer and renders no FOR UPDATE
    q = select(Alert).where(Alert.id == alert_id).with_for_update()
    return session.scalar(q.execution_options(populate_existing=True))


def transition(
    session: Session,
    alert_id: int,
    target: str,
    *,
    actor: str,
    principal: Principal | None = None,
    note: str | None = None,
    outcome: str | None = None,
    unit: str | int | None = None,
    now: datetime | None = None,
) -> Alert:
    """Move an alert to ``target``, recording time and actor; raises TransitionError for a move
    the lifecycle does not allow and AlertForbidden when ``principal`` may not act on it.

    Dispatching needs a unit (id or code) that is available; the unit follows the alert
    (dispatched → on scene → available again when the alert is resolved or sent back).
    A field unit may only move the alert it is dispatched to, and only to on scene or resolved.
    """
    from perron.access.audit import record

    now = now or _now()
    alert = _lock(session, alert_id)
    if alert is None or (principal is not None and not can_see(principal, alert)):
        raise AlertNotFound(f"no alert {alert_id}")
    if principal is not None and not can_act(principal, alert):
        own_unit = None
        if principal.role is Role.FIELD_UNIT and alert.unit_id is not None:
            own_unit = session.get(ResponseUnit, alert.unit_id)
        if not (
            own_unit is not None
            and own_unit.user_id == principal.user_id
            and target in (AlertState.ON_SCENE.value, AlertState.RESOLVED.value)
        ):
            raise AlertForbidden(
                f"{principal.username} ({principal.role.value} at {principal.party_code}) may "
                f"not act on alert {alert_id}"
            )
    check_transition(alert.state, target, outcome=outcome)
    current_unit = session.get(ResponseUnit, alert.unit_id) if alert.unit_id else None
    if target == AlertState.DISPATCHED.value:
        if unit is None:
            raise TransitionError("dispatching needs a unit: give its id or code")
        try:
            chosen = get_unit(session, unit)
        except UnitError as exc:
            raise TransitionError(str(exc)) from exc
        if chosen.status != "available":
            raise TransitionError(f"unit {chosen.code} is {chosen.status}, not available")
        chosen.status = "dispatched"
        chosen.updated_at = now
        alert.unit_id = chosen.id
        note = note or f"unit {chosen.code}"
    elif target == AlertState.ON_SCENE.value and current_unit is not None:
        current_unit.status = "on_scene"
        current_unit.updated_at = now
    elif target in (AlertState.RESOLVED.value, AlertState.ACKNOWLEDGED.value) and current_unit:
        if current_unit.status in ("dispatched", "on_scene"):
            current_unit.status = "available"
            current_unit.updated_at = now
        if target == AlertState.ACKNOWLEDGED.value:
            alert.unit_id = None
            note = note or f"unit {current_unit.code} released"
    previous = alert.state
    alert.state = target
    stamp = {
        "acknowledged": "acknowledged_at",
        "dispatched": "dispatched_at",
        "on_scene": "on_scene_at",
        "resolved": "resolved_at",
    }[target]
    if getattr(alert, stamp) is None:
        setattr(alert, stamp, now)
    if target == AlertState.RESOLVED.value:
        alert.outcome = outcome
        alert.outcome_note = note
    alert.updated_at = now
    session.add(
        AlertTransition(
            alert_id=alert.id, from_state=previous, to_state=target, at=now, actor=actor, note=note
        )
    )
    session.flush()
    if principal is not None:
        record(
            session,
            actor=principal.username,
            party=principal.party_code,
            purpose="operational",
            action=f"alert.{target}",
            subject=f"alert:{alert.id}",
            detail={"from": previous, "outcome": outcome} if outcome else {"from": previous},
            at=now,
        )
    webhooks.enqueue(session, alert, "alert.updated", now=now)
    return alert


def escalate_due(session: Session, now: datetime | None = None) -> list[int]:
    """Escalate every alert still new after its acknowledgement limit: raise its severity one
    step, route it again (critical goes to the police) and give it the limit of its new
    severity. Returns the ids escalated; the caller commits."""
    now = now or _now()
    due = list(
        session.scalars(
            select(Alert)
            .where(Alert.state == AlertState.NEW.value, Alert.ack_due_at <= now)
            .order_by(Alert.id)
        )
    )
    for alert in due:
        before_sev, before_party = alert.severity, alert.responsible_party
        alert.severity = raised(alert.severity)
        _reroute(session, alert)
        alert.escalation_level += 1
        alert.ack_due_at = now + ACK_LIMITS[alert.severity]
        alert.updated_at = now
        session.add(
            AlertTransition(
                alert_id=alert.id,
                from_state=alert.state,
                to_state=alert.state,
                at=now,
                actor="system:escalation",
                note=(
                    f"not acknowledged in time: severity {before_sev} → {alert.severity}, "
                    f"responsible {before_party} → {alert.responsible_party}"
                ),
            )
        )
        session.flush()
        webhooks.enqueue(session, alert, "alert.updated", now=now)
    return [a.id for a in due]


def ack_limits() -> dict[str, timedelta]:
    return dict(ACK_LIMITS)


def station_names(session: Session, alerts: Iterable[Alert]) -> dict[str, Station]:
    codes = {a.station_code for a in alerts}
    if not codes:
        return {}
    return {s.code: s for s in session.scalars(select(Station).where(Station.code.in_(codes)))}


def unit_of_user(session: Session, principal: Principal) -> ResponseUnit | None:
    """The response unit whose field account ``principal`` is, if any."""
    return session.scalar(
        select(ResponseUnit).where(ResponseUnit.user_id == principal.user_id).limit(1)
    )


def current_assignment(session: Session, unit: ResponseUnit) -> Alert | None:
    """The open alert a unit is dispatched to or on scene at."""
    return session.scalar(
        select(Alert)
        .where(
            Alert.unit_id == unit.id,
            Alert.state.in_((AlertState.DISPATCHED.value, AlertState.ON_SCENE.value)),
        )
        .order_by(Alert.id.desc())
        .limit(1)
    )


def accept(
    session: Session, alert_id: int, principal: Principal, *, now: datetime | None = None
) -> Alert:
    """A field unit confirms it takes the alert it was dispatched to (recorded in the
    transitions as dispatched → dispatched; the state does not change)."""
    now = now or _now()
    alert = _lock(session, alert_id)
    unit = unit_of_user(session, principal)
    if alert is None or unit is None or alert.unit_id != unit.id:
        raise AlertNotFound(f"no alert {alert_id} for this unit")
    if alert.state != AlertState.DISPATCHED.value:
        raise TransitionError(f"the alert is {alert.state}; only a dispatched alert is accepted")
    session.add(
        AlertTransition(
            alert_id=alert.id,
            from_state=alert.state,
            to_state=alert.state,
            at=now,
            actor=principal.username,
            note=f"accepted by unit {unit.code}",
        )
    )
    alert.updated_at = now
    session.flush()
    return alert


def housekeeping(sessions, now: datetime | None = None) -> dict[str, Any]:
    """One round of the periodic alert work, each step in its own transaction: escalate the
    alerts not acknowledged in time, then deliver the webhook messages that are due. ``serve``
    runs it every ``PERRON_ALERT_TASKS_INTERVAL`` seconds (default 10; 0 switches it off);
    the live engine can call it from its own loop."""
    with sessions() as s, s.begin():
        escalated = escalate_due(s, now)
    with sessions() as s, s.begin():
        run = webhooks.deliver_due(s, now=now)
    return {
        "escalated": escalated,
        "delivered": run.delivered,
        "retried": run.retried,
        "failed": run.failed,
    }

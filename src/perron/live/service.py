"""Service functions of alerts and response units: one per action, for every front end.

The API, the web pages and the command line parse what they are given, call one of these and
render its answer; who may do what, the purpose, validation, the audit trail and the business
rules live here and only here:

- an alert is seen by the parties that act on it (:func:`perron.live.routing.acting_parties`:
  the responsible party; NS and ProRail share the station domain; the police sees high and
  critical); operators and admins of those parties act on it; a field unit moves only the alert
  it is dispatched to, and only to on scene or resolved; viewers and analysts only read;
- the installation's own actor (the command line without ``--user``) sees and acts on all;
- alerts serve the operational purpose; every move is written to the audit trail;
- dispatching without a unit sends the nearest available unit (by travel time) of a party that
  may act; a unit busy on an alert is moved by its alert, never by hand;
- a unit is changed by operators and admins of its party or by its own field account;
- response-time figures cover the alerts of the actor's party, NS and ProRail together.

Errors are those of :mod:`perron.domain.errors` (NotFound, Forbidden, Invalid, Conflict).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.actors import Actor, Installation, principal_of
from perron.access.policy import Purpose
from perron.domain.alerts import (
    ACK_LIMITS,
    OPEN_STATES,
    AlertState,
    Outcome,
    accepted,
    check_transition,
)
from perron.domain.errors import Conflict, Forbidden, Invalid, NotFound
from perron.domain.parties import Role
from perron.live import alerts as store
from perron.live import units as unit_store
from perron.live.routing import UNIT_STATUSES
from perron.store.tables.live import Alert
from perron.store.tables.reference import Station

#: the lifecycle actions and the state each moves an alert to
ACTIONS: dict[str, str] = {
    "acknowledge": AlertState.ACKNOWLEDGED.value,
    "dispatch": AlertState.DISPATCHED.value,
    "on-scene": AlertState.ON_SCENE.value,
    "resolve": AlertState.RESOLVED.value,
    "release": AlertState.ACKNOWLEDGED.value,
}
Action = Literal["acknowledge", "dispatch", "on-scene", "resolve", "release", "accept"]
#: every action :func:`move_alert` takes: the moves above and ``accept`` (a field unit takes
#: the alert it is dispatched to; the state stays dispatched)
ACTION_NAMES: tuple[str, ...] = (*ACTIONS, "accept")
#: states in which an alert waits for a unit (its detail then proposes the nearest ones)
DISPATCHABLE = frozenset({AlertState.NEW.value, AlertState.ACKNOWLEDGED.value})
#: what a unit's status may be set to by hand; dispatched and on scene follow its alert
SETTABLE_UNIT_STATUSES = ("available", "off_duty")
MAX_LIMIT = 1000
MAX_NOTE = 2000
SHARED_PARTIES = frozenset({"ns", "prorail"})
UNIT_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})


@dataclass(frozen=True)
class AlertDetail:
    """One alert as every front end shows it: its fields, its transitions, whether the actor
    may act on it, the parties that see it, the nearest units while it waits for one, and
    whether its dispatched unit accepted it."""

    alert: dict[str, Any]
    transitions: list[dict[str, Any]]
    may_act: bool
    parties: list[str]
    proposals: list[dict[str, Any]]
    accepted: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.alert,
            "transitions": self.transitions,
            "may_act": self.may_act,
            "parties": self.parties,
            "proposals": self.proposals,
            "accepted": self.accepted,
        }


@dataclass(frozen=True)
class AlertExport:
    """An alert in an exchange format: the text and its media type."""

    format: str
    media_type: str
    text: str


@dataclass(frozen=True)
class FieldAssignment:
    """What the phone page of a field unit shows: its unit, the alert it is sent to (with the
    station's position) and whether it accepted that alert."""

    unit: dict[str, Any] | None
    alert: dict[str, Any] | None
    accepted: bool


@dataclass(frozen=True)
class ResponseTimes:
    group_by: str
    since: datetime
    rows: list[dict[str, Any]]
    unit: str = "seconds"
    parties: list[str] | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group_by": self.group_by,
            "since": self.since,
            "unit": self.unit,
            "rows": self.rows,
        }


# --- rules ----------------------------------------------------------------------------------


def _operational(purpose: Purpose | str) -> None:
    if Purpose(purpose) is not Purpose.OPERATIONAL:
        raise Forbidden(
            f"alerts serve the operational purpose, not {Purpose(purpose).value!r}", "purpose"
        )


def _visible(session: Session, actor: Actor, alert_id: int) -> Alert:
    try:
        return store.get_alert(session, alert_id, principal_of(actor))
    except store.AlertNotFound as exc:
        raise NotFound(str(exc)) from None


def may_act(actor: Actor, alert: Alert) -> bool:
    """Whether ``actor`` may take ``alert`` through its lifecycle (a field unit's own alert
    aside: it may report arrival and close)."""
    principal = principal_of(actor)
    return principal is None or store.can_act(principal, alert)


def _detail(session: Session, actor: Actor, alert: Alert) -> AlertDetail:
    events = store.transitions(session, alert.id)
    proposals = (
        [p.__dict__ for p in unit_store.propose(session, alert)]
        if alert.state in DISPATCHABLE
        else []
    )
    return AlertDetail(
        alert=store.alert_dict(alert, session.get(Station, alert.station_code)),
        transitions=[store.transition_dict(t) for t in events],
        may_act=may_act(actor, alert),
        parties=sorted(store.parties_of(alert)),
        proposals=proposals,
        accepted=alert.state == AlertState.DISPATCHED.value and accepted(events),
    )


def _note(note: str | None) -> str | None:
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_NOTE:
        raise Invalid(f"note is longer than {MAX_NOTE} characters", "note")
    return text


def _state(state: str | None) -> str | None:
    if state is None or state == "":
        return None
    if state not in {s.value for s in AlertState}:
        raise Invalid(
            f"unknown state {state!r}; states are " + ", ".join(s.value for s in AlertState),
            "state",
        )
    return state


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must lie between 1 and {MAX_LIMIT}, not {limit}", "limit")
    return limit


# --- alerts ---------------------------------------------------------------------------------


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    purpose: Purpose | str = Purpose.OPERATIONAL,
    state: str | None = None,
    open_only: bool = False,
    station: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The alerts ``actor`` may see, newest first, optionally of one state or station."""
    _operational(purpose)
    rows = store.list_alerts(
        session,
        principal_of(actor),
        state=_state(state),
        open_only=open_only,
        station=station.upper() if station else None,
        limit=_limit(limit),
    )
    names = store.station_names(session, rows)
    return [store.alert_dict(a, names.get(a.station_code)) for a in rows]


def show_alert(
    session: Session, actor: Actor, alert_id: int, *, purpose: Purpose | str = Purpose.OPERATIONAL
) -> AlertDetail:
    """One alert ``actor`` may see, with its transitions and unit proposals."""
    _operational(purpose)
    return _detail(session, actor, _visible(session, actor, alert_id))


def export_alert(
    session: Session,
    actor: Actor,
    alert_id: int,
    fmt: str = "cap",
    *,
    purpose: Purpose | str = Purpose.OPERATIONAL,
) -> AlertExport:
    """An alert ``actor`` may see in an alert format of the exporters registry (``cap``: CAP
    1.2 XML, ``ngsi-ld``: an NGSI-LD Alert, ``json``, or a plugin's), validated against the
    format's schema where it has one."""
    from perron.interop.exporters import ExportError, exporter

    _operational(purpose)
    try:
        found = exporter(fmt, "alert")
    except ExportError as exc:
        raise Invalid(str(exc), "format") from None
    alert = _visible(session, actor, alert_id)
    assert found.alert is not None
    try:
        body = found.alert(session, alert)
    except ValueError as exc:  # the alert does not fit the format's schema
        raise Invalid(str(exc), "format") from None
    return AlertExport(fmt, found.media_type, body.decode("utf-8"))


def nearest_unit(session: Session, actor: Actor, alert_id: int) -> str:
    """The code of the nearest available unit (by travel time) that may take the alert."""
    proposals = unit_store.propose(session, _visible(session, actor, alert_id), limit=1)
    if not proposals:
        raise Conflict(f"no available unit may take alert {alert_id}; name one", "unit")
    return proposals[0].unit_code


def move_alert(
    session: Session,
    actor: Actor,
    alert_id: int,
    action: str,
    *,
    purpose: Purpose | str = Purpose.OPERATIONAL,
    note: str | None = None,
    unit: str | None = None,
    outcome: str | None = None,
) -> AlertDetail:
    """Take an alert through its lifecycle: ``acknowledge``, ``dispatch`` (``unit``, else the
    nearest available one), ``on-scene``, ``resolve`` (with ``outcome``) or ``release`` (the
    dispatched unit declines: back to acknowledged). Conflict for a move the lifecycle does not
    allow; the move is recorded in the alert's transitions and in the audit trail. ``accept``
    is :func:`accept_alert`."""
    _operational(purpose)
    if action == "accept":
        return accept_alert(session, actor, alert_id)
    if action not in ACTIONS:
        raise Invalid(
            f"unknown action {action!r}; actions are " + ", ".join(ACTION_NAMES), "action"
        )
    if outcome is not None and outcome not in {o.value for o in Outcome}:
        raise Invalid(f"unknown outcome {outcome!r}: use true_alarm or false_alarm", "outcome")
    text = _note(note)
    alert = _visible(session, actor, alert_id)
    principal = principal_of(actor)
    if principal is not None and not store.can_act(principal, alert):
        own = store.unit_of_user(session, principal) if principal.role is Role.FIELD_UNIT else None
        if own is None or alert.unit_id != own.id or action not in ("on-scene", "resolve"):
            raise Forbidden(
                f"{principal.username} ({principal.role.value} at {principal.party_code}) may "
                f"not act on alert {alert_id}"
            )
    if action == "dispatch" and not unit:
        if alert.state not in DISPATCHABLE:
            check_transition(alert.state, ACTIONS[action])
        unit = nearest_unit(session, actor, alert_id)
    try:
        moved = store.transition(
            session,
            alert_id,
            ACTIONS[action],
            actor=actor.username,
            principal=principal,
            note=text,
            outcome=outcome,
            unit=unit,
        )
    except store.AlertForbidden as exc:
        raise Forbidden(str(exc)) from None
    except store.AlertNotFound as exc:
        raise NotFound(str(exc)) from None
    if isinstance(actor, Installation):
        _audit_installation(session, actor, moved, ACTIONS[action], outcome)
    return _detail(session, actor, moved)


def _audit_installation(
    session: Session, actor: Installation, alert: Alert, target: str, outcome: str | None
) -> None:
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=Purpose.OPERATIONAL.value,
        action=f"alert.{target}",
        subject=f"alert:{alert.id}",
        detail={"outcome": outcome} if outcome else None,
    )


def accept_alert(session: Session, actor: Actor, alert_id: int) -> AlertDetail:
    """The field unit dispatched to an alert confirms it takes it (the alert stays dispatched
    and counts as accepted until its unit is released)."""
    principal = principal_of(actor)
    if principal is None:
        raise Forbidden("only the dispatched unit's field account accepts an alert")
    events = store.transitions(session, alert_id) if 0 < alert_id < 2**63 else []
    if accepted(events):
        raise Conflict(f"alert {alert_id} is accepted already")
    try:
        alert = store.accept(session, alert_id, principal)
    except store.AlertNotFound as exc:
        raise NotFound(str(exc)) from None
    audit.record(
        session,
        actor=principal.username,
        party=principal.party_code,
        purpose=Purpose.OPERATIONAL.value,
        action="alert.accepted",
        subject=f"alert:{alert.id}",
    )
    return _detail(session, actor, alert)


def field_assignment(session: Session, actor: Actor) -> FieldAssignment:
    """The actor's own response unit and the alert it is dispatched to or on scene at."""
    principal = principal_of(actor)
    unit = store.unit_of_user(session, principal) if principal is not None else None
    if unit is None:
        return FieldAssignment(None, None, False)
    alert = store.current_assignment(session, unit)
    if alert is None:
        return FieldAssignment(unit_store.unit_dict(unit), None, False)
    station = session.get(Station, alert.station_code)
    data = store.alert_dict(alert, station)
    data["lat"], data["lng"] = (station.lat, station.lng) if station else (None, None)
    return FieldAssignment(
        unit_store.unit_dict(unit),
        data,
        alert.state == AlertState.DISPATCHED.value
        and accepted(store.transitions(session, alert.id)),
    )


@dataclass(frozen=True)
class StationAlerts:
    """The open alerts at one station that the actor may see, and (when there are none) how
    many cameras and sensors the station has, so an empty list can say whether anything
    watches it at all."""

    station: str
    alerts: list[dict[str, Any]]
    cameras: int


def open_alerts_at(session: Session, actor: Actor, station: str, limit: int = 20) -> StationAlerts:
    """The open alerts at one station that ``actor`` may see (the station page's fragment);
    NotFound for an unknown station."""
    from sqlalchemy import func, select

    from perron.store.tables.live import CameraMapping

    code = station.upper()[:8]
    if session.get(Station, code) is None:
        raise NotFound(f"no station {station!r}", "station")
    alerts = list_alerts(session, actor, open_only=True, station=code, limit=limit)
    cameras = 0
    if not alerts:
        cameras = (
            session.scalar(
                select(func.count())
                .select_from(CameraMapping)
                .where(CameraMapping.station_code == code)
            )
            or 0
        )
    return StationAlerts(code, alerts, cameras)


def ack_limits() -> dict[str, int]:
    """Seconds an alert of each severity may wait for acknowledgement before it escalates."""
    return {k: int(v.total_seconds()) for k, v in ACK_LIMITS.items()}


def figure_parties(actor: Actor) -> frozenset[str] | None:
    """The parties whose alerts count in ``actor``'s response-time figures: their own, NS and
    ProRail together; every party for the installation (None)."""
    principal = principal_of(actor)
    if principal is None:
        return None
    if principal.party_code in SHARED_PARTIES:
        return SHARED_PARTIES
    return frozenset({principal.party_code})


def response_times(
    session: Session,
    actor: Actor,
    *,
    purpose: Purpose | str = Purpose.OPERATIONAL,
    group_by: str = "all",
    period: str = "month",
    days: int = 30,
    station: str | None = None,
    now: datetime | None = None,
) -> ResponseTimes:
    """Seconds from opening to acknowledge, dispatch, arrive and resolve: p50, p90 and p95 per
    group (``all``, ``station``, ``party`` or ``period`` of a ``day``, ``week``, ``month``)."""
    from perron.live import kpi

    Purpose(purpose)  # any purpose: these are figures, not records
    if group_by not in ("all", "station", "party", "period"):
        raise Invalid("group_by must be all, station, party or period", "group_by")
    if period not in ("day", "week", "month"):
        raise Invalid("period must be day, week or month", "period")
    if not 1 <= days <= 3660:
        raise Invalid("days must lie between 1 and 3660", "days")
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    parties = figure_parties(actor)
    rows = kpi.response_times(
        session,
        group_by=group_by,  # type: ignore[arg-type]
        period=period,  # type: ignore[arg-type]
        since=since,
        station=station,
        parties=parties,
    )
    return ResponseTimes(group_by, since, rows, parties=sorted(parties) if parties else None)


def escalate(session: Session, actor: Actor, now: datetime | None = None) -> list[int]:
    """Escalate every alert not acknowledged within its limit (what the background work does
    every few seconds); the installation's or an admin's action."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("escalating by hand is for admins")
    return store.escalate_due(session, now)


# --- units ----------------------------------------------------------------------------------


def list_units(
    session: Session,
    actor: Actor,
    *,
    party: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The units ``actor`` may see: of their party (NS and ProRail each other's too), and of
    other parties while sent to an alert the actor may see."""
    if status and status not in UNIT_STATUSES:
        raise Invalid(
            f"unknown status {status!r}; choose one of {', '.join(UNIT_STATUSES)}", "status"
        )
    rows = unit_store.list_units(session, principal_of(actor), party=party, status=status)
    return [unit_store.unit_dict(u) for u in rows]


def may_change_unit(actor: Actor, unit_party: str, unit_user_id: int | None) -> bool:
    principal = principal_of(actor)
    if principal is None:
        return True
    if unit_user_id is not None and unit_user_id == principal.user_id:
        return True
    return principal.party_code == unit_party and principal.role in UNIT_ROLES


def change_unit(
    session: Session,
    actor: Actor,
    ref: str | int,
    *,
    status: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> dict[str, Any]:
    """Report a unit's status (available or off duty) or position. Operators and admins of the
    unit's party and the unit's own field account may; a unit dispatched or on scene has its
    status moved by its alert (Conflict)."""
    try:
        unit = unit_store.get_unit(session, ref)
    except unit_store.UnitError as exc:
        raise NotFound(str(exc)) from None
    if not may_change_unit(actor, unit.party_code, unit.user_id):
        raise Forbidden(f"{actor.username} may not change unit {unit.code}")
    if status is not None and status not in SETTABLE_UNIT_STATUSES:
        raise Invalid(
            f"a unit's status is set to {' or '.join(SETTABLE_UNIT_STATUSES)}, not {status!r}; "
            "dispatched and on scene follow its alert",
            "status",
        )
    if status is not None and unit.status in ("dispatched", "on_scene"):
        raise Conflict(f"unit {unit.code} is {unit.status}: its alert moves it", "status")
    if (lat is None) != (lng is None):
        raise Invalid("give both lat and lng", "lat" if lat is None else "lng")
    if lat is not None and not -90 <= lat <= 90:
        raise Invalid(f"lat {lat} is not a latitude", "lat")
    if lng is not None and not -180 <= lng <= 180:
        raise Invalid(f"lng {lng} is not a longitude", "lng")
    try:
        unit_store.update_unit(session, unit.id, status=status, lat=lat, lng=lng)
    except unit_store.UnitError as exc:
        raise Invalid(str(exc)) from None
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=Purpose.OPERATIONAL.value,
        action="unit.changed",
        subject=f"unit:{unit.code}",
        detail={k: v for k, v in (("status", status), ("moved", lat is not None)) if v},
    )
    return unit_store.unit_dict(unit)


def add_unit(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    party: str,
    kind: str,
    lat: float,
    lng: float,
    user: str | None = None,
) -> dict[str, Any]:
    """Add a response unit: the installation or an admin of the unit's party."""
    from sqlalchemy import select

    from perron.store.tables.accounts import User

    principal = principal_of(actor)
    if principal is not None and not (
        principal.role is Role.ADMIN and principal.party_code == party
    ):
        raise Forbidden(f"only an admin of {party} adds its units")
    user_id = None
    if user:
        user_id = session.scalar(select(User.id).where(User.username == user))
        if user_id is None:
            raise Invalid(f"unknown user {user!r}", "user")
    try:
        unit = unit_store.create_unit(
            session, code=code, name=name, party=party, kind=kind, lat=lat, lng=lng, user_id=user_id
        )
    except unit_store.UnitError as exc:
        raise Invalid(str(exc)) from None
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose="administration",
        action="unit.added",
        subject=f"unit:{unit.code}",
    )
    return unit_store.unit_dict(unit)


# --- sensor events --------------------------------------------------------------------------


def list_events(
    session: Session,
    actor: Actor,
    *,
    station: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Stored sensor events, newest first: exactly what is kept of each (metadata only). For
    the installation and admins, who answer for what the sensors keep."""
    from sqlalchemy import select

    from perron.live.ingest import event_dict
    from perron.store.tables.live import SensorEvent

    if actor.role is not Role.ADMIN:
        raise Forbidden("the stored sensor events are listed to admins")
    if not 1 <= limit <= 100_000:
        raise Invalid(f"limit must lie between 1 and 100000, not {limit}", "limit")
    q = select(SensorEvent).order_by(SensorEvent.occurred_at.desc(), SensorEvent.id)
    if station:
        q = q.where(SensorEvent.station_code == station.upper())
    if kind:
        q = q.where(SensorEvent.kind == kind)
    return [event_dict(r) for r in session.scalars(q.limit(limit))]


# --- webhooks -------------------------------------------------------------------------------


def _admin_of(actor: Actor, party: str, what: str) -> None:
    principal = principal_of(actor)
    if principal is not None and not (
        principal.role is Role.ADMIN and principal.party_code == party
    ):
        raise Forbidden(f"only an admin of {party} {what}")


def subscribe_webhook(
    session: Session,
    actor: Actor,
    *,
    party: str,
    url: str,
    fmt: str = "json",
    only_responsible: bool = True,
) -> dict[str, Any]:
    """Subscribe a party's URL to its alerts (all alerts with ``only_responsible`` false); the
    answer holds the secret that signs the deliveries, shown this once. The installation or an
    admin of the party."""
    from perron.live.webhooks import WebhookError, subscribe

    _admin_of(actor, party, "subscribes its webhooks")
    try:
        sub = subscribe(session, party=party, url=url, fmt=fmt, only_responsible=only_responsible)
    except WebhookError as exc:
        raise Invalid(str(exc)) from None
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose="administration",
        action="webhook.subscribe",
        subject=f"webhook:{sub.id}",
        detail={"party": party, "format": fmt},
    )
    return {"id": sub.id, "party": party, "url": url, "format": fmt, "secret": sub.secret}


def list_webhooks(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Subscriptions (the actor's party's; all for the installation) with their pending,
    delivered and failed messages; secrets are never shown again."""
    from sqlalchemy import func, select

    from perron.store.tables.live import WebhookDelivery, WebhookSubscription

    principal = principal_of(actor)
    subs = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if principal is not None:
        if principal.role is not Role.ADMIN:
            raise Forbidden("webhook subscriptions are listed to admins")
        subs = subs.where(WebhookSubscription.party_code == principal.party_code)
    counts = {
        (sid, status): n
        for sid, status, n in session.execute(
            select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count()).group_by(
                WebhookDelivery.subscription_id, WebhookDelivery.status
            )
        ).all()
    }
    return [
        {
            "id": w.id,
            "party": w.party_code,
            "url": w.url,
            "format": w.format,
            "only_responsible": w.only_responsible,
            "active": w.active,
            "pending": counts.get((w.id, "pending"), 0),
            "delivered": counts.get((w.id, "delivered"), 0),
            "failed": counts.get((w.id, "failed"), 0),
        }
        for w in session.scalars(subs)
    ]


def deliver_webhooks(session: Session, actor: Actor) -> dict[str, int]:
    """Deliver what is due in the outbox now (the background work does it continuously)."""
    from perron.live.webhooks import deliver_due

    if actor.role is not Role.ADMIN:
        raise Forbidden("delivering by hand is for admins")
    run = deliver_due(session)
    return {"delivered": run.delivered, "retried": run.retried, "failed": run.failed}


__all__ = [
    "ACTIONS",
    "ACTION_NAMES",
    "OPEN_STATES",
    "AlertDetail",
    "AlertExport",
    "FieldAssignment",
    "ResponseTimes",
    "StationAlerts",
    "accept_alert",
    "ack_limits",
    "add_unit",
    "change_unit",
    "deliver_webhooks",
    "escalate",
    "export_alert",
    "field_assignment",
    "list_alerts",
    "list_events",
    "list_units",
    "list_webhooks",
    "move_alert",
    "nearest_unit",
    "open_alerts_at",
    "response_times",
    "show_alert",
    "subscribe_webhook",
]

"""Alerts in the store: opening and de-duplication, the lifecycle with its transitions, access
and escalation — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from live.alertkit import T0, change
from perron.access.accounts import Principal, create_user
from perron.domain.alerts import TransitionError, check_transition
from perron.domain.parties import Role
from perron.live.alerts import (
    AlertForbidden,
    AlertNotFound,
    apply_changes,
    escalate_due,
    get_alert,
    list_alerts,
    transition,
    transitions,
)
from perron.live.units import create_unit, propose
from perron.store.tables.live import Alert, ResponseUnit


def test_transition_rules_are_pure_and_clear():
    check_transition("new", "acknowledged")
    check_transition("on_scene", "resolved", outcome="true_alarm")
    with pytest.raises(TransitionError, match="cannot move to 'on_scene'; allowed: acknowledged"):
        check_transition("new", "on_scene")
    with pytest.raises(TransitionError, match="needs an outcome"):
        check_transition("acknowledged", "resolved")
    with pytest.raises(TransitionError, match="closed"):
        check_transition("resolved", "acknowledged")


def test_apply_changes_opens_once_and_updates(session):
    ids = apply_changes(session, [change(at=T0)], now=T0)
    again = apply_changes(
        session,
        [change(at=T0 + timedelta(seconds=20), action="open", severity="critical")],
        now=T0 + timedelta(seconds=21),
    )
    session.commit()
    assert ids == again
    alert = session.get(Alert, ids[0])
    assert alert.state == "new" and alert.trigger_count == 2 and len(alert.event_ids) == 2
    assert alert.severity == "critical" and alert.initial_severity == "high"
    assert alert.responsible_party == "politie"  # critical goes to the police
    assert alert.last_event_at == T0 + timedelta(seconds=20)
    assert [t.to_state for t in transitions(session, alert.id)] == ["new"]
    assert transitions(session, alert.id)[0].actor == "rule:aggression"
    # another zone is another situation
    other = apply_changes(session, [change(zone="platform")], now=T0)
    assert other != ids


def test_apply_changes_is_part_of_the_callers_transaction(session):
    apply_changes(session, [change()], now=T0)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Alert)) == 0


def test_routing_by_zone_and_time(session):
    # 22:00 local: a tunnel is the station domain → NS; bicycle parking → municipality of Utrecht
    a, b = apply_changes(
        session,
        [change(zone="tunnel"), change(zone="bicycle_parking", rule="loitering_evening")],
        now=T0,
    )
    assert session.get(Alert, a).responsible_party == "ns"
    assert session.get(Alert, b).responsible_party == "gm0344"
    assert session.get(Alert, b).domain == "surroundings"
    # 03:00 local: station domain → ProRail, surroundings → police
    night = T0.replace(hour=2)
    c, d = apply_changes(
        session,
        [
            change(zone="hall", at=night),
            change(zone="forecourt", rule="loitering_evening", at=night),
        ],
        now=night,
    )
    assert session.get(Alert, c).responsible_party == "prorail"
    assert session.get(Alert, d).responsible_party == "politie"


def _people(session):
    """Principals as the login would give them (no password hashing needed here)."""
    op = Principal(9001, "ns-operator", "NS operator", "ns", Role.OPERATOR)
    viewer = Principal(9002, "ns-viewer", "NS viewer", "ns", Role.VIEWER)
    gm = Principal(9003, "gm-operator", "Amsterdam operator", "gm0363", Role.OPERATOR)
    return op, viewer, gm


def test_full_lifecycle_with_unit_and_audit(session):
    op, viewer, gm = _people(session)
    near = create_unit(
        session,
        code="NS-UT-1",
        name="NS team",
        party="ns",
        kind="security",
        lat=52.0894,
        lng=5.1100,
    )
    create_unit(
        session, code="NS-UT-2", name="NS team 2", party="ns", kind="security", lat=52.10, lng=5.13
    )
    (aid,) = apply_changes(session, [change()], now=T0)
    alert = session.get(Alert, aid)
    assert [p.unit_code for p in propose(session, alert)] == ["NS-UT-1", "NS-UT-2"]

    with pytest.raises(AlertNotFound):  # another party does not see it
        get_alert(session, aid, gm)
    with pytest.raises(AlertForbidden):  # a viewer sees but may not act
        transition(session, aid, "acknowledged", actor="ns-viewer", principal=viewer)

    steps = [
        ("acknowledged", {}),
        ("dispatched", {"unit": "NS-UT-1"}),
        ("on_scene", {}),
        ("resolved", {"outcome": "true_alarm", "note": "two people separated, report made"}),
    ]
    for i, (target, kw) in enumerate(steps, start=1):
        transition(
            session,
            aid,
            target,
            actor=op.username,
            principal=op,
            now=T0 + timedelta(seconds=30 * i),
            **kw,
        )
        if target == "dispatched":
            assert session.get(ResponseUnit, near.id).status == "dispatched"
            # the unit is busy: it is not proposed again
            assert "NS-UT-1" not in [p.unit_code for p in propose(session, alert)]
        if target == "on_scene":
            assert session.get(ResponseUnit, near.id).status == "on_scene"
    session.commit()
    alert = session.get(Alert, aid)
    assert alert.state == "resolved" and alert.outcome == "true_alarm"
    assert alert.acknowledged_at == T0 + timedelta(seconds=30)
    assert alert.resolved_at == T0 + timedelta(seconds=120)
    assert session.get(ResponseUnit, near.id).status == "available"
    hist = transitions(session, aid)
    assert [(t.from_state, t.to_state) for t in hist] == [
        (None, "new"),
        ("new", "acknowledged"),
        ("acknowledged", "dispatched"),
        ("dispatched", "on_scene"),
        ("on_scene", "resolved"),
    ]
    assert all(t.actor == "ns-operator" for t in hist[1:])
    with pytest.raises(TransitionError):
        transition(session, aid, "acknowledged", actor="x", principal=op)
    from perron.store.tables.access import AuditEntry

    actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions[-4:] == [
        "alert.acknowledged",
        "alert.dispatched",
        "alert.on_scene",
        "alert.resolved",
    ]
    assert [a.id for a in list_alerts(session, op)] == [aid]
    assert list_alerts(session, gm) == []


def test_dispatch_needs_an_available_unit_and_a_unit_can_decline(session):
    op, _, _ = _people(session)
    create_unit(
        session,
        code="U1",
        name="u",
        party="ns",
        kind="security",
        lat=52.09,
        lng=5.11,
        status="off_duty",
    )
    create_unit(session, code="U2", name="u", party="ns", kind="security", lat=52.09, lng=5.11)
    (aid,) = apply_changes(session, [change()], now=T0)
    transition(session, aid, "acknowledged", actor="o", principal=op)
    with pytest.raises(TransitionError, match="needs a unit"):
        transition(session, aid, "dispatched", actor="o", principal=op)
    with pytest.raises(TransitionError, match="off_duty, not available"):
        transition(session, aid, "dispatched", actor="o", principal=op, unit="U1")
    transition(session, aid, "dispatched", actor="o", principal=op, unit="U2")
    transition(session, aid, "acknowledged", actor="o", principal=op, note="unit declined")
    alert = session.get(Alert, aid)
    assert alert.unit_id is None
    assert session.scalar(select(ResponseUnit.status).where(ResponseUnit.code == "U2")) == (
        "available"
    )


def test_field_unit_moves_only_its_own_alert(session):
    op, _, _ = _people(session)
    field = create_user(session, "ns-field", "a-long-password-1", "ns", "field_unit")
    other = Principal(9004, "ns-field-2", "other unit", "ns", Role.FIELD_UNIT)
    create_unit(
        session,
        code="F1",
        name="f",
        party="ns",
        kind="security",
        lat=52.09,
        lng=5.11,
        user_id=field.user_id,
    )
    (aid,) = apply_changes(session, [change()], now=T0)
    transition(session, aid, "acknowledged", actor="o", principal=op)
    transition(session, aid, "dispatched", actor="o", principal=op, unit="F1")
    with pytest.raises(AlertForbidden):
        transition(session, aid, "on_scene", actor="x", principal=other)
    transition(session, aid, "on_scene", actor=field.username, principal=field)
    transition(
        session,
        aid,
        "resolved",
        actor=field.username,
        principal=field,
        outcome="false_alarm",
        note="nobody there",
    )
    assert session.get(Alert, aid).state == "resolved"


def test_escalation_when_not_acknowledged_in_time(session):
    (aid,) = apply_changes(session, [change(severity="high")], now=T0)
    assert escalate_due(session, now=T0 + timedelta(seconds=119)) == []
    assert escalate_due(session, now=T0 + timedelta(seconds=120)) == [aid]
    alert = session.get(Alert, aid)
    assert alert.severity == "critical" and alert.escalation_level == 1
    assert alert.responsible_party == "politie"
    assert alert.ack_due_at == T0 + timedelta(seconds=180)
    last = transitions(session, aid)[-1]
    assert last.actor == "system:escalation" and "high → critical" in last.note
    # an acknowledged alert does not escalate
    op, _, _ = _people(session)
    (bid,) = apply_changes(session, [change(zone="hall", severity="low")], now=T0)
    transition(session, bid, "acknowledged", actor="o", principal=op, now=T0)
    assert bid not in escalate_due(session, now=T0 + timedelta(hours=1))


def test_acceptance_is_a_state_of_the_lifecycle_not_of_a_note():
    from dataclasses import dataclass

    from perron.domain.alerts import accepted

    @dataclass
    class Step:
        from_state: str | None
        to_state: str
        note: str | None = None

    sent = [Step(None, "new"), Step("new", "acknowledged"), Step("acknowledged", "dispatched")]
    assert not accepted(sent)
    taken = [*sent, Step("dispatched", "dispatched", note="anything")]
    assert accepted(taken)
    # a note that reads like an acceptance is not one
    assert not accepted([*sent, Step("acknowledged", "acknowledged", "accepted by unit X")])
    # released and sent again: the new unit has not accepted yet
    again = [*taken, Step("dispatched", "acknowledged"), Step("acknowledged", "dispatched")]
    assert not accepted(again)
    assert accepted([*again, Step("dispatched", "dispatched")])
    assert not accepted([*taken, Step("dispatched", "on_scene")])

"""Walks, findings and actions on SQLite and PostgreSQL: validation, owners by zone, closing
only with evidence, re-opening by a later walk, authorization and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from inspections_common import ILT, NS, PRORAIL, PRORAIL_VIEWER, lamp, walk
from perron.inspections import service
from perron.inspections.errors import InspectionError, NotAllowed
from perron.inspections.model import EvidenceInput, FindingInput
from perron.store.tables.access import AuditEntry
from perron.store.tables.inspections import InspectionAction, InspectionWalk


def _closing_day(session, action_id) -> date:
    """The (UTC) day an action was closed: a walk on that day or later contradicts it."""
    closed_at = session.get(InspectionAction, action_id).closed_at
    assert closed_at is not None
    return closed_at.date()


def _actions(session, action_id):
    return service.get_action(session, PRORAIL, action_id)


def test_a_walk_is_stored_with_its_light_template_version_score_and_findings(session):
    out = service.record_walk(session, PRORAIL, walk(findings=(lamp(),)))
    session.commit()
    assert out.light == "night"  # 22:00 is after dark
    assert out.template_version == "2026.1"
    assert out.score == pytest.approx(13 / 8, abs=0.01)
    assert [(f.kind, f.zone, f.domain) for f in out.findings] == [
        ("broken_lighting", "platform", "station")
    ]
    # the finding suggests a measure from the catalogue vocabulary
    assert out.findings[0].measure_code == "repair_speed"
    day = service.record_walk(session, PRORAIL, walk(time="10:15"))
    assert day.light == "day"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (dict(station_code="NOPE"), "station_code"),
        (dict(group="astronauts"), "group"),
        (dict(start_time="25:00"), "start_time"),
        (dict(scores={"lighting": 4}), "scores.lighting"),
        (dict(scores={"colour": 1}), "scores.colour"),
        (dict(checklist={"sightlines": "maybe"}), "checklist.sightlines"),
        (dict(checklist={"not_an_item": "ok"}), "checklist.not_an_item"),
        (dict(team=""), "team"),
        (dict(walked_on=date(2999, 1, 1)), "walked_on"),
    ],
)
def test_bad_walks_are_refused_naming_the_field_and_nothing_is_written(session, change, field):
    import dataclasses

    bad = dataclasses.replace(walk(), **change)
    with pytest.raises(InspectionError) as err:
        service.record_walk(session, PRORAIL, bad)
    assert err.value.field == field
    session.rollback()
    assert session.scalar(select(InspectionWalk.id)) is None


def test_a_finding_point_far_from_the_station_is_refused(session):
    far = FindingInput("dark_corner", "forecourt", "low", lat=52.37, lng=4.90)  # Amsterdam
    with pytest.raises(InspectionError, match="km from the station"):
        service.record_walk(session, PRORAIL, walk(findings=(far,)))


def test_a_walk_sent_twice_with_the_same_client_ref_is_stored_once(session):
    a = service.record_walk(session, PRORAIL, walk(client_ref="phone-1"))
    b = service.record_walk(session, PRORAIL, walk(client_ref="phone-1"))
    session.commit()
    assert a.id == b.id
    assert len(session.scalars(select(InspectionWalk)).all()) == 1
    with pytest.raises(NotAllowed):  # another party cannot take over the reference
        service.record_walk(session, NS, walk(client_ref="phone-1"))


def test_the_owner_follows_the_zone_domain(session):
    out = service.record_walk(
        session,
        PRORAIL,
        walk(findings=(lamp("platform"), lamp("hall"), lamp("forecourt", "dark_corner"))),
    )
    owners = [
        service.create_action(
            session, PRORAIL, due_on=date(2026, 6, 1), finding_id=f.id
        ).owner_party
        for f in out.findings
        if f.zone != "hall"
    ]
    hall = next(f for f in out.findings if f.zone == "hall")
    # the hall is NS's: the walk's party may still create the action, owned by NS
    hall_action = service.create_action(
        session, PRORAIL, due_on=date(2026, 6, 1), finding_id=hall.id
    )
    assert owners == ["prorail", "gm0344"]  # Utrecht's municipality outside the station
    assert hall_action.owner_party == "ns"


def test_closing_an_action_without_evidence_is_refused_and_with_a_link_it_closes(session):
    out = service.record_walk(session, PRORAIL, walk(findings=(lamp(),)))
    action = service.create_action(
        session, PRORAIL, due_on=date(2026, 6, 1), finding_id=out.findings[0].id
    )
    with pytest.raises(InspectionError, match="needs evidence") as err:
        service.set_action_status(session, PRORAIL, action.id, "closed", "fixed")
    assert err.value.field == "evidence"
    assert _actions(session, action.id).status == "open"
    with pytest.raises(InspectionError):  # an empty note is no evidence
        service.set_action_status(
            session, PRORAIL, action.id, "closed", evidence=EvidenceInput("note", note="  ")
        )
    with pytest.raises(InspectionError):  # nor a link that is no link
        service.set_action_status(
            session,
            PRORAIL,
            action.id,
            "closed",
            evidence=EvidenceInput("link", url="javascript:x"),
        )
    closed = service.set_action_status(
        session,
        PRORAIL,
        action.id,
        "closed",
        "lampen vervangen",
        EvidenceInput("link", url="https://example.org/werkorder/1"),
    )
    session.commit()
    assert closed.status == "closed"
    assert [e.kind for e in closed.evidence] == ["link"]
    assert [h.event for h in closed.history] == ["created", "evidence", "closed"]
    assert closed.history[-1].reason == "lampen vervangen"
    assert closed.history[-1].actor == PRORAIL.username


def test_only_the_owner_party_may_close_and_a_viewer_may_not_write(session):
    out = service.record_walk(session, PRORAIL, walk(findings=(lamp("hall"),)))
    action = service.create_action(
        session, PRORAIL, due_on=date(2026, 6, 1), finding_id=out.findings[0].id
    )
    ev = EvidenceInput("note", note="schoongemaakt")
    with pytest.raises(NotAllowed):
        service.set_action_status(session, PRORAIL, action.id, "closed", evidence=ev)
    with pytest.raises(NotAllowed):
        service.record_walk(session, PRORAIL_VIEWER, walk())
    with pytest.raises(NotAllowed):  # ILT is neither the walk's party nor the owner
        service.create_action(session, ILT, due_on=date(2026, 6, 1), finding_id=out.findings[0].id)
    with pytest.raises(NotAllowed):  # findings go to walks of the actor's own party
        service.add_finding(session, NS, out.id, lamp())
    assert (
        service.set_action_status(session, NS, action.id, "closed", evidence=ev).status == "closed"
    )


def test_a_later_walk_that_finds_the_problem_again_reopens_a_closed_action(session):
    first = service.record_walk(session, PRORAIL, walk(date(2026, 1, 10), (lamp(),)))
    action = service.create_action(
        session, PRORAIL, due_on=date(2026, 2, 1), finding_id=first.findings[0].id
    )
    service.set_action_status(
        session, PRORAIL, action.id, "closed", evidence=EvidenceInput("note", note="hersteld")
    )
    session.commit()
    other_zone = service.record_walk(
        session, PRORAIL, walk(_closing_day(session, action.id), (lamp("tunnel"),))
    )
    assert other_zone.reopened_actions == []
    again = service.record_walk(session, PRORAIL, walk(_closing_day(session, action.id), (lamp(),)))
    session.commit()
    assert again.reopened_actions == [action.id]
    reopened = _actions(session, action.id)
    assert reopened.status == "open"
    assert reopened.reopened == 1
    last = reopened.history[-1]
    assert (last.event, last.from_status, last.to_status) == ("reopened", "closed", "open")
    assert f"walk {again.id}" in last.reason
    audit = session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject == f"action:{action.id}")
    ).all()
    assert audit == [
        "inspections.action.create",
        "inspections.action.closed",
        "inspections.action.reopen",
    ]


def test_a_rewalk_is_evidence_only_when_it_is_later_at_the_station_and_finds_nothing_there(
    session,
):
    first = service.record_walk(session, PRORAIL, walk(date(2026, 1, 10), (lamp(),)))
    action = service.create_action(
        session, PRORAIL, due_on=date(2026, 2, 1), finding_id=first.findings[0].id
    )
    elsewhere = service.record_walk(session, PRORAIL, walk(date(2026, 2, 1), station="ASD"))
    still = service.record_walk(session, PRORAIL, walk(date(2026, 2, 2), (lamp(),)))
    clean = service.record_walk(session, PRORAIL, walk(date(2026, 2, 3)))
    for bad, why in ((first.id, "after"), (elsewhere.id, "another station"), (still.id, "again")):
        with pytest.raises(InspectionError, match=why):
            service.set_action_status(
                session, PRORAIL, action.id, "closed", evidence=EvidenceInput("rewalk", walk_id=bad)
            )
    out = service.set_action_status(
        session, PRORAIL, action.id, "closed", evidence=EvidenceInput("rewalk", walk_id=clean.id)
    )
    assert out.status == "closed" and out.evidence[-1].walk_id == clean.id


def test_overdue_actions_are_listed_per_party_and_station(session):
    out = service.record_walk(
        session, PRORAIL, walk(findings=(lamp(), lamp("hall"), lamp("tunnel")))
    )
    due = [date(2026, 3, 1), date(2026, 3, 1), date(2026, 9, 1)]
    for f, d in zip(out.findings, due, strict=True):
        service.create_action(session, PRORAIL, due_on=d, finding_id=f.id)
    session.commit()
    late = service.list_actions(session, PRORAIL, overdue=True, today=date(2026, 4, 1))
    assert sorted(a.owner_party for a in late) == ["ns", "prorail"]
    assert service.overdue_summary(session, PRORAIL, date(2026, 4, 1)) == [
        {"party": "ns", "station": "UT", "overdue": 1},
        {"party": "prorail", "station": "UT", "overdue": 1},
    ]
    assert service.list_actions(session, PRORAIL, overdue=True, today=date(2026, 2, 1)) == []
    assert len(service.list_actions(session, PRORAIL, party="ns")) == 1


def test_every_write_is_in_the_audit_trail_and_the_chain_verifies(session):
    from perron.access import audit

    out = service.record_walk(session, PRORAIL, walk(findings=(lamp(),)))
    service.create_action(session, PRORAIL, due_on=date(2026, 6, 1), finding_id=out.findings[0].id)
    session.commit()
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-3:] == [
        "inspections.walk.record",
        "inspections.finding.add",
        "inspections.action.create",
    ]
    assert audit.verify(session).ok


def test_scores_per_station_light_and_group(session):
    service.record_walk(session, PRORAIL, walk(date(2026, 1, 5)))
    service.record_walk(session, PRORAIL, walk(date(2026, 1, 6), time="11:00"))
    rows = service.score_summary(session, PRORAIL, "UT")
    assert {(r["light"], r["walks"]) for r in rows} == {("day", 1), ("night", 1)}
    compare = service.compare_with_monitor(session, PRORAIL, "UT")
    assert compare["station"] == "UT"
    assert compare["rows"][0]["walk_scaled"] == pytest.approx(13 / 8 / 3, abs=0.01)


def test_actions_by_id_of_another_kind_are_not_found(session):
    from perron.inspections.errors import NotFound

    with pytest.raises(NotFound):
        service.get_action(session, PRORAIL, 999999)
    with pytest.raises(NotFound):
        service.create_action(session, PRORAIL, due_on=date(2026, 1, 1), finding_id=424242)
    assert session.scalar(select(InspectionAction.id)) is None


def test_open_findings_raise_a_station_need_until_their_action_is_closed(session):
    out = service.record_walk(session, PRORAIL, walk(findings=(lamp(), lamp("tunnel"))))
    assert service.station_needs(session, PRORAIL)["UT"] == {
        "open_findings": 2,
        "weight": 6.0,
        "synthetic": False,
    }
    action = service.create_action(
        session, PRORAIL, due_on=date(2026, 6, 1), finding_id=out.findings[0].id
    )
    service.set_action_status(
        session, PRORAIL, action.id, "closed", evidence=EvidenceInput("note", note="hersteld")
    )
    assert service.station_needs(session, PRORAIL)["UT"]["open_findings"] == 1
    figures = service.progress(session, PRORAIL)
    assert figures["actions"] == {"open": 0, "in_progress": 0, "closed": 1}
    assert (figures["walks"], figures["walks_night"], figures["stations_walked"]) == (1, 1, 1)

"""Station deals on SQLite and PostgreSQL: who may change them, history and audit, versions,
status rules, budget lines, and the stable deal-measure ids effect evaluation reads."""

from datetime import date

import pytest
from sqlalchemy import func, select

from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.programme import deals as d
from perron.programme.errors import Conflict, Forbidden, NotFound, ProgrammeError
from perron.store.tables.access import AuditEntry
from perron.store.tables.programme import DealChange, DealMeasure

IENW = Principal(1, "anna", "Anna", "ienw", Role.ADMIN)
PRORAIL_ANALYST = Principal(2, "piet", "Piet", "prorail", Role.ANALYST)
NS_ADMIN = Principal(3, "noor", "Noor", "ns", Role.ADMIN)
NS_VIEWER = Principal(4, "vera", "Vera", "ns", Role.VIEWER)
ARRIVA_ADMIN = Principal(5, "ali", "Ali", "arriva", Role.ADMIN)


def _deal(session, actor=IENW, code="SD-T-1"):
    line = d.BudgetLineInput("programme", "Programma", "ienw", 20_000_000, 2026)
    if not session.scalar(select(func.count()).select_from(d.BudgetLine)):
        d.create_budget_line(session, IENW, line, "letter of 10 October 2025")
    return d.create_deal(
        session,
        actor,
        d.DealInput(
            code=code,
            title="Stationsdeal Amsterdam Lelylaan",
            stations=["asdl"],
            parties=[
                d.PartyShare("ienw", "funder", 500_000, "programme"),
                d.PartyShare("ns", "executor"),
            ],
            budget_line="programme",
        ),
        "first deal",
    )


def _measure(**kw):
    base = dict(
        measure_code="lighting", station="ASDL", zone="tunnel", owner_party="ns", cost_eur=150_000
    )
    base.update(kw)
    return d.MeasureInput(**base)


def test_create_add_change_with_history_and_audit(session):
    deal = _deal(session)
    assert deal["stations"] == ["ASDL"] and deal["status"] == "draft"
    m = d.add_measure(session, NS_ADMIN, "SD-T-1", _measure(), "plan")
    assert m["domain"] == "station"
    m2 = d.add_measure(
        session,
        IENW,
        "SD-T-1",
        _measure(measure_code="cctv_car_park", zone="bicycle_parking", cost_eur=90_000),
        "plan",
    )
    assert m2["domain"] == "surroundings"
    d.update_deal(
        session,
        PRORAIL_ANALYST,
        "SD-T-1",
        {"status": "agreed", "signed_on": "2026-02-16"},
        "signed",
    )
    up = d.update_measure(
        session,
        NS_ADMIN,
        m["id"],
        {"status": "in_progress", "actual_start": "2026-03-09", "spent_eur": 40_000},
        "work started",
    )
    assert up["status"] == "in_progress" and up["id"] == m["id"] and up["version"] == 2
    session.commit()
    full = d.get_deal(session, NS_VIEWER, "SD-T-1")
    actions = [h["action"] for h in full["history"]]
    assert actions == ["deal.create", "measure.add", "measure.add", "deal.update", "measure.update"]
    change = full["history"][-1]
    assert change["actor"] == "noor" and change["reason"] == "work started"
    assert change["before"]["status"] == "planned" and change["after"]["status"] == "in_progress"
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.like("programme.%"))
        )
        == 6
    )
    rec = d.get_deal_measure(session, m["id"])
    assert (
        rec.stations == ["ASDL"]
        and rec.actual_start == date(2026, 3, 9)
        and rec.measure_code == "lighting"
    )
    assert d.running_measures(session) == {"ASDL": ["lighting", "cctv_car_park"]}
    summary = d.budget_summary(session, NS_VIEWER)
    prog = summary["lines"][0]
    assert prog["committed_eur"] == 240_000 and prog["spent_eur"] == 40_000
    assert prog["remaining_eur"] == 20_000_000 - 240_000


def test_who_may_change(session):
    _deal(session)
    with pytest.raises(Forbidden):
        d.add_measure(session, NS_VIEWER, "SD-T-1", _measure(), "try")
    with pytest.raises(Forbidden):
        d.add_measure(session, ARRIVA_ADMIN, "SD-T-1", _measure(), "not my deal")
    with pytest.raises(Forbidden):
        d.create_budget_line(session, NS_ADMIN, d.BudgetLineInput("x", "x", "ns", 1), "no")
    with pytest.raises(Forbidden):  # an admin may create a deal only with their own party in it
        d.create_deal(
            session, ARRIVA_ADMIN, d.DealInput("SD-X", "x", ["UT"], [d.PartyShare("ns")]), "x"
        )
    made = d.create_deal(
        session,
        ARRIVA_ADMIN,
        d.DealInput("SD-Y", "y", ["UT"], [d.PartyShare("arriva", "lead")]),
        "own",
    )
    assert made["parties"][0]["party"] == "arriva"


def test_rules_and_conflicts(session):
    deal = _deal(session)
    with pytest.raises(ProgrammeError, match="reason"):
        d.update_deal(session, IENW, "SD-T-1", {"title": "x"}, " ")
    with pytest.raises(Conflict, match="version"):
        d.update_deal(
            session, IENW, "SD-T-1", {"title": "x"}, "r", expected_version=deal["version"] + 5
        )
    with pytest.raises(Conflict):
        d.update_deal(session, IENW, "SD-T-1", {"status": "completed"}, "skip ahead")
    with pytest.raises(ProgrammeError, match="station"):
        d.add_measure(session, IENW, "SD-T-1", _measure(station="UT"), "not in the deal")
    with pytest.raises(ProgrammeError, match="measure_code"):
        d.add_measure(session, IENW, "SD-T-1", _measure(measure_code="laser"), "x")
    with pytest.raises(ProgrammeError, match="actual_start"):
        d.add_measure(session, IENW, "SD-T-1", _measure(status="in_progress"), "x")
    with pytest.raises(ProgrammeError, match="cost_eur"):
        d.add_measure(session, IENW, "SD-T-1", _measure(cost_eur=-5), "x")
    with pytest.raises(ProgrammeError, match="url"):
        d.add_document(session, IENW, "SD-T-1", "x", "javascript:alert(1)", "x")
    with pytest.raises(NotFound):
        d.get_deal(session, IENW, "NOPE")
    with pytest.raises(NotFound):
        d.get_deal_measure(session, 999)
    with pytest.raises(Conflict):
        _deal(session)  # the same code again
    m = d.add_measure(session, IENW, "SD-T-1", _measure(), "plan")
    d.update_measure(session, IENW, m["id"], {"status": "cancelled"}, "dropped")
    with pytest.raises(Conflict):
        d.update_measure(session, IENW, m["id"], {"status": "planned"}, "back")
    # nothing of the refused changes was written
    session.commit()
    assert session.scalar(select(func.count()).select_from(DealMeasure)) == 1
    assert session.scalar(select(func.count()).select_from(DealChange)) == 3

"""The slot search against exhaustive enumeration on small hand-made networks, and the
constraints every plan must obey."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from perron.military.model import PlanningError, Request, Series
from perron.military.occupancy import civil_trains
from perron.military.planner import plan_request
from perron.military.rules import may_wait
from perron.military.search import acceleration, leg_minutes

from .small import FULL_DAY, T0, conflict_free, exhaustive, make_inputs, random_case


def _minutes(iso: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(iso) - T0).total_seconds() / 60


def check_plan(inputs, req, settings, plan) -> None:
    """Every constraint: real links, none avoided, waits only where allowed, headways kept."""
    route = plan["route"]
    assert route[0] == req.origin and route[-1] == req.destination
    assert len(set(route)) == len(route)
    avoided = {frozenset(a) for a in req.avoid}
    legs = plan["legs"]
    assert [lg["from"] for lg in legs] + [legs[-1]["to"]] == route
    base = (req.earliest - T0).total_seconds() / 60
    horizon = settings.horizon_h * 60
    links = list(itertools.pairwise(route))
    civil = civil_trains(links, {1: dict(inputs.occupancy(1))}, req.earliest, horizon, settings)
    waits = {w["station"] for w in plan["waits"]}
    for w in waits:
        assert may_wait(w, req, inputs.context)
    for i, lg in enumerate(legs):
        a, b = lg["from"], lg["to"]
        assert inputs.network.link(a, b) is not None
        assert frozenset((a, b)) not in avoided
        te, tx = _minutes(lg["enter"]) - base, _minutes(lg["exit"]) - base
        assert 0 <= te < tx <= horizon + 1e-9
        if i:
            prev_exit = _minutes(legs[i - 1]["exit"]) - base
            assert te >= prev_exit - 1e-9
            if te > prev_exit + 1e-9:
                assert a in waits
        if plan["kind"] == "conflict_free":
            for c in civil[(a, b)]:
                assert conflict_free(te, tx, c.enter, c.exit, settings.headway_min), (a, b, c)


@pytest.mark.parametrize("seed", range(14))
def test_optimal_slot_equals_exhaustive_search(seed):
    inputs, req = random_case(seed)
    expect = exhaustive(inputs, req, FULL_DAY)
    if expect is None:
        with pytest.raises(PlanningError):
            plan_request(req, inputs, FULL_DAY)
        return
    plan = plan_request(req, inputs, FULL_DAY)
    base = (req.earliest - T0).total_seconds() / 60
    assert _minutes(plan["arrival"]) - base == pytest.approx(expect[0])
    assert _minutes(plan["departure"]) - base == pytest.approx(expect[1])
    check_plan(inputs, req, FULL_DAY, plan)
    for alt in plan["alternatives"]:
        if alt["kind"] == "conflict_free":
            check_plan(inputs, req, FULL_DAY, alt)
        assert _minutes(alt["arrival"]) >= _minutes(plan["arrival"]) - 1e-9 or (
            alt["kind"] == "priority"
        )


def _line() -> tuple:
    # A - B - C, one civil series A→C every 10 minutes taking 4 + 4 minutes
    links = [("A", "B", 5.0, 100.0), ("B", "C", 5.0, 100.0)]
    s = Series("100", "Sprinter", ("A", "B", "C"), (0, 4, 8), (0, 4, 8), 10.0)
    return links, s


def test_no_gap_in_dense_traffic_without_a_siding_but_with_one():
    # civil trains every 5 minutes: a slow freight train cannot run between them without waiting
    links = [("A", "B", 6.0, 60.0), ("B", "C", 6.0, 60.0)]
    s = Series("100", "Sprinter", ("A", "B", "C"), (0, 4, 8), (0, 4, 8), 5.0)
    inputs = make_inputs(links, [s])
    req = Request("A", "C", T0, length_m=600, mass_t=3000, max_speed_kmh=60)
    with pytest.raises(PlanningError) as err:
        plan_request(req, inputs, FULL_DAY)
    assert "urgent" in str(err.value)
    urgent = plan_request(replace(req, urgent=True), inputs, FULL_DAY)
    assert urgent["kind"] == "priority"
    impact = urgent["civil_impact"]
    assert impact["trains_displaced"] + impact["trains_cancelled"] >= 1
    assert impact["series"] == ["100"]
    assert impact["trains_affected"] >= impact["trains_displaced"]
    for d in impact["displaced"]:
        assert d["delay_minutes"] > 0 and d["action"] in ("wait", "cancel")


def test_priority_plan_displaces_fewest_trains_by_exhaustion():
    links = [("A", "B", 6.0, 60.0), ("B", "C", 6.0, 60.0)]
    s1 = Series("100", "Sprinter", ("A", "B", "C"), (0, 4, 8), (0, 4, 8), 5.0)
    inputs = make_inputs(links, [s1])
    req = Request("A", "C", T0, length_m=300, mass_t=1000, max_speed_kmh=60, urgent=True)
    plan = plan_request(req, inputs, FULL_DAY)
    fewest = len(plan["civil_impact"]["displaced"])
    # no straight-through departure in the horizon displaces fewer trains
    from perron.military.search import priority_at, route_times

    settings = FULL_DAY
    rt = route_times(inputs.network, ["A", "B", "C"], req, settings, [True, False, True])
    civil = civil_trains([("A", "B"), ("B", "C")], {1: dict(inputs.occupancy(1))}, T0, 90, settings)
    trains = [civil[("A", "B")], civil[("B", "C")]]
    total = rt.start[0] + rt.moving[1]
    counts = [len(priority_at(rt, trains, d, settings).displaced) for d in range(0, 91 - total)]
    assert fewest == min(counts)


def _blocked_line(sidings: frozenset[str]):
    # A-B is busy from minute 20, B-C from minute 4 to 38: leave early, wait at B
    links = [("Z1", "A", 20.0, 100.0), ("A", "B", 5.0, 100.0), ("B", "C", 5.0, 100.0)]
    links.append(("Z2", "B", 20.0, 100.0))
    series = [
        Series(
            f"1{k}",
            "Sprinter",
            ("Z1", "A", "B"),
            (0, 20 + 5 * k, 24 + 5 * k),
            (0, 20 + 5 * k, 24 + 5 * k),
            60.0,
        )
        for k in range(8)
    ] + [
        Series(
            f"2{k}",
            "Intercity",
            ("Z2", "B", "C"),
            (0, 4 + 5 * k, 8 + 5 * k),
            (0, 4 + 5 * k, 8 + 5 * k),
            60.0,
        )
        for k in range(7)
    ]
    return make_inputs(links, series, sidings)


def test_a_train_waits_at_a_siding_when_it_must_and_cannot_without_one():
    req = Request("A", "C", T0, length_m=700, mass_t=1500, max_speed_kmh=100)
    with_siding = _blocked_line(frozenset({"B"}))
    plan = plan_request(req, with_siding, FULL_DAY)
    assert [w["station"] for w in plan["waits"]] == ["B"]
    assert plan["waits"][0]["minutes"] >= 10
    check_plan(with_siding, req, FULL_DAY, plan)
    expect = exhaustive(with_siding, req, FULL_DAY)
    assert expect is not None
    assert _minutes(plan["arrival"]) == pytest.approx(expect[0])
    assert _minutes(plan["departure"]) == pytest.approx(expect[1])
    without = _blocked_line(frozenset())
    assert exhaustive(without, req, FULL_DAY) is None
    with pytest.raises(PlanningError):
        plan_request(req, without, FULL_DAY)


def test_junction_loops_take_short_trains_only():
    from perron.military.model import Network, Station
    from perron.military.rules import RuleContext

    net = Network({"J": Station("J", "J", None, None, "junction")}, ())
    ctx = RuleContext(network=net, sidings_740m=frozenset({"S"}))
    short = Request("A", "B", T0, length_m=400)
    long = Request("A", "B", T0, length_m=600)
    assert may_wait("J", short, ctx) and not may_wait("J", long, ctx)
    assert may_wait("S", long, ctx) and not may_wait("X", short, ctx)


def test_avoid_changes_the_route_and_disconnecting_is_an_error():
    links = [
        ("A", "B", 5.0, 100.0),
        ("B", "D", 5.0, 100.0),
        ("A", "C", 8.0, 100.0),
        ("C", "D", 8.0, 100.0),
    ]
    inputs = make_inputs(links, [])
    req = Request("A", "D", T0, length_m=500, mass_t=1500)
    assert plan_request(req, inputs, FULL_DAY)["route"] == ["A", "B", "D"]
    other = plan_request(replace(req, avoid=(("B", "D"),)), inputs, FULL_DAY)
    assert other["route"] == ["A", "C", "D"]
    check_plan(inputs, replace(req, avoid=(("B", "D"),)), FULL_DAY, other)
    with pytest.raises(PlanningError) as err:
        plan_request(replace(req, avoid=(("B", "D"), ("C", "D"))), inputs, FULL_DAY)
    assert err.value.field == "avoid"


def test_running_time_grows_with_mass_and_is_capped_by_line_and_train_speed():
    light = Request("A", "B", T0, mass_t=500)
    heavy = Request("A", "B", T0, mass_t=4000)
    assert acceleration(heavy, FULL_DAY) < acceleration(light, FULL_DAY)
    m_l, s_l = leg_minutes(10, 100, None, light, FULL_DAY)
    m_h, s_h = leg_minutes(10, 100, None, heavy, FULL_DAY)
    assert m_l == pytest.approx(m_h)  # moving at speed: mass does not matter
    assert s_h > s_l > m_l  # a standing start costs more for a heavier train
    # 10 km plus the train length at 100 km/h
    assert m_l == pytest.approx((10 + 0.6) / 100 * 60)
    links = [("A", "B", 10.0, 80.0)]
    inputs = make_inputs(links, [])
    fast = plan_request(
        Request("A", "B", T0, length_m=600, mass_t=500, max_speed_kmh=160), inputs, FULL_DAY
    )
    assert fast["legs"][0]["speed_kmh"] == 80.0
    slow = plan_request(
        Request("A", "B", T0, length_m=600, mass_t=500, max_speed_kmh=40), inputs, FULL_DAY
    )
    assert slow["legs"][0]["speed_kmh"] == 40.0
    assert slow["running_minutes"] > fast["running_minutes"]

"""The read side on both databases: filters, paging, history, links, aggregates, audit."""

from __future__ import annotations

from datetime import date

import pytest

import registry_read_seed as seed_data
from perron.access import agreements, audit
from perron.registry import queries


@pytest.fixture
def world(session):
    ids = seed_data.seed(session)
    agreements.create(
        session,
        owner="prorail",
        grantee="ns",
        level="detail",
        purposes=["analysis"],
        fields=["description"],
    )
    agreements.create(
        session, owner="politie", grantee="ns", level="aggregate", purposes=["analysis"]
    )
    session.commit()
    return ids


def _viewer(session, party="ns", role="analyst"):
    return agreements.viewer_for(session, party, role, f"{party}-{role}")


def _labels(world, items):
    back = {v: k for k, v in world.items()}
    return {back[i["id"]] for i in items}


def test_filters_and_paging(session, world):
    v = _viewer(session)
    page = queries.list_incidents(
        session, v, "analysis", queries.Filters(categories=(seed_data.AGGRESSION,)), page_size=4
    )
    assert page.has_more and len(page.items) == 4
    rest = queries.list_incidents(
        session,
        v,
        "analysis",
        queries.Filters(categories=(seed_data.AGGRESSION,)),
        page=2,
        page_size=4,
    )
    assert not rest.has_more
    # politie's aggression is aggregate-only for ns: six of ns's own remain
    assert _labels(world, page.items + rest.items) == {f"ns-agg-{k}" for k in range(1, 7)}
    by_station = queries.list_incidents(session, v, "analysis", queries.Filters(stations=("ASD",)))
    assert _labels(world, by_station.items) == {"ns-cu-1", "ns-cu-2", "pr-track-1"}
    by_group = queries.list_incidents(
        session, v, "analysis", queries.Filters(categories=("social_safety",))
    )
    assert _labels(world, by_group.items) == {f"ns-agg-{k}" for k in range(1, 7)} | {
        "pr-van-1",
        "pr-van-2",
        "pr-van-3",
    }
    period = queries.list_incidents(
        session, v, "analysis", queries.Filters(since=date(2024, 2, 1), until=date(2024, 3, 1))
    )
    assert _labels(world, period.items) == {"ns-cu-1", "ns-cu-2", "pr-track-1"}


def test_asking_for_an_owner_without_agreement_is_refused_with_the_reason(session, world):
    with pytest.raises(queries.AccessDenied, match="'politie'"):
        queries.list_incidents(
            session, _viewer(session), "analysis", queries.Filters(owners=("politie",))
        )


def test_detail_has_history_and_links_hiding_what_may_not_be_seen(session, world):
    item = queries.get_incident(session, _viewer(session), "analysis", world["ns-agg-1"])
    assert [v["version"] for v in item["versions"]] == [1]
    assert item["person_ref"] == seed_data.PERSON_A  # own record: every field
    (link,) = item["links"]
    assert link == {"id": None, "kind": link["kind"], "visible": False, "owner_party": "politie"}
    other = queries.get_incident(session, _viewer(session), "analysis", world["pr-van-1"])
    assert [lk["id"] for lk in other["links"]] == [world["ns-agg-2"]]
    assert other["description"] == "Ruit ingegooid" and other["person_ref"] is None


def test_unknown_incident_is_not_found(session, world):
    with pytest.raises(queries.NotFound):
        queries.get_incident(session, _viewer(session), "analysis", "999999")


def test_every_read_is_audited_aggregates_too(session, world):
    start = audit.anchor(session)["seq"]
    v = _viewer(session)
    queries.list_incidents(session, v, "analysis")
    queries.get_incident(session, v, "analysis", world["pr-van-1"])
    queries.aggregate(session, v, "analysis", ("station",))
    session.commit()
    entries = audit.entries(session, since_seq=start)
    assert [e["action"] for e in entries] == [
        "incident.list",
        "incident.read",
        "incident.aggregate",
    ]
    assert entries[1]["detail"]["protected_fields"] == ["description"]
    assert all(e["actor"] == "ns-analyst" and e["purpose"] == "analysis" for e in entries)
    assert audit.verify(session).ok


def test_station_month_aggregate_in_local_months(session, world):
    agg = queries.aggregate(session, _viewer(session), "analysis", ("station", "month"))
    cells = {(c["station"], c["month"]): c for c in agg.cells}
    # UT in January: 6 ns + 3 prorail (detail) + 3 politie (aggregate only, a grid cell below
    # five: left out) = 9
    assert cells[("UT", "2024-01")]["count"] == 9
    assert cells[("UT", "2024-01")]["suppressed"] is True
    assert cells[("ASD", "2024-02")]["count"] == 3
    assert cells[("UT", "2024-03")]["count"] == 1
    assert cells[("UT", "2024-01")]["lat"] is not None


def test_small_cells_with_others_data_are_suppressed(session, world):
    agg = queries.aggregate(session, _viewer(session), "analysis", ("party",))
    cells = {c["party"]: c for c in agg.cells}
    assert cells["politie"] == {"party": "politie", "count": None, "suppressed": True}
    assert cells["prorail"]["count"] == 4  # fewer than 5, but all listable by ns
    assert agg.suppressed == 1


def test_a_viewer_gets_aggregates_only_and_small_cells_suppressed(session, world):
    viewer = _viewer(session, role="viewer")
    with pytest.raises(queries.AccessDenied, match="aggregates only"):
        queries.list_incidents(session, viewer, "analysis")
    agg = queries.aggregate(session, viewer, "analysis", ("party",))
    cells = {c["party"]: c["count"] for c in agg.cells}
    # the fixed grid: ns's two copper thefts (one cell below five) are left out of ns's count
    assert cells == {"ns": 6, "politie": None, "prorail": None, "rdt": None}


def test_bad_grouping_is_a_clear_error(session, world):
    with pytest.raises(queries.QueryError, match="cannot group by 'colour'"):
        queries.aggregate(session, _viewer(session), "analysis", ("colour",))


def test_day_periods_are_counted_from_the_records_and_months_from_the_rollup(session, world):
    # ns for operational purposes sees its own records and the public ones, all in detail
    v = _viewer(session, role="operator")
    months = queries.aggregate(
        session, v, "operational", ("station",), queries.Filters(since=date(2024, 2, 1))
    )
    days = queries.aggregate(
        session, v, "operational", ("station",), queries.Filters(since=date(2024, 1, 11))
    )
    assert {c["station"]: c["count"] for c in months.cells} == {"ASD": 2, "UT": 1}
    assert {c["station"]: c["count"] for c in days.cells} == {"ASD": 2, "UT": 1}
    # a new incident makes the rollup stale: it is rebuilt before the next answer
    seed_data.add_one(session, "ns", seed_data.AGGRESSION, "ASD", 2)
    months = queries.aggregate(
        session, v, "operational", ("station",), queries.Filters(since=date(2024, 2, 1))
    )
    assert {c["station"]: c["count"] for c in months.cells} == {"ASD": 3, "UT": 1}
    # with aggregate-only data in the answer (politie's, for analysis) days are refused
    with pytest.raises(queries.QueryError, match="whole months"):
        queries.aggregate(
            session,
            _viewer(session),
            "analysis",
            ("station",),
            queries.Filters(since=date(2024, 1, 11)),
        )


def test_a_confirmed_duplicate_leaves_the_rollup_at_once(session, world):
    from sqlalchemy import select

    from perron.registry import linking
    from perron.store.tables.registry import IncidentLink

    # politie sees its own records and the public ones in detail: exact counts
    v = _viewer(session, party="politie")
    whole_months = queries.Filters(since=date(2024, 1, 1))

    def ut() -> int:
        agg = queries.aggregate(session, v, "analysis", ("station",), whole_months)
        return {c["station"]: c["count"] for c in agg.cells}["UT"]

    before = ut()
    link = session.scalar(
        select(IncidentLink).where(IncidentLink.incident_id == int(world["ns-agg-1"]))
    )
    linking.decide_link(session, link.id, True, "ns-analyst", "ns")
    assert ut() == before - 1

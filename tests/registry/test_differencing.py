"""The differencing attack on small-cell suppression, replayed: a party with aggregate rights
only asks for complementary category lists and steps ``since=`` a day at a time to isolate one
incident of another party. It worked in 29 requests; on the fixed grid it no longer does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from perron.access import agreements, audit
from perron.domain import taxonomy
from perron.domain.incidents import IncidentFacts
from perron.registry import queries
from perron.registry.incidents import record
from perron.store.tables.registry import Incident, IncidentVersion

TARGET_CATEGORY = "person_on_track"  # rail_safety
OTHER_RAIL = "level_crossing_accident"
SOCIAL = "vandalism"


def _add(session, ref: str, category: str, station: str, day: date) -> None:
    facts = IncidentFacts(
        category=category,
        occurred_at=datetime(day.year, day.month, day.day, 21, 0, tzinfo=UTC),
        station_code=station,
    )
    record(session, "prorail", ref, facts, "seed", synthetic=True)


def _world(session, with_target: bool) -> None:
    """ProRail's registry: big cells at UT and ASD, two rail incidents at GVC in March, and
    (or not) the target: one more person on the track at GVC on 14 March."""
    n = 0
    for station in ("UT", "ASD"):
        for k in range(7):
            n += 1
            _add(session, f"S{n}", SOCIAL, station, date(2024, 3, 1 + k))
    for k in range(6):
        n += 1
        _add(session, f"S{n}", OTHER_RAIL, "ASD", date(2024, 3, 2 + k))
    _add(session, "R1", OTHER_RAIL, "GVC", date(2024, 3, 3))
    _add(session, "R2", OTHER_RAIL, "GVC", date(2024, 3, 20))
    if with_target:
        _add(session, "TARGET", TARGET_CATEGORY, "GVC", date(2024, 3, 14))
    agreements.create(
        session,
        owner="prorail",
        grantee="ienw",
        level="aggregate",
        purposes=["analysis"],
    )
    session.commit()


def _attack(session) -> tuple[list[object], int]:
    """The 29 requests (and more): complementary category lists, then since stepped a day at a
    time; returns every answer (or the refusal) and the number of answers refused."""
    viewer = agreements.viewer_for(session, "ienw", "analyst", "ienw-analyst")
    every = sorted(taxonomy.CATEGORIES)
    asks: list[tuple[tuple[str, ...], queries.Filters]] = []
    asks.append((("station", "category"), queries.Filters()))
    for left_out in (TARGET_CATEGORY, OTHER_RAIL, SOCIAL):
        rest = tuple(c for c in every if c != left_out)
        asks.append((("station",), queries.Filters(categories=rest)))
        asks.append((("station",), queries.Filters(categories=(left_out,))))
    for k in range(22):
        day = date(2024, 3, 1) + timedelta(days=k)
        asks.append((("station",), queries.Filters(since=day)))
        asks.append((("station",), queries.Filters(since=day, stations=("GVC",))))
    # what the grid allows: whole groups, whole months, every grouping
    groups = sorted(taxonomy.GROUPS)
    for g in groups:
        asks.append((("station", "month"), queries.Filters(categories=(g,))))
        rest = tuple(x for x in groups if x != g)
        asks.append((("station", "month"), queries.Filters(categories=rest)))
    for by in (("station",), ("party",), ("group",), ("month",), ("station", "group", "month")):
        asks.append((by, queries.Filters()))
        asks.append((by, queries.Filters(since=date(2024, 3, 1), until=date(2024, 4, 1))))
        asks.append((by, queries.Filters(stations=("GVC",))))
    answers: list[object] = []
    refused = 0
    for by, filters in asks:
        try:
            agg = queries.aggregate(session, viewer, "analysis", by, filters)
        except queries.QueryError as exc:
            refused += 1
            answers.append(("refused", str(exc)))
            continue
        answers.append([(tuple(c[k] for k in by), c["count"]) for c in agg.cells])
    return answers, refused


def _counts_by_station(session, filters: queries.Filters) -> dict[str, int | None]:
    viewer = agreements.viewer_for(session, "ienw", "analyst", "ienw-analyst")
    agg = queries.aggregate(session, viewer, "analysis", ("station",), filters)
    return {c["station"]: c["count"] for c in agg.cells}


def test_the_attack_worked_on_free_filters_for_a_detail_viewer(session):
    """The differences the attack used, shown where they are legitimate: ProRail itself sees its
    own records, so for it the counts are exact and differencing finds the day."""
    _world(session, with_target=True)
    own = agreements.viewer_for(session, "prorail", "analyst", "prorail-analyst")

    def gvc(filters):
        agg = queries.aggregate(session, own, "analysis", ("station",), filters)
        return {c["station"]: c["count"] for c in agg.cells}.get("GVC", 0)

    assert (
        gvc(queries.Filters(since=date(2024, 3, 14)))
        - gvc(queries.Filters(since=date(2024, 3, 15)))
        == 1
    )


def test_differencing_no_longer_reveals_the_incident(session):
    _world(session, with_target=True)
    with_target, refused = _attack(session)
    # the requests that cut a grid cell are refused: by category (1), the category lists
    # (3 × 2) and since on any day but the first of the month (21 × 2)
    assert refused == 1 + 3 * 2 + 21 * 2
    # every answer is the same whether or not the target exists: its station, category and day
    # cannot be told from any answer, nor from any difference of answers
    target = session.scalar(select(Incident.id).where(Incident.party_ref == "TARGET"))
    session.execute(delete(IncidentVersion).where(IncidentVersion.incident_id == target))
    session.execute(delete(Incident).where(Incident.id == target))
    session.commit()
    without_target, _ = _attack(session)
    assert with_target == without_target
    # the big cells stay useful; the small GVC cell is suppressed, consistently
    counts = _counts_by_station(session, queries.Filters())
    assert counts["UT"] == 7 and counts["ASD"] == 13
    assert counts["GVC"] is None


def test_the_grid_is_consistent_with_its_totals(session):
    """A suppressed cell cannot be recovered from a total: totals leave out the same cells."""
    _world(session, with_target=True)
    viewer = agreements.viewer_for(session, "ienw", "analyst", "ienw-analyst")
    by_station = queries.aggregate(session, viewer, "analysis", ("station",))
    total = queries.aggregate(session, viewer, "analysis", ("party",))
    shown = sum(c["count"] or 0 for c in by_station.cells)
    assert total.cells == [{"party": "prorail", "count": shown, "suppressed": True}]
    assert by_station.grid and total.grid


def test_refusals_name_the_rule(session):
    _world(session, with_target=False)
    viewer = agreements.viewer_for(session, "ienw", "analyst", "ienw-analyst")
    with pytest.raises(queries.QueryError, match="since: .*whole months"):
        queries.aggregate(
            session, viewer, "analysis", ("station",), queries.Filters(since=date(2024, 3, 14))
        )
    with pytest.raises(queries.QueryError, match="category group"):
        queries.aggregate(
            session, viewer, "analysis", ("station",), queries.Filters(categories=(SOCIAL,))
        )
    with pytest.raises(queries.QueryError, match="'group', not 'category'"):
        queries.aggregate(session, viewer, "analysis", ("category",))


def test_every_aggregate_read_is_audited(session):
    _world(session, with_target=False)
    viewer = agreements.viewer_for(session, "ienw", "analyst", "ienw-analyst")
    start = audit.anchor(session)["seq"]
    queries.aggregate(session, viewer, "analysis", ("station",))
    queries.station_counts(session, viewer, "analysis", "ut")
    session.commit()
    entries = audit.entries(session, since_seq=start)
    assert [e["action"] for e in entries] == ["incident.aggregate", "incident.aggregate"]
    assert entries[0]["actor"] == "ienw-analyst" and entries[0]["party"] == "ienw"
    assert entries[0]["detail"]["by"] == ["station"] and entries[0]["detail"]["grid"] is True
    assert entries[1]["detail"]["filters"] == {"stations": ["UT"]}
    assert audit.verify(session).ok

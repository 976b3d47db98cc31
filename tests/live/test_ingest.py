"""The in-process path: idempotent store, one transaction with the alerts, warm-up after a
restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from perron.domain.events import Event, EventError
from perron.live.ingest import Ingestor
from perron.store.db import make_engine, transaction
from perron.store.tables.live import Alert, SensorEvent


def ev(i: str, label: str, at: datetime, kind: str = "detection", zone: str = "tunnel") -> Event:
    return Event(
        id=f"t:{i}",
        source="test",
        kind=kind,
        label=label,
        station_code="UT",
        zone=zone,
        occurred_at=at,
        received_at=at,
    )


def _n(engine, model) -> int:
    with engine.connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar_one()


def test_event_rejects_naive_times_and_unlisted_attributes():
    now = datetime.now(UTC)
    with pytest.raises(EventError, match="occurred_at"):
        ev("x", "person", now.replace(tzinfo=None))
    with pytest.raises(EventError, match="sub_label"):
        Event(
            id="x",
            source="t",
            kind="detection",
            label="person",
            station_code="UT",
            zone=None,
            occurred_at=now,
            received_at=now,
            attributes={"sub_label": "Jan"},
        )


def test_duplicates_rollback_and_warm_up(sqlite_url):
    engine = make_engine(sqlite_url)
    now = datetime.now(UTC)
    ing = Ingestor()
    with transaction(engine) as s:
        r = ing.process(s, [ev("p1", "person", now - timedelta(seconds=20))] * 2)
    assert (r.stored, r.duplicates) == (1, 1)
    # events and their alert are one transaction: a failure after process() keeps neither
    with pytest.raises(RuntimeError), transaction(engine) as s:
        r = Ingestor().process(s, [ev("hp", "help_point", now, kind="help_point")])
        assert r.alert_ids
        raise RuntimeError("crash before commit")
    assert _n(engine, SensorEvent) == 1 and _n(engine, Alert) == 0
    # a restarted engine: without warm-up a yell 20 s after the stored person raises nothing
    # (checked in a transaction that is rolled back)...
    yell = ev("y1", "yell", now, kind="audio")
    with pytest.raises(RuntimeError), transaction(engine) as s:
        assert Ingestor().process(s, [yell]).alert_ids == []
        raise RuntimeError("roll back")
    # ...with warm-up it sees the person and the yell together: aggression
    warm = Ingestor()
    with transaction(engine) as s:
        assert warm.warm_up(s) == 1
        r = warm.process(s, [yell])
    assert len(r.alert_ids) == 1
    with transaction(engine) as s:
        again = warm.process(s, [yell])  # redelivered
    assert (again.stored, again.duplicates, again.alert_ids) == (0, 1, [])
    assert _n(engine, Alert) == 1
    engine.dispose()


def test_a_batch_mixing_stored_and_new_events_stores_and_correlates_only_the_new(db_url):
    """A redelivered batch that also holds new events (a broker's redelivery after a crash
    followed by fresh messages): only the new ones are stored and reach the correlator."""
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    ing = Ingestor()
    p1 = ev("p1", "person", now - timedelta(seconds=5), zone="hall")
    p2 = ev("p2", "person", now - timedelta(seconds=4), zone="hall")
    with transaction(engine) as s:
        assert ing.process(s, [p1, p2]).stored == 2
    hp = ev("hp", "help_point", now, kind="help_point")
    p3 = ev("p3", "person", now, zone="hall")
    with transaction(engine) as s:
        r = ing.process(s, [p1, hp, p2, p3])
    assert (r.stored, r.duplicates, len(r.alert_ids)) == (2, 2, 1)
    p4 = ev("p4", "person", now + timedelta(seconds=1), zone="hall")
    with transaction(engine) as s:
        r = ing.process(s, [hp, p4])  # the help point again: stored once, alerted once
    assert (r.stored, r.duplicates, r.alert_ids) == (1, 1, [])
    with transaction(engine) as s:
        r = ing.process(s, [p1, p2, hp])  # nothing new at all
    assert (r.stored, r.duplicates, r.alert_ids) == (0, 3, [])
    with engine.connect() as c:
        ids = set(c.execute(select(SensorEvent.id)).scalars())
    assert ids == {"t:p1", "t:p2", "t:hp", "t:p3", "t:p4"}
    assert _n(engine, Alert) == 1
    engine.dispose()


def test_stored_events_read_back_as_given_and_as_the_orm_stores_them(db_url):
    """The batch insert (ready tuples on SQLite) stores what the ORM would: the same values read
    back, and on SQLite the same text for times as a Core insert of the same event."""
    from sqlalchemy import insert, text

    from perron.live.ingest import event_row

    engine = make_engine(db_url)
    cet = timezone(timedelta(hours=1))
    given = [
        Event(
            id="t:a",
            source="frigate",
            kind="detection",
            label="person",
            station_code="UT",
            zone="tunnel",
            occurred_at=datetime(2026, 11, 20, 21, 3, 11, tzinfo=cet),  # no microseconds
            received_at=datetime(2026, 11, 20, 20, 3, 12, 250, tzinfo=UTC),
            score=0.9,
            camera="ut_tunnel_1",
            count=1,
            phase="new",
            value=2.5,
            attributes={"frigate_zones": ["stairs"], "stationary": False, "top_score": 0.91},
        ),
        ev("b", "help_point", datetime(2026, 11, 20, 20, 4, tzinfo=UTC), kind="help_point"),
    ]
    with transaction(engine) as s:
        assert Ingestor().process(s, given).stored == 2
    with transaction(engine) as s:
        rows = {r.id: r for r in s.scalars(select(SensorEvent))}
        for e in given:
            r = rows[e.id]
            assert (r.occurred_at, r.received_at) == (e.occurred_at, e.received_at)
            assert r.attributes == e.attributes
            assert (r.kind, r.label, r.score, r.camera, r.count, r.phase, r.value) == (
                e.kind,
                e.label,
                e.score,
                e.camera,
                e.count,
                e.phase,
                e.value,
            )
            assert r.occurred_at.utcoffset() == timedelta(0)
    if engine.dialect.name == "sqlite":
        with transaction(engine) as s:
            s.execute(insert(SensorEvent.__table__), [dict(event_row(given[0]), id="t:core")])
        with engine.connect() as c:
            raw = dict(
                c.execute(
                    text("SELECT id, occurred_at || '|' || received_at FROM sensor_event")
                ).all()
            )
        assert (
            raw["t:a"] == raw["t:core"] == "2026-11-20 20:03:11.000000|2026-11-20 20:03:12.000250"
        )
    engine.dispose()

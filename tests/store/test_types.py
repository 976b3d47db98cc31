from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from perron.store.types import UTCDateTime

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def stamps(engine):
    meta = MetaData()
    table = Table(
        "tz_probe", meta, Column("id", Integer, primary_key=True), Column("at", UTCDateTime())
    )
    meta.create_all(engine)
    yield table
    meta.drop_all(engine)


def test_timestamps_round_trip_with_their_timezone(engine, stamps):
    summer = datetime(2024, 7, 1, 23, 30, tzinfo=AMS)  # 21:30 UTC
    winter = datetime(2024, 1, 1, 0, 15, tzinfo=AMS)  # 23:15 UTC the day before
    odd = datetime(2024, 3, 31, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    with engine.begin() as conn:
        conn.execute(
            insert(stamps), [{"id": 1, "at": summer}, {"id": 2, "at": winter}, {"id": 3, "at": odd}]
        )
    with engine.connect() as conn:
        rows = dict(conn.execute(select(stamps.c.id, stamps.c.at)).all())
    for key, original in ((1, summer), (2, winter), (3, odd)):
        assert rows[key] == original
        assert rows[key].tzinfo is not None
        assert rows[key].utcoffset() == timedelta(0)
    assert rows[2].astimezone(UTC).hour == 23


def test_timestamps_order_by_instant_not_by_local_clock(engine, stamps):
    early_utc = datetime(2024, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=-4)))  # 14:00 UTC
    later_local = datetime(2024, 6, 1, 13, 0, tzinfo=UTC)  # 13:00 UTC
    with engine.begin() as conn:
        conn.execute(insert(stamps), [{"id": 1, "at": early_utc}, {"id": 2, "at": later_local}])
    with engine.connect() as conn:
        order = conn.execute(select(stamps.c.id).order_by(stamps.c.at)).scalars().all()
    assert order == [2, 1]


def test_naive_timestamps_are_refused(engine, stamps):
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(insert(stamps), [{"id": 1, "at": datetime(2024, 1, 1, 12, 0)}])

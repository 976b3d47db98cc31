"""The helpers of ``perron.store.dialect`` on SQLite and on PostgreSQL (the ``db_url`` fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from perron.store.db import make_engine
from perron.store.dialect import (
    dialect_name,
    drop_secondary_indexes,
    insert_new_keys,
    insert_on_conflict,
    is_postgresql,
    is_sqlite,
    large_write_cache,
    param_marker,
    refresh_statistics,
    sqlite_insert_new,
    sqlite_time,
    try_advisory_lock,
    utc_text_sql,
)
from perron.store.types import UTCDateTime

AMS = ZoneInfo("Europe/Amsterdam")


def _probe_table(engine: Engine) -> Table:
    """A table of its own: a text key, a count, JSON, a timestamp and a secondary index."""
    meta = MetaData()
    table = Table(
        "dialect_probe",
        meta,
        Column("key", String(40), primary_key=True),
        Column("n", Integer, nullable=False),
        Column("doc", JSON, nullable=True),
        Column("at", UTCDateTime(), nullable=True),
        Index("ix_dialect_probe_n", "n"),
    )
    meta.create_all(engine)
    return table


@pytest.fixture
def probe(engine: Engine):
    table = _probe_table(engine)
    yield table
    table.metadata.drop_all(engine)


def statements(engine: Engine) -> list[str]:
    """The SQL the engine sends from now on (appended as it goes)."""
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    return sent


def test_the_dialect_is_told_by_session_connection_and_engine(engine, db_url):
    expected = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    with Session(engine) as session, engine.connect() as conn:
        for bind in (session, conn, engine):
            assert dialect_name(bind) == expected
            assert is_postgresql(bind) is (expected == "postgresql")
            assert is_sqlite(bind) is (expected == "sqlite")


def test_the_parameter_marker_is_the_drivers(engine):
    with engine.connect() as conn:
        marker = param_marker(conn)
        assert marker == ("?" if is_sqlite(conn) else "%s")
        assert conn.exec_driver_sql(f"SELECT {marker} + 1", (41,)).scalar_one() == 42


def test_sqlite_time_is_the_text_sqlite_stores(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    probe = _probe_table(engine)
    summer = datetime(2024, 7, 1, 23, 30, tzinfo=AMS)
    whole = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)  # no microseconds: still written
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"key": "s", "n": 1, "at": summer}])
        conn.execute(insert(probe), [{"key": "w", "n": 1, "at": whole}])
        stored = dict(conn.exec_driver_sql("SELECT key, at FROM dialect_probe").all())
    assert sqlite_time(summer) == stored["s"] == "2024-07-01 21:30:00.000000"
    assert sqlite_time(whole) == stored["w"] == "2024-01-01 00:00:00.000000"
    engine.dispose()


def test_utc_text_sql_renders_as_strftime_in_utc(engine, probe):
    times = {
        "summer": datetime(2024, 7, 1, 23, 30, 5, 120, tzinfo=AMS),
        "odd": datetime(2024, 3, 31, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=45))),
        "utc": datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    }
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"key": k, "n": 0, "at": v} for k, v in times.items()])
        rendered = dict(
            conn.exec_driver_sql(f"SELECT key, {utc_text_sql(conn, 'at')} FROM dialect_probe").all()
        )
    assert rendered == {
        k: v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") for k, v in times.items()
    }
    assert rendered["summer"] == "2024-07-01T21:30:05.000120Z"


def test_try_advisory_lock_admits_one_holder_at_a_time(engine):
    key = 0x7E57
    with Session(engine) as first, Session(engine) as second:
        with try_advisory_lock(first, key) as held:
            assert held
            with try_advisory_lock(second, key) as also:
                # SQLite installations run one process: nothing to hold off
                assert also is (not is_postgresql(engine))
        with try_advisory_lock(second, key) as after:
            assert after


def test_try_advisory_lock_releases_when_the_block_fails(engine):
    key = 0x7E58
    with Session(engine) as first, Session(engine) as second:
        with pytest.raises(RuntimeError), try_advisory_lock(first, key) as held:
            assert held
            raise RuntimeError("the round failed")
        with try_advisory_lock(second, key) as after:
            assert after


def test_insert_on_conflict_skips_or_updates_a_stored_key(engine, probe):
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"key": "a", "n": 1}])
        conn.execute(insert_on_conflict(conn, probe).values(key="a", n=2).on_conflict_do_nothing())
        added = insert_on_conflict(conn, probe).values(key="b", n=3).on_conflict_do_nothing()
        conn.execute(added)
        stmt = insert_on_conflict(conn, probe).values(key="a", n=5)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["key"], set_={"n": stmt.excluded.n})
        )
        rows = dict(conn.execute(select(probe.c.key, probe.c.n)).all())
    assert rows == {"a": 5, "b": 3}


def test_insert_on_conflict_takes_a_mapped_class(engine):
    from perron.store.tables.cluster import LiveLease

    now = datetime(2024, 5, 1, tzinfo=UTC)
    with Session(engine) as session:
        for owner in ("x", "y"):
            session.execute(
                insert_on_conflict(session, LiveLease)
                .values(key="probe:lease", owner=owner, epoch=0, expires_at=now)
                .on_conflict_do_nothing()
            )
        assert session.scalars(
            select(LiveLease.owner).where(LiveLease.key == "probe:lease")
        ).all() == ["x"]
        session.rollback()


def test_insert_new_keys_names_the_rows_it_added(engine, probe):
    at = datetime(2024, 2, 29, 12, tzinfo=AMS)
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"key": "k1", "n": 0}, {"key": "k3", "n": 0}])
        records = [{"key": f"k{i}", "n": i, "doc": {"i": i}, "at": at} for i in range(5)]
        added = insert_new_keys(conn, probe, "key", records, chunk=2)
        again = insert_new_keys(conn, probe, "key", records, chunk=2)
        rows = {r.key: r for r in conn.execute(select(probe)).all()}
    assert added == {"k0", "k2", "k4"}
    assert again == set()
    assert rows["k1"].n == 0  # the stored row is left as it was
    assert rows["k4"].n == 4 and rows["k4"].doc == {"i": 4} and rows["k4"].at == at


def test_sqlite_insert_new_goes_straight_to_the_driver(engine, probe):
    columns = ("key", "n", "doc", "at")
    at = datetime(2024, 7, 1, 9, 15, 0, 5, tzinfo=AMS)

    def rows(*keys: str) -> list[tuple]:
        return [(k, len(k), json.dumps({"k": k}), sqlite_time(at)) for k in keys]

    with engine.begin() as conn:
        if not is_sqlite(conn):
            with pytest.raises(ValueError, match="insert_new_keys"):
                sqlite_insert_new(conn, probe, "key", columns, rows("a"))
            return
        sent = statements(engine)
        assert sqlite_insert_new(conn, probe, "key", columns, rows("a", "bb")) is None
        assert len(sent) == 1  # all new: no lookup
        assert sqlite_insert_new(conn, probe, "key", columns, rows("a", "ccc", "bb", "dddd")) == {
            "ccc",
            "dddd",
        }
        assert sqlite_insert_new(conn, probe, "key", columns, rows("a", "bb")) == set()
        stored = {r.key: r for r in conn.execute(select(probe)).all()}
    assert set(stored) == {"a", "bb", "ccc", "dddd"}
    assert stored["ccc"].n == 3 and stored["ccc"].doc == {"k": "ccc"} and stored["ccc"].at == at


def test_large_write_cache_is_sqlites_and_restored(engine):
    with engine.connect() as conn:
        if not is_sqlite(conn):
            sent = statements(engine)
            with large_write_cache(conn, 300_000):
                pass
            assert sent == []  # PostgreSQL's cache is the server's
            return
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        with large_write_cache(conn, 300_000):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -300_000
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == before
        with pytest.raises(RuntimeError), large_write_cache(conn, 400_000):
            raise RuntimeError("the import failed")
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == before


def _indexes(conn, table: str) -> set[str]:
    if is_sqlite(conn):
        sql = f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}'"
    else:
        sql = f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}'"
    return {r[0] for r in conn.exec_driver_sql(sql)}


def test_drop_secondary_indexes_on_sqlite_inside_a_transaction(engine, probe):
    def present() -> bool:
        with engine.connect() as conn:
            return "ix_dialect_probe_n" in _indexes(conn, "dialect_probe")

    assert present()
    if not is_sqlite(engine):
        with engine.begin() as conn:
            conn.execute(insert(probe), [{"key": "a", "n": 1}])
            assert drop_secondary_indexes(conn, ["dialect_probe"]) == []
        assert present()
        return
    with engine.connect() as conn:
        assert drop_secondary_indexes(conn, ["dialect_probe"]) == []  # no open transaction
    assert present()
    with engine.connect() as conn:
        conn.execute(insert(probe), [{"key": "a", "n": 1}])
        ddl = drop_secondary_indexes(conn, ["dialect_probe", "no_such_table"])
        assert ddl == ["CREATE INDEX ix_dialect_probe_n ON dialect_probe (n)"]
        assert "ix_dialect_probe_n" not in _indexes(conn, "dialect_probe")
        conn.rollback()  # the drop goes with the transaction
    assert present()
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"key": "b", "n": 2}])
        for statement in drop_secondary_indexes(conn, ["dialect_probe"]):
            conn.exec_driver_sql(statement)
    assert present()


def test_refresh_statistics_analyses_on_postgresql_only(engine, probe):
    with engine.begin() as conn:
        conn.execute(insert(probe), [{"key": f"k{i}", "n": i} for i in range(500)])
    with engine.begin() as conn:
        refresh_statistics(conn, ["dialect_probe"])
    with engine.connect() as conn:
        if is_postgresql(conn):
            tuples = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'dialect_probe'")
            ).scalar_one()
            assert tuples == 500
        else:
            stat = conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).scalar_one()
            assert stat == 0

"""What differs between SQLite and PostgreSQL, in one place.

Capability packages call these helpers instead of asking ``session.get_bind().dialect.name``
themselves: locks, emptying a table, the local month of a timestamp column, streaming a large
query, bulk-inserting rows, inserts that skip or update stored rows, the parameter marker of the
driver and the settings of a large write each have one helper here with both implementations.
A fast path of a capability that talks to the driver itself may take one database's own way
(after ``is_sqlite`` or ``is_postgresql``); what it needs of that database (the parameter
marker, an insert that skips stored keys, the page cache, dropping indexes for a load) is a
helper here too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    FromClause,
    TableClause,
    delete,
    false,
    func,
    insert,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from perron.domain.local_time import LOCAL_TIMEZONE, LOCAL_TZ

__all__ = [
    "Bind",
    "ConflictInsert",
    "advisory_lock",
    "bulk_insert",
    "clear_table",
    "dialect_name",
    "drop_secondary_indexes",
    "insert_new_keys",
    "insert_on_conflict",
    "is_postgresql",
    "is_sqlite",
    "large_write_cache",
    "local_month",
    "param_marker",
    "refresh_statistics",
    "sqlite_insert_new",
    "sqlite_time",
    "stream_rows",
    "try_advisory_lock",
    "utc_text_sql",
]

#: what the helpers accept to tell the database: a session, a connection or an engine
Bind = Session | Connection | Engine
#: an INSERT of the database's own dialect, with ``on_conflict_do_nothing()`` and
#: ``on_conflict_do_update()`` (``INSERT ... ON CONFLICT`` on both databases)
ConflictInsert = postgresql.Insert | sqlite.Insert


def _dialect(bind: Bind) -> Dialect:
    return bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect


def dialect_name(bind: Bind) -> str:
    """The name of the database's dialect, for reports: ``sqlite`` or ``postgresql``."""
    return _dialect(bind).name


def is_postgresql(bind: Bind) -> bool:
    """Whether ``bind`` (a session, a connection or an engine) talks to PostgreSQL."""
    return _dialect(bind).name == "postgresql"


def is_sqlite(bind: Bind) -> bool:
    """Whether ``bind`` (a session, a connection or an engine) talks to SQLite."""
    return _dialect(bind).name == "sqlite"


def param_marker(bind: Bind) -> str:
    """The placeholder of one value in SQL sent to the driver itself (``exec_driver_sql`` or a
    DBAPI cursor): ``?`` for SQLite's ``qmark`` style, ``%s`` for psycopg's ``format`` style
    (where a literal ``%`` in the statement must then be written ``%%``)."""
    return "?" if _dialect(bind).paramstyle == "qmark" else "%s"


def sqlite_time(d: datetime) -> str:
    """A timestamp as the UTC text :class:`perron.store.types.UTCDateTime` stores on SQLite
    (``YYYY-MM-DD HH:MM:SS.ffffff``, always with microseconds, so that text order is time
    order and the same instant is always the same text), for rows given to the driver itself."""
    if d.tzinfo is not UTC:
        d = d.astimezone(UTC)
    return d.isoformat(" ", "microseconds")[:26]  # without the offset, +00:00


def utc_text_sql(bind: Bind, column: str) -> str:
    """SQL that renders the timestamp ``column`` as UTC text with microseconds and ``Z``
    (``YYYY-MM-DDTHH:MM:SS.ffffffZ``, as ``strftime("%Y-%m-%dT%H:%M:%S.%fZ")`` in UTC)."""
    if is_postgresql(bind):
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
    return f"replace({column}, ' ', 'T') || 'Z'"


def advisory_lock(session: Session, key: int) -> None:
    """Serialise writers on ``key`` until the transaction ends: a PostgreSQL advisory lock.
    SQLite has a single writer anyway, so there it does nothing."""
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def append_lock(session: Session, key: int, table: FromClause) -> None:
    """Serialise appenders to ``table`` until the transaction ends, before they read where
    to append: on PostgreSQL the advisory lock ``key``; on SQLite a write that changes nothing
    (``DELETE ... WHERE 0``), which makes this transaction the one writer now (a concurrent
    appender waits for the busy timeout instead of reading the same head and failing on its
    primary key)."""
    if is_postgresql(session):
        advisory_lock(session, key)
    else:
        session.execute(delete(_table(table)).where(false()))


@contextmanager
def try_advisory_lock(session: Session, key: int) -> Iterator[bool]:
    """Try to take the session-level lock ``key`` without waiting; yields whether this session
    holds it. On PostgreSQL an advisory lock (``pg_try_advisory_lock``), released on leaving the
    block, which then commits the session's transaction; a lock held elsewhere yields False and
    leaves the transaction to the caller. SQLite installations run one process: always True."""
    if not is_postgresql(session):
        yield True
        return
    if not session.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}):
        yield False
        return
    try:
        yield True
    finally:
        session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        session.commit()


def _table(table: FromClause) -> TableClause:
    """``table`` as a table (``Model.__table__`` is typed as any FROM clause)."""
    if not isinstance(table, TableClause):
        raise TypeError(f"{table!r} is not a table")
    return table


def clear_table(session: Session, table: FromClause) -> None:
    """Remove every row of ``table`` in the transaction; on PostgreSQL by ``TRUNCATE``, which
    leaves no dead copy of each row behind."""
    if is_postgresql(session):
        session.execute(text(f'TRUNCATE "{_table(table).name}"'))
    else:
        session.execute(delete(_table(table)))


@lru_cache(maxsize=4096)
def _sqlite_local_month(value: str | None) -> str | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return dt.astimezone(LOCAL_TZ).strftime("%Y-%m")


def local_month(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any]
) -> ColumnElement[str]:
    """``YYYY-MM`` of a UTC timestamp column in Europe/Amsterdam, computed in the database
    (PostgreSQL's ``timezone()``; on SQLite a deterministic function registered on the
    connection)."""
    if is_postgresql(session):
        return func.to_char(func.timezone(LOCAL_TIMEZONE, column), "YYYY-MM")
    raw = session.connection().connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        raw.create_function("perron_local_month", 1, _sqlite_local_month, deterministic=True)
    result: ColumnElement[str] = func.perron_local_month(column)
    return result


def stream_rows(
    session: Session, sql: str, name: str, batch: int = 20_000
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``sql`` as plain tuples straight from the database driver (no ORM objects,
    no result processing), fetched ``batch`` at a time; on PostgreSQL through a server-side
    cursor called ``name``, so the rows are not all held in memory."""
    raw: Any = session.connection().connection.driver_connection
    if is_postgresql(session):
        cursor = raw.cursor(name=name)  # server-side: streams
        cursor.itersize = batch
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while True:
            part = cursor.fetchmany(batch)
            if not part:
                break
            yield from part
    finally:
        cursor.close()


def bulk_insert(
    session: Session,
    table: FromClause,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    chunk: int = 10_000,
    step: Callable[[int], None] | None = None,
    convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Insert ``rows`` (values in the order of ``columns``) into ``table`` in the session's
    transaction, ``chunk`` rows at a time, calling ``step(n)`` after each chunk.

    PostgreSQL gets ``COPY``, SQLite the driver's ``executemany``: both skip per-row statement
    compilation, which dominates the time of an ORM or Core insert of 100,000s of rows. Any
    other database gets a Core insert of dictionaries (after ``convert``, where a driver needs
    Python objects instead of the text SQLite and COPY take)."""
    conn = session.connection()
    names = ", ".join(columns)
    if is_postgresql(conn):
        raw: Any = conn.connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {_table(table).name} ({names}) FROM STDIN") as copy,
        ):
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                for row in part:
                    copy.write_row(row)
                if step:
                    step(len(part))
        return len(rows)
    if is_sqlite(conn):
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {_table(table).name} ({names}) VALUES ({marks})"
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            conn.exec_driver_sql(sql, [tuple(r) for r in part])
            if step:
                step(len(part))
        return len(rows)
    for start in range(0, len(rows), chunk):
        records = [dict(zip(columns, r, strict=True)) for r in rows[start : start + chunk]]
        if convert is not None:
            records = [convert(r) for r in records]
        conn.execute(insert(_table(table)), records)
        if step:
            step(len(records))
    return len(rows)


def insert_on_conflict(bind: Bind, table: FromClause | type[Any]) -> ConflictInsert:
    """An INSERT into ``table`` (a table or a mapped class) of the database's own dialect, to
    go on with ``on_conflict_do_nothing()`` or ``on_conflict_do_update()``: both databases
    understand ``INSERT ... ON CONFLICT``, each through its dialect's construct."""
    target = table if isinstance(table, type) else _table(table)
    if is_postgresql(bind):
        return postgresql.insert(target)
    return sqlite.insert(target)


def insert_new_keys(
    conn: Connection,
    table: FromClause,
    key: str,
    records: Sequence[Mapping[str, Any]],
    *,
    chunk: int = 1000,
) -> set[Any]:
    """Insert ``records`` (column values as the column types take them), skipping those whose
    ``key`` (a unique column) is stored already; returns the keys of the rows it added.

    One ``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING key`` per ``chunk`` records: safe
    with several writers on PostgreSQL (an insert of a key another transaction is adding waits
    for it, then is skipped)."""
    column = _table(table).c[key]
    added: set[Any] = set()
    for start in range(0, len(records), chunk):
        stmt = (
            insert_on_conflict(conn, table)
            .values(list(records[start : start + chunk]))
            .on_conflict_do_nothing(index_elements=[key])
            .returning(column)
        )
        added.update(conn.scalars(stmt))
    return added


def sqlite_insert_new(
    conn: Connection,
    table: FromClause,
    key: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> set[Any] | None:
    """SQLite's fast way of :func:`insert_new_keys`: ``rows`` are ready tuples in the order of
    ``columns``, in the form SQLite stores (times as :func:`sqlite_time`, JSON as text), and go
    straight to the driver's executemany of ``INSERT ... ON CONFLICT (key) DO NOTHING``, with
    no per-value type processing. Returns None when every row was added (the usual case, which
    costs no lookup: the number of rows added tells), else the keys of the rows added.

    Only when some were skipped are the new rows read back: the insert held the write lock
    from its first row on and each row it added took the next row number, so they are the last
    ``added`` row numbers of the table."""
    if not is_sqlite(conn):
        raise ValueError(f"sqlite_insert_new on {dialect_name(conn)}: use insert_new_keys")
    name = _table(table).name
    sql = (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        f" ON CONFLICT ({key}) DO NOTHING"
    )
    added = conn.exec_driver_sql(sql, rows if isinstance(rows, list) else list(rows)).rowcount
    if added == len(rows):
        return None
    if added == 0:
        return set()
    last = conn.exec_driver_sql(f"SELECT max(rowid) FROM {name}").scalar()
    return {
        r[0]
        for r in conn.exec_driver_sql(
            f"SELECT {key} FROM {name} WHERE rowid > ?", (int(last or 0) - added,)
        )
    }


@contextmanager
def large_write_cache(conn: Connection, kib: int) -> Iterator[None]:
    """A page cache of ``kib`` KiB for this connection while the block writes a lot, the size
    before restored afterwards: SQLite's default of 2 MB makes a large import re-read the index
    pages it touches. PostgreSQL's cache is the server's: nothing changes there."""
    if not is_sqlite(conn):
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size={-int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def drop_secondary_indexes(conn: Connection, tables: Sequence[str]) -> list[str]:
    """On SQLite, drop the secondary indexes of ``tables`` (not the primary keys and not the
    unique constraints) and return the statements that create them again, in name order; only
    inside an open transaction, so that a rollback restores them with everything else. A load
    into a (nearly) empty table then sorts once instead of updating each index per row.
    Elsewhere (and outside a transaction) nothing is dropped: the list is empty."""
    if not is_sqlite(conn):
        return []
    raw = conn.connection.dbapi_connection
    if not isinstance(raw, sqlite3.Connection) or not raw.in_transaction:
        return []
    names = ", ".join("'" + t.replace("'", "''") + "'" for t in tables)
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({names}) ORDER BY name"
    ).all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [str(ddl) for _, ddl in found]


def refresh_statistics(conn: Connection, tables: Sequence[str]) -> None:
    """Fresh planner statistics of ``tables`` after a load that (at least) doubled them: on
    PostgreSQL ``ANALYZE``, or its planner reads the new rows by scanning until autovacuum gets
    to them. SQLite plans without statistics unless asked: nothing is done there."""
    if is_postgresql(conn):
        conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")

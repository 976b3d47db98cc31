"""What differs between SQLite and PostgreSQL, in one place.

Capability packages call these helpers instead of asking ``session.get_bind().dialect.name``
themselves: a lock, emptying a table, the local month of a timestamp column, streaming a large
query and bulk-inserting rows each have one helper here with both implementations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, FromClause, TableClause, delete, false, func, insert, text
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from perron.domain.local_time import LOCAL_TIMEZONE, LOCAL_TZ

__all__ = [
    "advisory_lock",
    "bulk_insert",
    "clear_table",
    "is_postgresql",
    "local_month",
    "stream_rows",
]


def is_postgresql(bind: Session | Connection) -> bool:
    """Whether ``bind`` (a session or a connection) talks to PostgreSQL (else SQLite)."""
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    return dialect.name == "postgresql"


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
    if conn.dialect.name == "sqlite":
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

"""Engines, sessions and migrations for SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _pragmas(
            dbapi_conn: Any, _record: object
        ) -> None:  # pragma: no cover - exercised through every test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _no_autocheckpoint(dbapi_conn: Any, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


RESTART_FRAMES = 16384  # 64 MB of 4 KB pages: the log starts over when it has grown past this


class WalCheckpointer:
    """Checkpoints of a SQLite database in WAL mode, off the writer's path.

    SQLite copies its write-ahead log back into the database file (a checkpoint, with a disk
    flush) inside whichever commit lets the log pass about 1,000 pages, so one commit in forty
    takes some twenty times longer than the others. For a writer that must keep every commit
    short (the live engine), this switches the automatic checkpoints off on the engine's
    connections and runs a passive checkpoint from a thread of its own every ``interval``
    seconds. SQLite releases the interpreter lock while it copies, so the writer goes on in the
    meantime; a passive checkpoint neither waits for nor blocks writers and readers. Durability
    does not depend on it: committed transactions are in the log, and SQLite replays the log
    when the database is opened again. The writer calls :meth:`settle` between transactions so
    that the log starts over from time to time instead of growing without end. ``stop()`` ends
    the thread after a last checkpoint.
    On PostgreSQL it does nothing."""

    def __init__(
        self, engine: Engine, interval: float = 0.05, restart_frames: int = RESTART_FRAMES
    ) -> None:
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.checkpoints = 0
        self.restarts = 0
        self.log_frames = 0
        self.restart_frames = restart_frames
        if engine.dialect.name != "sqlite" or not engine.url.database:
            return
        if engine.url.database == ":memory:":
            return
        event.listen(engine, "connect", _no_autocheckpoint)
        engine.dispose()  # connections made from now on have automatic checkpoints off
        self.thread = threading.Thread(
            target=self._run,
            args=(engine.url.database, interval),
            name="wal-checkpoint",
            daemon=True,
        )
        self.thread.start()

    def _run(self, path: str, interval: float) -> None:
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        try:
            while True:
                stopping = self._stop.wait(interval)
                try:
                    self._checkpoint(conn)
                except sqlite3.Error as exc:  # try again next round
                    logging.getLogger("perron.store").warning("WAL checkpoint: %s", exc)
                if stopping:
                    return
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        busy, log, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        if not busy:
            self.log_frames = log

    def settle(self, engine: Engine) -> bool:
        """Let the log start over when it has grown past ``restart_frames`` pages; for the
        writer to call between its transactions. Returns whether it checkpointed.

        A passive checkpoint from the thread never lets the log start over while commits keep
        coming: each pass leaves the frames written meanwhile, so the log would only grow
        (gigabytes within minutes at the live engine's rate) and every page read would search
        a longer log index. SQLite starts the log over at the first write after a checkpoint
        that copied every frame, so the writer, between two transactions, copies the few frames
        the thread has not copied yet and flushes the database file (a few milliseconds, up to
        some tens with a busy disk, once in every ~64 MB of log)."""
        if self.thread is None or self.log_frames < self.restart_frames:
            return False
        self.log_frames = 0
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self.restarts += 1
        return True

    def stop(self) -> None:
        if self.thread is not None:
            self._stop.set()
            self.thread.join()
            self.thread = None


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """Return one shared engine per database URL for the life of the process."""
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back entirely."""
    with session_factory(engine)() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["perron_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` with the project's Alembic migrations."""
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite directory when needed
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()

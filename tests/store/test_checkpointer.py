"""SQLite checkpoints in a thread of their own (the live engine's writer keeps short commits)."""

from __future__ import annotations

import time

from perron.store.db import WalCheckpointer, make_engine


def _write(eng, n: int) -> None:
    for _ in range(n):
        with eng.begin() as c:
            c.exec_driver_sql("INSERT INTO t VALUES (randomblob(100000))")


def test_the_thread_copies_the_log_into_the_database_while_commits_do_not(tmp_path):
    path = tmp_path / "w.db"
    eng = make_engine(f"sqlite:///{path}")
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x BLOB)")
    cp = WalCheckpointer(eng, interval=0.01)
    try:
        with eng.connect() as c:
            assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        _write(eng, 50)  # about 5 MB through the log
        deadline = time.monotonic() + 10
        while path.stat().st_size < 4_000_000 and time.monotonic() < deadline:
            time.sleep(0.02)
        # commits no longer checkpoint, so only the thread can have written the pages back
        assert path.stat().st_size >= 4_000_000
        assert cp.checkpoints >= 1
    finally:
        cp.stop()
    assert cp.thread is None
    with eng.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM t").scalar() == 50
    eng.dispose()


def test_without_the_thread_commits_leave_the_pages_in_the_log(tmp_path):
    """The control: with automatic checkpoints off and no thread, nothing is written back."""
    from sqlalchemy import event

    path = tmp_path / "w.db"
    eng = make_engine(f"sqlite:///{path}")
    event.listen(
        eng, "connect", lambda dbapi_conn, _r: dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")
    )
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x BLOB)")
    _write(eng, 50)
    # no thread was started and every commit has returned: nothing can copy the pages back
    # later, so there is nothing to wait for
    assert path.stat().st_size < 1_000_000  # still in the log: nobody copied it back
    eng.dispose()


def test_settle_between_writes_lets_the_log_start_over(tmp_path):
    """Under a continuous stream of commits the log only stays bounded because the writer
    settles between its transactions: 30 MB written, the log file stays within a few MB."""
    path = tmp_path / "w.db"
    eng = make_engine(f"sqlite:///{path}")
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x BLOB)")
    cp = WalCheckpointer(eng, interval=0.01, restart_frames=256)  # 1 MB
    wal = tmp_path / "w.db-wal"
    largest = 0
    try:
        for _ in range(300):
            _write(eng, 1)  # 100 kB
            cp.settle(eng)
            largest = max(largest, wal.stat().st_size)
    finally:
        cp.stop()
    # the bound is the point: how many restarts that took depends on the checkpoint thread's
    # timing (fewer on a loaded machine), but 30 MB with fewer than four would not fit in 8 MB
    assert cp.restarts >= 1
    assert largest < 8_000_000
    with eng.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM t").scalar() == 300
    eng.dispose()


def test_an_in_memory_database_gets_no_thread():
    eng = make_engine("sqlite:///:memory:")
    cp = WalCheckpointer(eng)
    assert cp.thread is None
    cp.stop()

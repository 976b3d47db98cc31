"""The alerts' periodic work as a service: started and stopped by the app, one round at a time
across workers (on PostgreSQL)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from live.alertkit import change
from perron.live.alerts import apply_changes
from perron.live.tasks import ROUND_LOCK, AlertTasks
from perron.store.db import make_engine, session_factory, transaction
from perron.store.tables.live import Alert


def _overdue(engine) -> int:
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    with transaction(engine) as s:
        (aid,) = apply_changes(s, [change(severity="medium", at=long_ago)], now=long_ago)
    return aid


def _level(engine, aid: int) -> int:
    with transaction(engine) as s:
        return s.get(Alert, aid).escalation_level


def test_a_round_escalates_and_counts(db_url):
    engine = make_engine(db_url)
    aid = _overdue(engine)
    tasks = AlertTasks(session_factory(engine), interval=0)
    result = tasks.run_once()
    assert result["escalated"] == [aid] and tasks.rounds == 1
    assert _level(engine, aid) == 1
    engine.dispose()


def test_start_and_stop():
    async def scenario() -> tuple[bool, bool, bool, bool]:
        tasks = AlertTasks(sessions=None, interval=3600)
        first = tasks.start()
        again = tasks.start()  # already running: no second loop
        running = tasks.running
        await tasks.stop()
        return first, again, running, tasks.running

    # in a thread of its own: a browser test of the same process (Playwright's sync API) may
    # hold a running event loop in the main thread
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() == (True, False, True, False)
    assert AlertTasks(sessions=None, interval=0).start() is False  # switched off


@pytest.mark.postgres
def test_one_round_at_a_time_across_workers(postgres_url):
    engine = make_engine(postgres_url)
    aid = _overdue(engine)
    tasks = AlertTasks(session_factory(engine), interval=0)
    with engine.connect() as other:  # another worker's round holds the lock
        assert other.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ROUND_LOCK})
        assert tasks.run_once()["skipped"] is True
        assert _level(engine, aid) == 0
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ROUND_LOCK})
        other.commit()
    assert tasks.run_once()["escalated"] == [aid]
    assert _level(engine, aid) == 1
    engine.dispose()

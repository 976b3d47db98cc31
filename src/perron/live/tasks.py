"""The periodic work of alerts, as a service the app starts and stops: every ``interval``
seconds escalate the alerts nobody acknowledged in time and deliver the webhook messages that
are due (:func:`perron.live.alerts.housekeeping`, one transaction per step).

One entry point, :class:`AlertTasks`, with ``start()`` and ``stop()``; the API's lifespan runs
it. Several API workers may each run one: on PostgreSQL a round first takes an advisory lock
(:data:`ROUND_LOCK`) and a worker that does not get it skips that round, so one round runs at a
time across the workers. SQLite installations run one worker.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from starlette.concurrency import run_in_threadpool

from perron.store.dialect import try_advisory_lock

log = logging.getLogger("perron.alerts")

DEFAULT_INTERVAL_S = 10.0
#: the PostgreSQL advisory lock one round holds ("PERRAL")
ROUND_LOCK = 0x5045_5252_414C
SKIPPED: dict[str, Any] = {
    "skipped": True,
    "escalated": [],
    "delivered": 0,
    "retried": 0,
    "failed": 0,
}


class AlertTasks:
    """Escalation and webhook delivery every ``interval`` seconds while started."""

    def __init__(self, sessions: Any, interval: float = DEFAULT_INTERVAL_S) -> None:
        self.sessions = sessions
        self.interval = interval
        self.rounds = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def run_once(self) -> dict[str, Any]:
        """One round now, in the calling thread; returns what it did (``skipped`` when another
        worker's round holds the lock)."""
        from perron.live.alerts import housekeeping

        with self.sessions() as guard, try_advisory_lock(guard, ROUND_LOCK) as held:
            if not held:
                return dict(SKIPPED)
            result = housekeeping(self.sessions)
        self.rounds += 1
        return result

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                result = await run_in_threadpool(self.run_once)
                if result["escalated"] or result["failed"]:
                    log.warning("alert housekeeping: %s", result)
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("alert housekeeping failed")

    def start(self) -> bool:
        """Start the loop in the running event loop; False when switched off (interval 0) or
        started already."""
        if self.interval <= 0 or self.running:
            return False
        self._task = asyncio.get_running_loop().create_task(self._loop())
        return True

    async def stop(self) -> None:
        """Stop the loop and wait until it has stopped (a round under way is cancelled at its
        next wait; its transaction either committed or rolls back)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

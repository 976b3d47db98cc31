"""The periodic work of alerts, as a service the app starts and stops: every ``interval``
seconds escalate the alerts nobody acknowledged in time and deliver the webhook messages that
are due (:func:`perron.live.alerts.housekeeping`, one transaction per step).

One entry point, :class:`AlertTasks`, with ``start()`` and ``stop()``; the API's lifespan runs
it. Each round is safe to run from several processes at once (escalation locks the alerts it
changes, delivery claims its messages), so several API workers may each run one.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import suppress
from typing import Any

from starlette.concurrency import run_in_threadpool

log = logging.getLogger("perron.alerts")

DEFAULT_INTERVAL_S = 10.0


def interval_from_env() -> float:
    """``PERRON_ALERT_TASKS_INTERVAL`` seconds (default 10; 0 switches the work off)."""
    return float(os.environ.get("PERRON_ALERT_TASKS_INTERVAL", str(DEFAULT_INTERVAL_S)))


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
        """One round now, in the calling thread; returns what it did."""
        from perron.live.alerts import housekeeping

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

"""Several live workers on one PostgreSQL database: station leases, fencing, health, leaders.

How the work is divided
-----------------------
Every worker subscribes to every topic with a persistent session of its own (its ``--client-id``),
so the broker delivers each message to each worker. Each station is owned by one worker at a time
through its row ``station:<code>`` of ``live_lease``: the owner stores and correlates the station's
events; the others keep them for a while in memory (the *shadow*) and acknowledge them. The
correlation of one zone thus always runs in one process, in order.

- **Heartbeat** (every ``tick_s``): a worker renews its leases (``expires_at = now + ttl``), takes
  free or expired stations up to its fair share (all stations / live workers, rounded up), and
  gives back what exceeds it when more workers are alive (so a worker that comes back gets its
  share again). Every change of owner increments the row's ``epoch``. Each worker reports its
  lag: the age of the oldest message it has read and not yet stored.
- **Lease keeper**: a thread of the worker renews its leases and heartbeat every ``tick_s`` while
  the worker's loop is busy (a warm-up after a takeover, a large batch), as long as that loop has
  come round within :data:`perron.live.engine.WATCHDOG_S`; a worker whose loop is stuck for longer
  loses its stations. Without it, a busy worker would miss renewals, lose its stations, take
  them back, warm them up again, and so on.
- **Fencing**: every batch of a worker, in the transaction that stores its events and alert
  changes, reads its stations' lease rows ``FOR SHARE`` and writes only the stations whose owner
  and epoch are still its own. A takeover updates the row ``FOR UPDATE``, so it waits for the
  batch to commit (and the new owner's warm-up reads it) or the batch sees the new owner and
  writes nothing for that station. Two workers never write one station's alerts.
- **The shadow**: a worker keeps each message of a station it does not own until it finds the
  message's events in the store (it looks the oldest up at every heartbeat, audio ONs as echoes
  of a stored ON), at most ``shadow_s`` (600 s; what is dropped then is counted as
  ``shadow_expired``). However far behind an owner falls, every message it has not stored is in
  the others' shadows when it dies, and a station that moves back and forth keeps its messages.
- **Takeover**: a worker that gains a station forgets what its correlator knew of it, warms it up
  from the stored events (as after a restart), then stores its shadow of that station: what the
  old owner had not committed is found there (and stored once: event ids are unique and the
  insert skips stored ones). Messages are acknowledged only after the commit (owned stations) or
  once in the shadow (others), so nothing acknowledged is lost while one worker lives.
- **Giving back**: each worker reports when it joined (``joined_at``, the end of its first read
  after a start, :data:`perron.live.engine.JOIN_DELAY_S`, while it only fills its shadow). A
  worker gives a station back only when everything of that station it read before the newest
  other worker joined (less :data:`GIVE_MARGIN_S`) is stored, however much is waiting after
  that; the worker that takes it replays its shadow of that station from
  :data:`REPLAY_BEFORE_JOIN_S` before its own joining on. What its session had queued while it
  was away (delivered in its first moments) is thus not replayed, and nothing the giver had not
  stored is missed. An overloaded worker therefore still hands stations to a worker that comes
  back, as fast as it works through what it read before.

The times are the workers' clocks (keep them in NTP sync). A skew delays a takeover but cannot
cause a double write, because the epoch, not the clock, fences the writes; the giving back
compares one worker's times of reading with another's joining time and allows the two to differ
by :data:`REPLAY_BEFORE_JOIN_S` − :data:`GIVE_MARGIN_S` (3 s), skew included.

On SQLite there is one worker: it owns every station and no lease is written (SQLite has no row
locks to fence with).
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import CursorResult, delete, func, insert, select, update
from sqlalchemy.orm import Session

from perron.store.dialect import ConflictInsert, insert_on_conflict, is_postgresql
from perron.store.tables.cluster import LiveDeadLetter, LiveLease, LiveWorker

STATION = "station:"
LEADER = "leader:"
#: the longest payload a worker reads (Frigate's event messages are a few kB)
MAX_PAYLOAD = 256 * 1024
#: what is kept of a dead letter's payload
KEPT_PAYLOAD = 4096
DEAD_LETTER_REASONS = ("malformed", "oversized", "unknown_camera", "unknown_station", "refused")
#: a station is given back once what was read of it before the newest worker joined, less this,
#: is stored...
GIVE_MARGIN_S = 2.0
#: ...and its new owner replays its shadow of it from this long before its own joining on (the
#: difference covers the two workers reading one message at slightly different times)
REPLAY_BEFORE_JOIN_S = 5.0


def _now() -> datetime:
    return datetime.now(UTC)


def _insert(session: Session) -> Callable[[Any], ConflictInsert]:  # the dialect's insert()
    return partial(insert_on_conflict, session)


def clustered(session_or_engine: Any) -> bool:
    """Whether several workers may share this database (PostgreSQL)."""
    return is_postgresql(session_or_engine)


@dataclass
class TickResult:
    gained: set[str]
    lost: set[str]
    workers: int
    #: of ``gained``, the stations another worker gave back (not taken from an expired lease)
    handed_over: set[str] = field(default_factory=set)


def _kept(waiting_since: dict[str, datetime], others: list[dict[str, Any] | None]) -> set[str]:
    """The stations not to give back: those whose oldest waiting message was read before the
    newest other worker joined (less GIVE_MARGIN_S). A worker that states no joining time (or
    none alive) keeps every station with messages waiting."""
    joined: list[datetime] = []
    for detail in others:
        raw = (detail or {}).get("joined_at")
        try:
            joined.append(datetime.fromisoformat(str(raw)))
        except ValueError:  # None or not a time: a worker that states no joining time
            return set(waiting_since)
    if not joined:
        return set(waiting_since)
    horizon = max(joined) - timedelta(seconds=GIVE_MARGIN_S)
    return {code for code, since in waiting_since.items() if since < horizon}


class StationLeases:
    """The station leases of one worker (see the module documentation)."""

    def __init__(self, client_id: str, *, ttl_s: float = 6.0, clustered: bool = True) -> None:
        self.client_id = client_id
        self.ttl = timedelta(seconds=ttl_s)
        self.clustered = clustered
        self.owned: dict[str, int] = {}  # station → epoch of our lease

    def tick(
        self,
        session: Session,
        stations: Iterable[str],
        now: datetime | None = None,
        waiting_since: dict[str, datetime] | None = None,
    ) -> TickResult:
        """Heartbeat: renew, take the fair share, give back the excess — but not a station of
        ``waiting_since`` (station → when the oldest message waiting for it was read) whose
        oldest waiting message was read before the newest other worker joined — in the caller's
        transaction; commit it promptly, the lease rows are locked until then."""
        now = now or _now()
        codes = sorted(set(stations))
        before = set(self.owned)
        if not self.clustered:
            self.owned = {c: 0 for c in codes}
            return TickResult(set(codes) - before, before - set(codes), 1)
        alive = session.scalars(
            select(LiveWorker.detail).where(
                LiveWorker.heartbeat_at > now - self.ttl, LiveWorker.client_id != self.client_id
            )
        ).all()
        workers = len(alive) + 1
        keep = _kept(waiting_since or {}, list(alive))
        rows = [{"key": STATION + c, "owner": None, "epoch": 0, "expires_at": now} for c in codes]
        for i in range(0, len(rows), 1000):
            session.execute(
                _insert(session)(LiveLease).on_conflict_do_nothing(), rows[i : i + 1000]
            )
        leases = session.scalars(
            select(LiveLease)
            .where(LiveLease.key.startswith(STATION))
            .order_by(LiveLease.key)
            .with_for_update()
        ).all()
        known = set(codes)
        mine = [x for x in leases if x.owner == self.client_id and x.key[len(STATION) :] in known]
        free = [
            x
            for x in leases
            if x.key[len(STATION) :] in known
            and x.owner != self.client_id
            and (x.owner is None or x.expires_at <= now)
        ]
        target = math.ceil(len(codes) / workers) if codes else 0
        until = now + self.ttl
        owned: dict[str, int] = {}
        # the excess goes back, idle stations first; a station kept (see above) is not given
        mine.sort(key=lambda x: (x.key[len(STATION) :] not in keep, x.key))
        excess = max(0, len(mine) - target) if workers > 1 else 0
        give = [x for x in mine[len(mine) - excess :] if x.key[len(STATION) :] not in keep]
        for x in mine:
            if x in give:
                continue
            x.expires_at = until
            owned[x.key[len(STATION) :]] = x.epoch
        for x in give:
            x.owner, x.epoch, x.expires_at, x.acquired_at = None, x.epoch + 1, now, None
        handed: set[str] = set()
        for x in free[: max(0, target - len(owned))]:
            if x.owner is None and x.epoch > 0:
                handed.add(x.key[len(STATION) :])
            x.owner, x.epoch, x.expires_at, x.acquired_at = self.client_id, x.epoch + 1, until, now
            owned[x.key[len(STATION) :]] = x.epoch
        self.owned = owned
        session.flush()
        gained = set(owned) - before
        return TickResult(gained, before - set(owned), workers, handed & gained)

    def others_alive(self, session: Session, now: datetime | None = None) -> int:
        now = now or _now()
        if not self.clustered:
            return 0
        alive = session.scalar(
            select(func.count())
            .select_from(LiveWorker)
            .where(LiveWorker.heartbeat_at > now - self.ttl, LiveWorker.client_id != self.client_id)
        )
        return alive or 0

    def fence(self, session: Session, stations: Iterable[str]) -> set[str]:
        """The stations of ``stations`` whose lease is still ours with our epoch; their rows are
        locked ``FOR SHARE`` until the caller's transaction ends, so no takeover can pass
        between this check and the commit."""
        wanted = sorted(s for s in set(stations) if s in self.owned)
        if not self.clustered or not wanted:
            return set(wanted)
        rows = session.execute(
            select(LiveLease.key, LiveLease.owner, LiveLease.epoch)
            .where(LiveLease.key.in_([STATION + s for s in wanted]))
            .order_by(LiveLease.key)
            .with_for_update(read=True)
        ).all()
        ok = set()
        for key, owner, epoch in rows:
            code = key[len(STATION) :]
            if owner == self.client_id and epoch == self.owned.get(code):
                ok.add(code)
            else:
                self.owned.pop(code, None)
        return ok

    def renew(self, session: Session, now: datetime | None = None) -> int:
        """Extend the leases this worker holds (as it knows them) by ``ttl`` and touch its
        heartbeat, in the caller's transaction, without taking or giving any: what a worker's
        lease keeper does while the worker is busy (a long warm-up, a large batch). A lease
        another worker has taken meanwhile is not touched (its owner differs)."""
        now = now or _now()
        if not self.clustered:
            return 0
        # the same order of locks as a heartbeat (worker row, then the lease rows by key), so
        # that the keeper and the heartbeats of this and other workers never deadlock
        session.execute(
            update(LiveWorker)
            .where(LiveWorker.client_id == self.client_id)
            .values(heartbeat_at=now)
        )
        keys = sorted(STATION + c for c in list(self.owned))
        renewed = 0
        for i in range(0, len(keys), 1000):
            mine = session.scalars(
                select(LiveLease)
                .where(LiveLease.key.in_(keys[i : i + 1000]), LiveLease.owner == self.client_id)
                .order_by(LiveLease.key)
                .with_for_update()
            ).all()
            for x in mine:
                x.expires_at = now + self.ttl
            renewed += len(mine)
        session.flush()
        return renewed

    def release(self, session: Session) -> None:
        """Let every lease expire now (a clean stop): the others take over at their next tick,
        as from a stopped worker (replaying all their shadow: what waited here was not stored)."""
        self.owned = {}
        if not self.clustered:
            return
        session.execute(
            update(LiveLease)
            .where(LiveLease.owner == self.client_id, LiveLease.key.startswith(STATION))
            .values(expires_at=_now())
        )


class LeaderLease:
    """One holder at a time across processes for a task that must run once (for example the
    escalation of overdue alerts when several API workers run): ``held(session)`` takes or renews
    the lease ``leader:<name>`` and tells whether this process holds it; commit promptly.

    Use it on PostgreSQL; on SQLite (one process) it always holds. ``epoch`` grows on every new
    holder, so a task can fence its writes as the station leases do."""

    def __init__(self, name: str, owner: str | None = None, *, ttl_s: float = 15.0) -> None:
        self.key = LEADER + name
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.ttl = timedelta(seconds=ttl_s)
        self.epoch: int | None = None

    def held(self, session: Session, now: datetime | None = None) -> bool:
        now = now or _now()
        if not clustered(session):
            return True
        session.execute(
            _insert(session)(LiveLease)
            .values(key=self.key, owner=None, epoch=0, expires_at=now)
            .on_conflict_do_nothing()
        )
        row = session.scalars(
            select(LiveLease).where(LiveLease.key == self.key).with_for_update()
        ).one()
        if row.owner == self.owner or row.owner is None or row.expires_at <= now:
            if row.owner != self.owner:
                row.owner, row.epoch, row.acquired_at = self.owner, row.epoch + 1, now
            row.expires_at = now + self.ttl
            self.epoch = row.epoch
            session.flush()
            return True
        self.epoch = None
        return False

    def release(self, session: Session) -> None:
        session.execute(
            update(LiveLease)
            .where(LiveLease.key == self.key, LiveLease.owner == self.owner)
            .values(owner=None, expires_at=_now())
        )
        self.epoch = None


def report_health(
    session: Session,
    client_id: str,
    *,
    started_at: datetime,
    last_commit_at: datetime | None,
    lag_s: float,
    stations: int,
    detail: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """Upsert the worker's heartbeat row."""
    now = now or _now()
    values = {
        "client_id": client_id,
        "host": socket.gethostname()[:120],
        "pid": os.getpid(),
        "started_at": started_at,
        "heartbeat_at": now,
        "last_commit_at": last_commit_at,
        "lag_s": round(lag_s, 3),
        "stations": stations,
        "detail": detail,
    }
    stmt = _insert(session)(LiveWorker).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LiveWorker.client_id],
        set_={k: v for k, v in values.items() if k != "client_id"},
    )
    session.execute(stmt)


@dataclass
class DeadLetter:
    topic: str
    reason: str
    detail: str
    payload: bytes
    received_at: datetime


def keep_aside(session: Session, client_id: str, letters: Iterable[DeadLetter]) -> int:
    rows = [
        {
            "received_at": d.received_at,
            "client_id": client_id,
            "topic": d.topic[:300],
            "reason": d.reason,
            "detail": d.detail[:2000],
            "size": len(d.payload),
            "payload": d.payload[:KEPT_PAYLOAD].decode("utf-8", "replace"),
        }
        for d in letters
    ]
    if rows:
        session.execute(insert(LiveDeadLetter), rows)
    return len(rows)


def status(session: Session, now: datetime | None = None, ttl_s: float = 6.0) -> dict[str, Any]:
    """The workers with their owned stations, lag and last commit; the dead letters by reason.
    Operational metadata only (no event content)."""
    now = now or _now()
    leases: dict[str, list[str]] = {}
    unowned = 0
    for key, owner, expires in session.execute(
        select(LiveLease.key, LiveLease.owner, LiveLease.expires_at)
        .where(LiveLease.key.startswith(STATION))
        .order_by(LiveLease.key)
    ):
        if owner is None or expires <= now:
            unowned += 1
        if owner is not None:
            leases.setdefault(owner, []).append(key[len(STATION) :])
    workers = []
    for w in session.scalars(select(LiveWorker).order_by(LiveWorker.client_id)):
        ttl = timedelta(seconds=float((w.detail or {}).get("lease_s", ttl_s)))
        workers.append(
            {
                "client_id": w.client_id,
                "host": w.host,
                "pid": w.pid,
                "alive": w.heartbeat_at > now - ttl,
                "started_at": w.started_at.isoformat(),
                "heartbeat_at": w.heartbeat_at.isoformat(),
                "last_commit_at": w.last_commit_at.isoformat() if w.last_commit_at else None,
                "lag_s": w.lag_s,
                "owned_stations": leases.get(w.client_id, []),
                **{k: v for k, v in (w.detail or {}).items() if k not in ("client_id",)},
            }
        )
    letters = dict(
        session.execute(
            select(LiveDeadLetter.reason, func.count()).group_by(LiveDeadLetter.reason)
        ).all()
    )
    return {
        "workers": workers,
        "stations_unowned": unowned,
        "dead_letters": {r: letters.get(r, 0) for r in DEAD_LETTER_REASONS if letters.get(r)},
    }


def forget_workers(session: Session, before: datetime) -> int:
    """Remove the heartbeat rows of workers silent since ``before`` (housekeeping)."""
    done = session.execute(delete(LiveWorker).where(LiveWorker.heartbeat_at < before))
    return done.rowcount if isinstance(done, CursorResult) else 0

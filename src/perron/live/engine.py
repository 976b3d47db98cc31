"""The live engine: MQTT sources → events → store → correlate → alerts, durably.

Messages arrive with QoS 1 on a persistent session (``clean_session=False`` and a fixed client
id), so what the broker accepted while the engine was down is delivered after it restarts. They
are collected into batches (every ``batch_ms`` or ``batch_max`` messages); each batch's events and
the alert changes they cause are committed in one transaction, and only then are the messages
acknowledged to the broker. A crash before the commit loses nothing (the broker redelivers); a
crash between commit and acknowledgement causes a redelivery that the store recognises by the
event id and ignores, so nothing is stored or alerted twice.

Several engines (``--client-id`` each their own) can share one PostgreSQL database: each station
is owned by one of them at a time through a lease (see :mod:`perron.live.cluster`). A batch is
filled fairly: a round over the stations with messages waiting, one message of each per turn, so
a flood from one station cannot hold back the others. Messages that cannot be read (malformed,
oversized, an unknown camera or station) are counted and kept aside in ``live_dead_letter``
with the reason, and acknowledged: they could never succeed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError

from perron.domain.events import Event
from perron.live import cluster, mqtt
from perron.live.ingest import Context, Ingestor, Result, stored_ids
from perron.live.sources import SourceError, adapter_for, all_topics, load_builtin
from perron.store.db import WalCheckpointer, make_engine, session_factory

log = logging.getLogger("perron.live")
REGISTRY_REFRESH_S = 30.0
#: the longest a message of a station owned by another worker is kept in the shadow waiting for
#: that worker to store it (it leaves the shadow as soon as it is found stored); beyond this it is
#: dropped and counted (``shadow_expired``): an owner that far behind needs an operator
SHADOW_S = 600.0
#: every heartbeat, at most this many of the oldest events of the shadow are looked up in the store
CONFIRM_MAX = 5000
#: the lease keeper renews the leases only while the worker's loop has come round within this
WATCHDOG_S = 60.0
#: a worker that joins running ones reads (into its shadow) this long before it takes stations:
#: what its session had queued while it was away arrives in that while
JOIN_DELAY_S = 15.0


@dataclass
class Stats:
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    invalid: int = 0
    dead_letters: int = 0
    alerts: int = 0
    batches: int = 0
    shadowed: int = 0
    shadow_expired: int = 0
    takeovers: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Item:
    """A read message waiting to be stored: its events (one station) and what to acknowledge."""

    station: str
    events: list[Event]
    mid: int | None  # None: acknowledged already (replayed from the shadow)
    qos: int
    arrived: float  # monotonic time of arrival


@dataclass
class Shadowed:
    """A read message of a station another worker owns, kept until it is found stored."""

    kept: float  # monotonic time it entered the shadow
    arrived: float  # monotonic time it was read
    station: str
    events: list[Event]


class LiveEngine:
    def __init__(
        self,
        database_url: str,
        host: str,
        port: int,
        *,
        client_id: str = "perron-live",
        batch_ms: float = 50.0,
        batch_max: int = 500,
        synthetic: bool = False,
        lease_s: float = 6.0,
        tick_s: float = 1.0,
        shadow_s: float = SHADOW_S,
        join_delay_s: float = JOIN_DELAY_S,
        max_payload: int = cluster.MAX_PAYLOAD,
    ) -> None:
        load_builtin()
        self.engine = make_engine(database_url)
        self.sessions = session_factory(self.engine)
        self.checkpointer: WalCheckpointer | None = None
        self.host, self.port = host, port
        self.client_id = client_id
        self.batch_s = batch_ms / 1000
        self.batch_max = batch_max
        self.ingestor = Ingestor(synthetic=synthetic)
        self.stats = Stats()
        # filled by the network thread (it only appends), emptied by the engine's loop
        self.inbox: deque[tuple[str, bytes, int, int]] = deque()
        self._arrived = threading.Event()  # set when a message arrives in an empty inbox
        self.stop = threading.Event()
        self.ready = threading.Event()  # connected, subscribed and leases taken
        self.subscribed = threading.Event()
        self.topics = all_topics()
        self._ctx: Context | None = None
        self._ctx_at = 0.0
        self.leases = cluster.StationLeases(
            client_id, ttl_s=lease_s, clustered=cluster.clustered(self.engine)
        )
        self.tick_s = tick_s
        self.shadow_s = shadow_s
        self.join_delay_s = join_delay_s
        self.max_payload = max_payload
        self.pending: dict[str, deque[Item]] = {}
        self.shadow: deque[Shadowed] = deque()
        self.letters: list[tuple[cluster.DeadLetter, int | None, int]] = []
        self.started_at = datetime.now(UTC)
        self.last_commit_at: datetime | None = None
        self.lag_s = 0.0
        #: when this worker joined (its first heartbeat), wall clock and monotonic
        self.joined_at: datetime | None = None
        self.joined_mono = 0.0
        self._next_tick = 0.0
        self._turn = 0
        #: monotonic time the loop last came round (the lease keeper's watchdog)
        self._progress_at = time.monotonic()
        self._keeper_stop = threading.Event()

    # -- MQTT callbacks (network thread) ---------------------------------------------------
    def _on_connect(self, cl, userdata, flags, reason_code, properties) -> None:
        if not reason_code.is_failure:
            cl.subscribe([(t, 1) for t in self.topics])

    def _on_subscribe(self, cl, userdata, mid, reason_codes, properties) -> None:
        self.subscribed.set()

    def _on_message(self, cl, userdata, msg) -> None:
        self.inbox.append((msg.topic, msg.payload, msg.mid, msg.qos))
        if not self._arrived.is_set():
            self._arrived.set()

    # -- main loop ---------------------------------------------------------------------------
    def context(self) -> Context:
        now = time.monotonic()
        if self._ctx is None or now - self._ctx_at > REGISTRY_REFRESH_S:
            with self.sessions() as s:
                self._ctx = Context.load(s)
            self._ctx_at = now
        return self._ctx

    def run(self, duration: float | None = None, on_batch=None) -> Stats:
        # commits stay short: SQLite's checkpoints run in a thread of their own
        self.checkpointer = WalCheckpointer(self.engine)
        client = mqtt.client(self.client_id, clean_session=False, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        mqtt.connect(client, self.host, self.port)
        if not self.subscribed.wait(10):
            client.loop_stop()
            raise mqtt.MqttError(f"mqtt://{self.host}:{self.port} did not confirm the subscription")
        end = time.monotonic() + duration if duration else None
        keeper: threading.Thread | None = None
        try:
            with self.sessions() as s:
                others = self.leases.others_alive(s)
            if others:
                # others are running: read into the shadow first (no heartbeat yet, so they do
                # not give stations to this worker before)
                join_at = time.monotonic() + self.join_delay_s
                log.info(
                    "%s: %d other workers; joining in %.0f s",
                    self.client_id,
                    others,
                    self.join_delay_s,
                )
                while not self.stop.is_set() and time.monotonic() < join_at:
                    self._collect(client)
            self.joined_at, self.joined_mono = datetime.now(UTC), time.monotonic()
            self._tick(client)
            self.ready.set()
            if self.leases.clustered:
                keeper = threading.Thread(
                    target=self._keep_leases, name=f"{self.client_id}-leases", daemon=True
                )
                keeper.start()
            while not self.stop.is_set() and (end is None or time.monotonic() < end):
                self._progress_at = time.monotonic()
                if time.monotonic() >= self._next_tick:
                    self._tick(client)
                self._collect(client)
                if self.pending or self.letters:
                    self._handle(client)
                    if on_batch is not None:
                        on_batch(self.stats)
        finally:
            self._keeper_stop.set()
            if keeper is not None:
                keeper.join()
            # what is waiting is not acknowledged: the broker gives it to this worker again when it
            # comes back, and the workers that take its stations over have it in their shadow
            try:
                with self.sessions() as s, s.begin():
                    self.leases.release(s)
                    self._report(s)
            except Exception as exc:  # noqa: BLE001 - a stop without the database
                log.error("giving back the leases failed: %s", exc)
            client.disconnect()
            client.loop_stop()
            self.checkpointer.stop()
            self.engine.dispose()
        return self.stats

    # -- leases --------------------------------------------------------------------------------
    def _keep_leases(self) -> None:
        """The lease keeper (a thread): renew the leases and the heartbeat every ``tick_s``
        while the loop comes round (see :mod:`perron.live.cluster`)."""
        while not self._keeper_stop.wait(self.tick_s):
            if time.monotonic() - self._progress_at > WATCHDOG_S:
                continue  # the loop is stuck: let the others take the stations over
            try:
                with self.sessions() as s, s.begin():
                    self.leases.renew(s)
            except DBAPIError as exc:
                log.error("renewing the leases failed: %s", exc)

    def _oldest_waiting(self) -> float | None:
        """The monotonic time of reading of the oldest message waiting to be stored."""
        return min((q[0].arrived for q in self.pending.values() if q), default=None)

    def _report(self, s) -> None:
        oldest = self._oldest_waiting()
        # the lag: how long the oldest message waiting to be stored has waited
        self.lag_s = time.monotonic() - oldest if oldest is not None else 0.0
        cluster.report_health(
            s,
            self.client_id,
            started_at=self.started_at,
            last_commit_at=self.last_commit_at,
            lag_s=self.lag_s,
            stations=len(self.leases.owned),
            detail={
                "messages": self.stats.messages,
                "stored": self.stats.stored,
                "duplicates": self.stats.duplicates,
                "invalid": self.stats.invalid,
                "dead_letters": self.stats.dead_letters,
                "alert_changes": self.stats.alerts,
                "takeovers": self.stats.takeovers,
                "lease_s": self.leases.ttl.total_seconds(),
                "waiting": len(self.inbox) + sum(len(q) for q in self.pending.values()),
                "shadow": len(self.shadow),
                "shadow_expired": self.stats.shadow_expired,
                "joined_at": self.joined_at.isoformat() if self.joined_at else None,
            },
        )

    def _tick(self, client) -> None:
        """Heartbeat: report health, renew and rebalance the leases; warm up what was gained and
        replay its shadow; hand what was lost to the shadow; forget what the shadow holds that is
        stored. A station is given back only once what was read of it before the newest other
        worker joined is stored (see :mod:`perron.live.cluster`)."""
        ctx = self.context()
        wall = time.time() - time.monotonic()  # monotonic → wall clock
        waiting = {
            code: datetime.fromtimestamp(q[0].arrived + wall, UTC)
            for code, q in self.pending.items()
            if q
        }
        try:
            with self.sessions() as s, s.begin():
                self._report(s)
                got = self.leases.tick(s, ctx.stations, waiting_since=waiting)
        except DBAPIError as exc:
            log.error("lease heartbeat failed: %s", exc)
            self.stats.errors.append(str(exc)[:200])
            self._next_tick = time.monotonic() + self.tick_s
            return
        self._next_tick = time.monotonic() + self.tick_s
        if got.lost:
            log.info("%s: gave up %d stations", self.client_id, len(got.lost))
            for code in got.lost:
                for item in self.pending.pop(code, ()):
                    self._to_shadow(client, item)
        if got.gained:
            if self.stats.batches:
                self.stats.takeovers += 1
            log.info("%s: took %d stations", self.client_id, len(got.gained))
            self.ingestor.correlator.forget(got.gained)
            with self.sessions() as s:
                self.ingestor.warm_up(s, stations=sorted(got.gained))
            kept: deque[Shadowed] = deque()
            # a station taken from an expired lease: all its shadow (the old owner may have
            # stored none of it); one given back: what was read from shortly before this worker
            # joined on (the giver stored what it had read before that)
            since = self.joined_mono - cluster.REPLAY_BEFORE_JOIN_S
            replay: list[Shadowed] = []
            for entry in self.shadow:
                if entry.station not in got.gained:
                    kept.append(entry)
                elif entry.station not in got.handed_over or entry.arrived >= since:
                    replay.append(entry)
            self.shadow = kept
            for entry in sorted(replay, key=lambda e: e.arrived):
                item = Item(entry.station, entry.events, None, 0, entry.arrived)
                self.pending.setdefault(entry.station, deque()).append(item)
        self._confirm()

    def _confirm(self) -> None:
        """Forget the oldest messages of the shadow that are stored (at most CONFIRM_MAX events
        looked up per heartbeat), and those kept longer than ``shadow_s``."""
        shadow = self.shadow
        old = time.monotonic() - self.shadow_s
        while shadow and shadow[0].kept < old:
            shadow.popleft()
            self.stats.shadow_expired += 1
        if not shadow:
            return
        head: list[Shadowed] = []
        n = 0
        while shadow and n < CONFIRM_MAX:
            entry = shadow.popleft()
            head.append(entry)
            n += len(entry.events)
        try:
            with self.sessions() as s:
                found = stored_ids(s.connection(), [e for x in head for e in x.events])
        except DBAPIError as exc:
            log.error("looking up the shadow failed: %s", exc)
            found = set()
        for entry in reversed(head):
            if not all(e.id in found for e in entry.events):
                shadow.appendleft(entry)

    def _to_shadow(self, client, item: Item) -> None:
        self.shadow.append(Shadowed(time.monotonic(), item.arrived, item.station, item.events))
        self.stats.shadowed += 1
        if item.mid is not None and item.qos > 0:
            client.ack(item.mid, item.qos)
        item.mid = None

    # -- reading -------------------------------------------------------------------------------
    def _collect(self, client) -> None:
        """Read what arrived: wait up to ``batch_s`` after the first message (at most
        ``batch_max``), then sort every message in the inbox to its station's queue."""
        inbox = self.inbox
        if not inbox and not self.pending:
            self._arrived.clear()
            # a message appended after the clear sets the event again, so none is missed
            if not inbox and not self._arrived.wait(0.2):
                return
        if not self.pending:
            deadline = time.monotonic() + self.batch_s
            while len(inbox) < self.batch_max:
                left = deadline - time.monotonic()
                if left <= 0 or self.stop.is_set():
                    break
                time.sleep(min(left, 0.002))
        ctx = self.context()
        received = datetime.now(UTC)
        arrived = time.monotonic()
        owned = self.leases.owned
        for _ in range(len(inbox)):
            topic, payload, mid, qos = inbox.popleft()
            self.stats.messages += 1
            events = self._read(ctx, topic, payload, mid, qos, received)
            if events is None:
                if qos > 0 and mid is not None and not self._letter_pending(mid):
                    client.ack(mid, qos)
                continue
            item = Item(events[0].station_code, events, mid, qos, arrived)
            if item.station in owned:
                self.pending.setdefault(item.station, deque()).append(item)
            else:
                self._to_shadow(client, item)

    def _letter_pending(self, mid: int) -> bool:
        return bool(self.letters) and self.letters[-1][1] == mid

    def _read(self, ctx, topic, payload, mid, qos, received) -> list[Event] | None:
        """The events of one message, or None (ignored, or kept aside as a dead letter)."""
        if len(payload) > self.max_payload:
            self._dead(topic, "oversized", f"{len(payload)} bytes", payload, mid, qos, received)
            return None
        adapter = adapter_for(topic)
        if adapter is None:
            self.stats.ignored += 1
            return None
        ctx.unknown_camera = None
        try:
            got = adapter(topic, payload, ctx, received)
        except SourceError as exc:
            text = str(exc)
            reason = "unknown_station" if "unknown station" in text else "malformed"
            self._dead(topic, reason, text, payload, mid, qos, received)
            return None
        except Exception as exc:  # noqa: BLE001 - an adapter's bug must not stop the worker
            self._dead(topic, "malformed", f"adapter failed: {exc!r}", payload, mid, qos, received)
            return None
        if not got:
            if ctx.unknown_camera is not None:
                camera = ctx.unknown_camera
                self._dead(
                    topic, "unknown_camera", f"camera {camera!r}", payload, mid, qos, received
                )
                return None
            self.stats.ignored += 1
            return None
        return got

    def _dead(self, topic, reason, detail, payload, mid, qos, received) -> None:
        self.stats.invalid += 1
        log.warning("%s: %s (%s)", topic, reason, detail[:200])
        self.letters.append(
            (cluster.DeadLetter(topic, reason, detail, bytes(payload), received), mid, qos)
        )

    # -- storing -------------------------------------------------------------------------------
    def _select(self) -> list[Item]:
        """A fair batch: rounds over the stations with waiting messages, one of each per turn,
        up to ``batch_max`` events."""
        out: list[Item] = []
        n = 0
        codes = sorted(self.pending)
        if not codes:
            return out
        start = self._turn % len(codes)
        order = codes[start:] + codes[:start]
        self._turn += 1
        while n < self.batch_max and order:
            rest = []
            for code in order:
                q = self.pending[code]
                item = q.popleft()
                out.append(item)
                n += len(item.events)
                if q:
                    rest.append(code)
                else:
                    del self.pending[code]
                if n >= self.batch_max:
                    break
            order = [c for c in rest if c in self.pending]
        return out

    def _one_by_one(self, events) -> Result:
        """Store the events of a refused batch singly; the ones refused again are kept aside."""
        total = Result()
        for e in events:
            try:
                with self.sessions() as s, s.begin():
                    if not self.leases.fence(s, [e.station_code]):
                        continue
                    r = self.ingestor.process(s, [e])
            except DBAPIError:
                raise
            except Exception as exc:  # noqa: BLE001
                log.error("event %s refused: %s", e.id, exc)
                self.stats.invalid += 1
                self.letters.append(
                    (
                        cluster.DeadLetter(
                            f"event:{e.source}",
                            "refused",
                            f"{e.id}: {exc}"[:2000],
                            b"",
                            e.received_at,
                        ),
                        None,
                        0,
                    )
                )
                continue
            total.stored += r.stored
            total.duplicates += r.duplicates
            total.alert_ids += r.alert_ids
        return total

    def _handle(self, client) -> bool:
        """Store one fair batch and the dead letters in one transaction, then acknowledge.
        False when the database could not be reached (nothing acknowledged)."""
        batch = self._select()
        letters, self.letters = self.letters, []
        delay = 0.1
        refused: list[Item] = []
        events: list[Event] = []
        while True:
            try:
                with self.sessions() as s, s.begin():
                    ok = self.leases.fence(s, {i.station for i in batch})
                    events = [e for i in batch if i.station in ok for e in i.events]
                    refused = [i for i in batch if i.station not in ok]
                    result = self.ingestor.process(s, events)
                    cluster.keep_aside(s, self.client_id, [d for d, _, _ in letters])
                break
            except DBAPIError as exc:  # the database is away or busy: retry, do not ack
                log.error("storing a batch failed, retrying: %s", exc)
                self.stats.errors.append(str(exc)[:200])
                if self.stop.wait(delay):
                    # not acknowledged: the broker redelivers after restart
                    for item in batch:
                        self.pending.setdefault(item.station, deque()).appendleft(item)
                    self.letters = letters + self.letters
                    return False
                delay = min(delay * 2, 5.0)
            except Exception as exc:  # noqa: BLE001 - an event the store refuses for good
                log.error("a batch was refused (%s); storing its events one by one", exc)
                self.stats.errors.append(str(exc)[:200])
                with self.sessions() as s, s.begin():
                    cluster.keep_aside(s, self.client_id, [d for d, _, _ in letters])
                result = self._one_by_one(events)
                if self.letters:
                    with self.sessions() as s, s.begin():
                        cluster.keep_aside(s, self.client_id, [d for d, _, _ in self.letters])
                    self.stats.dead_letters += len(self.letters)
                    self.letters = []
                break
        for item in refused:  # the lease moved: the new owner has these in its shadow
            self._to_shadow(client, item)
        for item in batch:
            if item.mid is not None and item.qos > 0:
                client.ack(item.mid, item.qos)
                item.mid = None
        for _d, mid, qos in letters:
            if mid is not None and qos > 0:
                client.ack(mid, qos)
        if self.checkpointer is not None:
            self.checkpointer.settle(self.engine)  # now and then the log starts over
        self.last_commit_at = datetime.now(UTC)
        self.stats.dead_letters += len(letters)
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.alerts += len(result.alert_ids)
        self.stats.batches += 1
        return True

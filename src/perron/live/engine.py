"""The live engine: MQTT sources → events → store → correlate → alerts, durably.

Messages arrive with QoS 1 on a persistent session (``clean_session=False`` and a fixed client
id), so what the broker accepted while the engine was down is delivered after it restarts. They
are collected into batches (every ``batch_ms`` or ``batch_max`` messages); each batch's events and
the alert changes they cause are committed in one transaction, and only then are the messages
acknowledged to the broker. A crash before the commit loses nothing (the broker redelivers); a
crash between commit and acknowledgement causes a redelivery that the store recognises by the
event id and ignores, so nothing is stored or alerted twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError

from perron.live import mqtt
from perron.live.ingest import Context, Ingestor, Result
from perron.live.sources import SourceError, adapter_for, all_topics, load_builtin
from perron.store.db import WalCheckpointer, make_engine, session_factory

log = logging.getLogger("perron.live")
REGISTRY_REFRESH_S = 30.0


@dataclass
class Stats:
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    invalid: int = 0
    alerts: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


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
        self.ready = threading.Event()  # connected and subscribed
        self.subscribed = threading.Event()
        self.topics = all_topics()
        self._ctx: Context | None = None
        self._ctx_at = 0.0

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
        with self.sessions() as s:
            replayed = self.ingestor.warm_up(s)
        log.info("correlator warmed up with %d recent events", replayed)
        client = mqtt.client(self.client_id, clean_session=False, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        mqtt.connect(client, self.host, self.port)
        if not self.subscribed.wait(10):
            client.loop_stop()
            raise mqtt.MqttError(f"mqtt://{self.host}:{self.port} did not confirm the subscription")
        self.ready.set()
        end = time.monotonic() + duration if duration else None
        try:
            while not self.stop.is_set() and (end is None or time.monotonic() < end):
                batch = self._collect()
                if batch:
                    self._handle(client, batch)
                    if on_batch is not None:
                        on_batch(self.stats)
        finally:
            client.disconnect()
            client.loop_stop()
            self.checkpointer.stop()
            self.engine.dispose()
        return self.stats

    def _collect(self) -> list[tuple[str, bytes, int, int]]:
        """The next batch: what arrives within ``batch_s`` of the first message, at most
        ``batch_max`` messages (a backlog is taken at once)."""
        inbox = self.inbox
        if not inbox:
            self._arrived.clear()
            # a message appended after the clear sets the event again, so none is missed
            if not inbox and not self._arrived.wait(0.2):
                return []
        deadline = time.monotonic() + self.batch_s
        while len(inbox) < self.batch_max:
            left = deadline - time.monotonic()
            if left <= 0 or self.stop.is_set():
                break
            time.sleep(min(left, 0.002))
        n = min(len(inbox), self.batch_max)
        return [inbox.popleft() for _ in range(n)]

    def _one_by_one(self, events) -> Result:
        """Store the events of a refused batch singly; the ones refused again are dropped and
        counted as invalid (retrying them could never succeed)."""
        total = Result()
        for e in events:
            try:
                with self.sessions() as s, s.begin():
                    r = self.ingestor.process(s, [e])
            except DBAPIError:
                raise
            except Exception as exc:  # noqa: BLE001
                log.error("event %s refused: %s", e.id, exc)
                self.stats.invalid += 1
                continue
            total.stored += r.stored
            total.duplicates += r.duplicates
            total.alert_ids += r.alert_ids
        return total

    def _handle(self, client, batch) -> None:
        ctx = self.context()
        received = datetime.now(UTC)
        events = []
        for topic, payload, _mid, _qos in batch:
            adapter = adapter_for(topic)
            if adapter is None:
                self.stats.ignored += 1
                continue
            try:
                got = adapter(topic, payload, ctx, received)
            except SourceError as exc:
                # An unreadable message can never succeed: it is counted, logged and acked.
                self.stats.invalid += 1
                log.warning("%s: %s", topic, exc)
                continue
            if not got:
                self.stats.ignored += 1
            events.extend(got)
        delay = 0.1
        while True:
            try:
                with self.sessions() as s, s.begin():
                    result = self.ingestor.process(s, events)
                break
            except DBAPIError as exc:  # the database is away or busy: retry, do not ack
                log.error("storing a batch failed, retrying: %s", exc)
                self.stats.errors.append(str(exc)[:200])
                if self.stop.wait(delay):
                    return  # not acknowledged: the broker redelivers after restart
                delay = min(delay * 2, 5.0)
            except Exception as exc:  # noqa: BLE001 - an event the store refuses for good
                log.error("a batch was refused (%s); storing its events one by one", exc)
                self.stats.errors.append(str(exc)[:200])
                result = self._one_by_one(events)
                break
        for _topic, _payload, mid, qos in batch:
            if qos > 0:
                client.ack(mid, qos)
        self.checkpointer.settle(self.engine)  # now and then the log starts over
        self.stats.messages += len(batch)
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.alerts += len(result.alert_ids)
        self.stats.batches += 1

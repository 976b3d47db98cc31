"""MQTT plumbing shared by the live engine and the simulator (paho-mqtt 2, MQTT 3.1.1)."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlparse

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion


class MqttError(RuntimeError):
    pass


def parse_url(url: str) -> tuple[str, int]:
    """``mqtt://HOST:PORT`` → (host, port); the port defaults to 1883."""
    u = urlparse(url if "://" in url else f"mqtt://{url}")
    if u.scheme not in ("mqtt", "tcp") or not u.hostname:
        raise MqttError(f"--mqtt: {url!r} is not mqtt://HOST:PORT")
    return u.hostname, u.port or 1883


def client(
    client_id: str,
    *,
    clean_session: bool = True,
    manual_ack: bool = False,
    max_inflight: int = 1000,
) -> paho.Client:
    """A paho client. ``max_inflight`` bounds the QoS 1 messages it has sent and the broker has
    not acknowledged yet (0: no bound; paho then skips its queue of waiting messages, which it
    rescans on every acknowledgement)."""
    c = paho.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
    )
    c.max_inflight_messages_set(max_inflight)
    c.max_queued_messages_set(0)
    if manual_ack:
        c.manual_ack_set(True)
    return c


def connect(c: paho.Client, host: str, port: int, timeout: float = 10.0) -> None:
    """Connect and start the network thread; wait until the broker accepted the connection."""
    ready = threading.Event()
    previous = c.on_connect

    def on_connect(cl, userdata, flags, reason_code, properties):
        if previous is not None:
            previous(cl, userdata, flags, reason_code, properties)
        if not reason_code.is_failure:
            ready.set()

    c.on_connect = on_connect
    try:
        c.connect(host, port, keepalive=30)
    except OSError as exc:
        raise MqttError(f"cannot connect to mqtt://{host}:{port}: {exc}") from exc
    c.loop_start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if time.monotonic() > deadline:
            c.loop_stop()
            raise MqttError(f"mqtt://{host}:{port} did not accept the connection")


class Publisher:
    """Publishes with QoS 1 and waits for the broker's acknowledgements.

    Every message goes to the broker at once (no in-flight bound in paho): the caller bounds what
    is outstanding with :meth:`pending` (paho's message ids are 16-bit, so stay well below
    65,535; the simulator waits at 20,000)."""

    def __init__(
        self, host: str, port: int, client_id: str = "perron-publisher", max_inflight: int = 0
    ) -> None:
        self.client = client(client_id, max_inflight=max_inflight)
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._early: set[int] = set()
        self._done = threading.Condition(self._lock)
        self.client.on_publish = self._on_publish
        connect(self.client, host, port)

    def _on_publish(self, cl, userdata, mid, reason_code, properties) -> None:
        with self._done:
            if mid in self._pending:
                self._pending.discard(mid)
            else:
                self._early.add(mid)  # acknowledged before publish() recorded it
            self._done.notify_all()

    def publish(self, topic: str, payload: bytes | str, qos: int = 1) -> None:
        # paho's own lock is taken inside publish(); ours is never held while calling it
        info = self.client.publish(topic, payload, qos=qos)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise MqttError(f"publish to {topic} failed: {paho.error_string(info.rc)}")
        if qos:
            with self._lock:
                if info.mid in self._early:
                    self._early.discard(info.mid)
                else:
                    self._pending.add(info.mid)

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until the broker acknowledged everything published; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._done:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(min(left, 0.2))
        return True

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

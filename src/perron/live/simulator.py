"""A generator of realistic, synthetic event streams for all 397 stations, in Frigate format.

Every station gets cameras by size (small 2, medium 4, large 8) spread over its default zones.
Stations are picked in proportion to their travellers per day times a day/night rhythm (quiet at
night, peaks in the rush hours, in Europe/Amsterdam time). Almost everything is an ordinary
detection — a person, bicycle or car tracked by Frigate: ``new`` when the object appears,
``update`` while it is tracked and ``end`` when it leaves 2–40 s later, each message sent when
it happens, as Frigate does, so the streams of many objects interleave. Rarely a real
incident is mixed in: a yell on the audio topic and a person in the same zone (aggression), a
person lingering in a tunnel at night, or a crowd count above the limit on a platform (a generic
JSON event, since Frigate does not count crowds).

Use :func:`camera_mappings` for the registry that fits the stream (``perron simulate
--write-cameras FILE``), :class:`Stream` for the messages, :func:`publish` to send them to a
broker at a given rate.
"""

from __future__ import annotations

import bisect
import heapq
import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import accumulate

from perron.domain.local_time import LOCAL_TZ
from perron.domain.zones import default_zones
from perron.live.cameras import Mapping
from perron.reference import bundle

CAMERAS_BY_SIZE = {"small": 2, "medium": 4, "large": 8}
# relative activity per local hour (0-23): quiet nights, morning and evening peaks
HOURLY = (
    0.05,
    0.03,
    0.02,
    0.02,
    0.04,
    0.15,
    0.45,
    0.9,
    1.0,
    0.7,
    0.55,
    0.55,
    0.6,
    0.6,
    0.6,
    0.65,
    0.85,
    1.0,
    0.9,
    0.6,
    0.45,
    0.35,
    0.25,
    0.12,
)
ORDINARY = (("person", 0.8), ("bicycle", 0.12), ("car", 0.05), ("dog", 0.03))
INCIDENT_RATE = 0.0015  # share of the situations the stream starts that are real incidents
MAX_PENDING = 20_000  # QoS 1 messages not yet acknowledged by the broker
AUDIO_TYPES = ("yell", "scream")
#: the least time between two audio ONs of one camera and type. Frigate sends ON when a sound
#: type starts and OFF only after it has not been heard for ``max_not_heard`` (30 s by default);
#: a new ON can only follow that OFF. The stream keeps twice that apart, since the store times an
#: audio event by its receipt (the topic carries no time) and a worker that catches up on a
#: backlog receives messages closer together than they were sent.
AUDIO_REPEAT_S = 60.0


def camera_mappings(scale: int = 1) -> list[Mapping]:
    """The synthetic camera registry: per station 2, 4 or 8 cameras by size, times ``scale``
    (6 gives about 5,900 cameras, the national scale)."""
    out = []
    for st in bundle.stations():
        zones = default_zones(st.size_class, st.type)
        for i in range(CAMERAS_BY_SIZE.get(st.size_class, 2) * scale):
            zone = zones[i % len(zones)]
            out.append(Mapping(f"{st.code.lower()}_{zone}_{i + 1}", "", st.code, zone))
    return out


#: the time of the first message of a counted run (``--count``) unless ``--start`` says
COUNT_START = 1767600000.0  # 2026-01-05T08:00:00Z, a Monday morning


class Stream:
    """An endless stream of (topic, payload) messages, reproducible by ``seed``.

    ``clock`` gives the time of each message (the wall clock by default; the demo and the
    benchmarks pass their own); it is read once per message. A message is sent when its time has
    come: the update and end of a tracked object wait until the clock reaches them, and when
    nothing is due a new object (or, rarely, an incident) starts. ``incident_rate`` is the share
    of these starts that are incidents.
    """

    def __init__(
        self,
        seed: int = 1,
        clock: Callable[[], float] = time.time,
        incident_rate: float = INCIDENT_RATE,
        cameras_scale: int = 1,
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.clock = clock
        self.incident_rate = incident_rate
        self.cameras: dict[str, list[Mapping]] = {}
        for m in camera_mappings(cameras_scale):
            self.cameras.setdefault(m.station, []).append(m)
        self.stations = {s.code: s for s in bundle.stations()}
        self.codes = sorted(self.cameras)
        self._weights_hour = -1
        self._cum: list[float] = []
        self.n = 0
        self.last_t = 0.0
        self.incidents: list[tuple[str, str, str]] = []  # (kind, station, zone)
        # messages still to come: (time, order, arguments of _frigate), encoded when sent
        self._due: list[tuple[float, int, tuple]] = []
        self._order = 0
        self._heard: dict[tuple[str, str], float] = {}  # (camera, audio type) -> its last ON

    def _pick_station(self, t: float) -> str:
        hour = datetime.fromtimestamp(t, LOCAL_TZ).hour
        if hour != self._weights_hour:
            f = HOURLY[hour]
            self._cum = list(
                accumulate(max(self.stations[c].travellers_per_day, 200) * f for c in self.codes)
            )
            self._weights_hour = hour
        x = self.rng.random() * self._cum[-1]
        return self.codes[bisect.bisect_left(self._cum, x)]

    def _oid(self, t: float) -> str:
        self.n += 1
        return f"{t:.6f}-s{self.seed}n{self.n:x}"

    def _frigate(
        self,
        oid: str,
        cam: str,
        label: str,
        phase: str,
        start: float,
        t: float,
        score: float,
        stationary: bool = False,
    ) -> tuple[str, bytes]:
        after = {
            "id": oid,
            "camera": cam,
            "frame_time": t,
            "label": label,
            "sub_label": None,
            "top_score": score,
            "false_positive": False,
            "start_time": start,
            "end_time": t if phase == "end" else None,
            "score": score,
            "current_zones": [],
            "entered_zones": [],
            "thumbnail": None,
            "has_snapshot": False,
            "has_clip": False,
            "active": phase != "end",
            "stationary": stationary,
            "motionless_count": 0,
            "position_changes": 1,
            "attributes": {},
            "current_attributes": [],
        }
        return "frigate/events", json.dumps(
            {"type": phase, "before": after, "after": after}
        ).encode()

    def _ordinary(self, t: float) -> tuple[str, bytes]:
        code = self._pick_station(t)
        cam = self.rng.choice(self.cameras[code]).camera
        r, label = self.rng.random(), "person"
        for lab, p in ORDINARY:
            if r < p:
                label = lab
                break
            r -= p
        score = round(self.rng.uniform(0.62, 0.97), 3)
        oid = self._oid(t)
        dwell = self.rng.uniform(2, 40)
        self._later(t + dwell / 2, (oid, cam, label, "update", t, t + dwell / 2, score))
        self._later(t + dwell, (oid, cam, label, "end", t, t + dwell, score))
        return self._frigate(oid, cam, label, "new", t, t, score)

    def _later(self, t: float, frigate_args: tuple) -> None:
        self._order += 1
        heapq.heappush(self._due, (t, self._order, frigate_args))

    def _incident(self, t: float) -> tuple[str, bytes]:
        code = self._pick_station(t)
        cams = self.cameras[code]
        hour = datetime.fromtimestamp(t, LOCAL_TZ).hour
        tunnels = [c for c in cams if c.zone == "tunnel"]
        platforms = [c for c in cams if c.zone == "platform"]
        kind = self.rng.choice(("aggression", "loitering", "crowd"))
        if kind == "loitering" and tunnels and (hour >= 19 or hour < 6):
            cam = self.rng.choice(tunnels)
            oid = self._oid(t - 700)
            first = self._frigate(oid, cam.camera, "person", "update", t - 700, t, 0.9, True)
        elif kind == "crowd" and platforms:
            cam = self.rng.choice(platforms)
            body = {
                "id": f"crowd-{self.seed}-{self.n}-{t:.3f}",
                "source": "counter",
                "kind": "crowd",
                "station": code,
                "zone": cam.zone,
                "count": self.rng.randint(160, 320),
                "occurred_at": datetime.fromtimestamp(t, UTC).isoformat(),
            }
            self.n += 1
            first = ("perron/events", json.dumps(body).encode())
        else:
            kind = "aggression"
            # a camera whose sound type is still ON (Frigate has not sent OFF) sends no new ON
            free = [
                (c, a)
                for c in cams
                for a in AUDIO_TYPES
                if t - self._heard.get((c.camera, a), -AUDIO_REPEAT_S) >= AUDIO_REPEAT_S
            ]
            oid = self._oid(t)
            if free:
                cam, sound = self.rng.choice(free)
                self._heard[(cam.camera, sound)] = t
                first = (f"frigate/{cam.camera}/audio/{sound}", b"ON")
                self._later(t, (oid, cam.camera, "person", "new", t, t, 0.88))
            else:  # every camera here already hears one: only the person is new
                cam = self.rng.choice(cams)
                first = self._frigate(oid, cam.camera, "person", "new", t, t, 0.88)
        self.incidents.append((kind, code, cam.zone))
        return first

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        return self

    def __next__(self) -> tuple[str, bytes]:
        t = self.last_t = self.clock()
        if self._due and self._due[0][0] <= t:
            return self._frigate(*heapq.heappop(self._due)[2])
        # nothing is due: something new starts (a tracked object: three messages in time)
        if self.rng.random() < self.incident_rate:
            return self._incident(t)
        return self._ordinary(t)


def publish(
    host: str,
    port: int,
    *,
    rate: float,
    duration: float,
    seed: int = 1,
    client_id: str | None = None,
    on_progress: Callable[[int], None] | None = None,
    incident_rate: float = INCIDENT_RATE,
    count: int | None = None,
    start: float | None = None,
) -> dict:
    """Publish the stream at ``rate`` messages/s for ``duration`` s with QoS 1; wait for the
    broker's acknowledgements. Returns counts and the achieved rate.

    With ``count``, exactly ``count`` messages are published (``duration`` is not used) and the
    stream runs on a clock of its own: message ``i`` is at ``start + i / rate`` (``start``
    defaults to :data:`COUNT_START`), so a seed always gives the same messages."""
    from perron.live.mqtt import Publisher

    pub = Publisher(host, port, client_id or f"perron-sim-{seed}-{time.time_ns()}")
    if count is not None:
        t0 = COUNT_START if start is None else start
        made = iter(range(count + 1))
        stream = Stream(
            seed, clock=lambda: t0 + next(made, count) / rate, incident_rate=incident_rate
        )
    else:
        stream = Stream(seed, incident_rate=incident_rate)
    begin = time.monotonic()
    sent = 0
    try:
        while True:
            elapsed = time.monotonic() - begin
            if count is not None and sent >= count:
                break
            if count is None and elapsed >= duration:
                break
            due = int(elapsed * rate) + 1
            if count is not None:
                due = min(due, count)
            while sent < due:
                if pub.pending() >= MAX_PENDING:
                    # the broker lags: wait for acknowledgements (paho message ids are 16-bit)
                    time.sleep(0.005)
                    break
                topic, payload = next(stream)
                pub.publish(topic, payload)
                sent += 1
            if on_progress is not None:
                on_progress(sent)
            time.sleep(min(0.005, max(0.0, (sent / rate) - (time.monotonic() - begin))))
        acked = pub.wait(60)
    finally:
        pub.close()
    took = time.monotonic() - begin
    return {
        "published": sent,
        "acknowledged_by_broker": acked,
        "seconds": round(took, 2),
        "rate": round(sent / took, 1) if took else 0.0,
        "incidents": len(stream.incidents),
    }

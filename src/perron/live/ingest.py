"""The in-process ingest path: store events idempotently, correlate, persist alert changes.

:meth:`Ingestor.process` does all of it in the caller's transaction, so a batch of events and the
alerts they cause are committed together or not at all. An event whose id is already stored (a
message redelivered after a crash or a retried HTTP request) is ignored: it is neither stored
again nor fed to the correlator, so it can never raise a second alert. After a restart the
correlator's windows are warmed up from the recently stored events (:meth:`Ingestor.warm_up`);
alerts already open are found again by their de-duplication key in the database.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.accounts import Principal
from perron.domain.events import Event
from perron.domain.parties import Role, municipality_party_code
from perron.domain.zones import ZONE_BY_CODE, Domain
from perron.live import cameras
from perron.live.alerts import apply_changes
from perron.live.rules import Correlator
from perron.store.dialect import insert_new_keys, is_sqlite, sqlite_insert_new, sqlite_time
from perron.store.tables.live import SensorEvent
from perron.store.tables.reference import Station

WARM_UP = timedelta(minutes=35)

#: Roles whose accounts may feed events (a sensor gateway gets an operator account of its party).
INGEST_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})
#: Parties that manage the station domain (platforms, tunnels, halls, ...) of every station.
STATION_DOMAIN_PARTIES = frozenset({"ns", "prorail"})


class IngestForbidden(PermissionError):
    """The account may not feed these events; the message says which and why."""


@dataclass
class Context:
    """What the source adapters need: the camera registry and the known station codes."""

    registry: cameras.CameraRegistry
    stations: frozenset[str]
    #: the camera of the last message an adapter could not place (cleared by the reader)
    unknown_camera: str | None = None

    def note_unknown_camera(self, camera: str) -> None:
        self.unknown_camera = camera

    @classmethod
    def load(cls, session: Session) -> Context:
        return cls(cameras.load(session), frozenset(session.scalars(select(Station.code))))


@dataclass
class Result:
    stored: int = 0
    duplicates: int = 0
    alert_ids: list[int] = field(default_factory=list)


def event_row(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "source": e.source,
        "kind": e.kind,
        "label": e.label,
        "score": e.score,
        "station_code": e.station_code,
        "zone": e.zone,
        "camera": e.camera,
        "count": e.count,
        "value": e.value,
        "phase": e.phase,
        "attributes": e.attributes,
        "occurred_at": e.occurred_at,
        "received_at": e.received_at,
    }


_COLUMNS = (
    "id",
    "source",
    "kind",
    "label",
    "score",
    "station_code",
    "zone",
    "camera",
    "count",
    "value",
    "phase",
    "attributes",
    "occurred_at",
    "received_at",
)


def sqlite_rows(events: Sequence[Event]) -> list[tuple]:
    """Rows for :func:`perron.store.dialect.sqlite_insert_new`: ready tuples in the order of
    :data:`_COLUMNS`, the attributes as JSON text and the times as
    :func:`perron.store.dialect.sqlite_time` text."""
    times: dict[datetime, str] = {}  # the events of a batch share their time of receipt
    rows = []
    for e in events:
        r = e.received_at
        received = times.get(r)
        if received is None:
            received = times[r] = sqlite_time(r)
        rows.append(
            (
                e.id,
                e.source,
                e.kind,
                e.label,
                e.score,
                e.station_code,
                e.zone,
                e.camera,
                e.count,
                e.value,
                e.phase,
                orjson.dumps(e.attributes).decode(),
                sqlite_time(e.occurred_at),
                received,
            )
        )
    return rows


def event_dict(row: SensorEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "kind": row.kind,
        "label": row.label,
        "score": row.score,
        "station": row.station_code,
        "zone": row.zone,
        "camera": row.camera,
        "count": row.count,
        "value": row.value,
        "phase": row.phase,
        "attributes": row.attributes,
        "occurred_at": row.occurred_at.isoformat(),
        "received_at": row.received_at.isoformat(),
    }


class Ingestor:
    """Stores and correlates batches of events; one per process (the correlator is stateful).

    ``lock`` serialises callers from several threads (the HTTP ingest runs in a thread pool).
    """

    def __init__(self, correlator: Correlator | None = None, *, synthetic: bool = False) -> None:
        self.correlator = correlator or Correlator()
        self.synthetic = synthetic
        self.lock = threading.Lock()

    @staticmethod
    def _insert(conn, events: list[Event]) -> list[Event]:
        """Insert ``events`` (distinct ids), skipping ids already stored; return the ones stored.

        On SQLite ready tuples go straight to the driver (no per-row type processing), and the
        usual case — no id stored before — costs no lookup. Elsewhere one statement per 1000
        events skips the stored ids and names the ones it added: safe with several writers (a
        concurrent insert of the same id waits, then is skipped)."""
        table = SensorEvent.__table__
        if is_sqlite(conn):
            stored = sqlite_insert_new(conn, table, "id", _COLUMNS, sqlite_rows(events))
            if stored is None:
                return events
        else:
            stored = insert_new_keys(conn, table, "id", [event_row(e) for e in events])
        return [e for e in events if e.id in stored]

    def warm_up(
        self,
        session: Session,
        now: datetime | None = None,
        stations: Sequence[str] | None = None,
    ) -> int:
        """Feed the recently stored events (of ``stations``, default all) to the correlator
        without acting on its output (the alerts they caused are stored already). Returns the
        number of events replayed."""
        since = (now or datetime.now(UTC)) - WARM_UP
        n = 0
        q = select(SensorEvent).where(SensorEvent.occurred_at >= since)
        if stations is not None:
            if not stations:
                return 0
            q = q.where(SensorEvent.station_code.in_(list(stations)))
        rows = session.scalars(q.order_by(SensorEvent.occurred_at, SensorEvent.id))
        for row in rows:
            ev = Event(
                id=row.id,
                source=row.source,
                kind=row.kind,
                label=row.label,
                station_code=row.station_code,
                zone=row.zone,
                occurred_at=row.occurred_at,
                received_at=row.received_at,
                value=row.value,
            )
            self.correlator.feed(ev.sensed())
            n += 1
        return n

    def process(
        self, session: Session, events: Sequence[Event], *, now: datetime | None = None
    ) -> Result:
        """Store the new events of ``events``, correlate them and persist the alert changes, in
        the caller's transaction (nothing is committed here)."""
        result = Result()
        fresh: dict[str, Event] = {}
        for e in events:
            if e.id in fresh:
                result.duplicates += 1
            else:
                fresh[e.id] = e
        if not fresh:
            return result
        conn = session.connection()
        for e in _echoes(conn, fresh.values()):
            del fresh[e.id]
            result.duplicates += 1
        if not fresh:
            return result
        new = self._insert(conn, list(fresh.values()))
        result.duplicates += len(fresh) - len(new)
        if not new:
            return result
        result.stored = len(new)
        changes = []
        for e in sorted(new, key=lambda e: e.occurred_at):
            changes.extend(self.correlator.feed(e.sensed()))
        if changes:
            result.alert_ids = apply_changes(session, changes, now=now, synthetic=self.synthetic)
        return result


#: events without an id of their own (Frigate's audio ON messages) of one camera and type within
#: this time are one: two workers, or a redelivery, give them different times of receipt. Frigate
#: sends OFF only after a sound has not been heard for ``max_not_heard`` (30 s by default), so a
#: second ON of one camera and type comes later than this.
ECHO_WINDOW = timedelta(seconds=30)


def _echoes(conn, events) -> list[Event]:
    """The events of ``events`` that have no id of their own and repeat a stored event: same
    camera and label, within :data:`ECHO_WINDOW`."""
    audio = [e for e in events if e.id.startswith("frigate-audio:")]
    if not audio:
        return []
    lo = min(e.occurred_at for e in audio) - ECHO_WINDOW
    hi = max(e.occurred_at for e in audio) + ECHO_WINDOW
    stored: dict[tuple[str | None, str], list[datetime]] = {}
    t = SensorEvent.__table__.c
    for camera, label, at in conn.execute(
        select(t.camera, t.label, t.occurred_at).where(
            t.kind == "audio",
            t.camera.in_({e.camera for e in audio}),
            t.occurred_at >= lo,
            t.occurred_at <= hi,
        )
    ):
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        stored.setdefault((camera, label), []).append(at)
    out = []
    for e in audio:
        if any(
            abs(at - e.occurred_at) <= ECHO_WINDOW for at in stored.get((e.camera, e.label), ())
        ):
            out.append(e)
    return out


def stored_ids(conn, events: Sequence[Event]) -> set[str]:
    """The ids of those of ``events`` that are in the store: by their id, and the audio events
    (which have no id of their own) as an echo of a stored one (:func:`_echoes`)."""
    found: set[str] = {e.id for e in _echoes(conn, events)}
    ids = [e.id for e in events if not e.id.startswith("frigate-audio:")]
    t = SensorEvent.__table__.c
    for i in range(0, len(ids), 1000):
        found.update(conn.scalars(select(t.id).where(t.id.in_(ids[i : i + 1000]))))
    return found


def zone_parties(municipality_code: str | None, zone: str | None) -> frozenset[str]:
    """The parties that manage ``zone`` of a station in ``municipality_code`` and so own the
    sensors and cameras there: NS and ProRail for the station domain (an event without a zone
    belongs to it), the municipality for the surroundings (forecourt, bicycle parking, P+R)."""
    kind = ZONE_BY_CODE.get(zone) if zone else None
    if kind is None or kind.domain is Domain.STATION:
        return STATION_DOMAIN_PARTIES
    return (
        frozenset({municipality_party_code(municipality_code)})
        if municipality_code
        else frozenset()
    )


def authorize_events(session: Session, principal: Principal, events: Sequence[Event]) -> None:
    """Refuse (:class:`IngestForbidden`) unless ``principal`` may feed every one of ``events``:
    an admin or operator account of a party that manages the zone each event is about and, when
    an event names a camera of the registry, the zone that camera watches."""
    if principal.role not in INGEST_ROLES:
        raise IngestForbidden(
            f"{principal.username} ({principal.role.value} at {principal.party_code}) may not "
            f"feed events: only {' and '.join(sorted(r.value for r in INGEST_ROLES))} accounts "
            "of the party that manages the zone may"
        )
    stations = {e.station_code for e in events}
    municipality = dict(
        session.execute(
            select(Station.code, Station.municipality_code).where(Station.code.in_(stations))
        ).all()
    )
    registry = cameras.load(session) if any(e.camera for e in events) else None
    for e in events:
        if principal.party_code not in zone_parties(municipality.get(e.station_code), e.zone):
            raise IngestForbidden(
                f"event {e.id!r}: zone {e.zone or 'station'} of {e.station_code} is not managed "
                f"by {principal.party_code}"
            )
        if registry is not None and e.camera:
            hit = registry.resolve(e.camera)
            if hit is not None:
                station, zone = hit
                owners = zone_parties(
                    municipality.get(station)
                    or session.scalar(
                        select(Station.municipality_code).where(Station.code == station)
                    ),
                    zone,
                )
                if principal.party_code not in owners:
                    raise IngestForbidden(
                        f"event {e.id!r}: camera {e.camera!r} watches {zone} of {station}, "
                        f"which is not managed by {principal.party_code}"
                    )


def ingest_as(
    session: Session,
    principal: Principal,
    ingestor: Ingestor,
    events: Sequence[Event],
    *,
    channel: str = "http",
) -> Result:
    """Feed ``events`` on behalf of ``principal``: authorise (:func:`authorize_events`), store,
    correlate and write one audit entry, all in the caller's transaction."""
    authorize_events(session, principal, events)
    result = ingestor.process(session, events)
    audit.record(
        session,
        actor=principal.username,
        party=principal.party_code,
        purpose="operational",
        action="events.ingest",
        subject=f"events:{channel}",
        detail={
            "accepted": len(events),
            "stored": result.stored,
            "duplicates": result.duplicates,
            "alerts": result.alert_ids[:50],
            "stations": sorted({e.station_code for e in events})[:50],
        },
    )
    return result

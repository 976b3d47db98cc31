"""Event ingest is for the operational accounts of a party that manages the zone (or camera) the
event is about; every accepted request is written to the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from perron.access.accounts import _principal, create_api_token
from perron.store.db import make_engine, transaction
from perron.store.tables.access import AuditEntry
from perron.store.tables.accounts import User
from perron.store.tables.live import CameraMapping, SensorEvent


def _token(db_url: str, username: str, party: str, role: str) -> str:
    engine = make_engine(db_url)
    with transaction(engine) as s:
        user = User(
            username=username,
            display_name=username,
            party_code=party,
            role=role,
            password_hash="-",
            active=True,
            created_at=datetime.now(UTC),
        )
        s.add(user)
        s.flush()
        token = create_api_token(s, _principal(user), "ingest")
    engine.dispose()
    return token


def _scalar(db_url: str, query):
    engine = make_engine(db_url)
    with engine.connect() as c:
        value = c.execute(query).scalar_one()
    engine.dispose()
    return value


def _panic(**kw):
    ev = {
        "id": "pb-1",
        "source": "panic",
        "kind": "panic",
        "station": "UT",
        "zone": "tunnel",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    ev.update(kw)
    return ev


def test_a_ministry_viewer_cannot_raise_an_alert(client, db_url):
    headers = {"Authorization": f"Bearer {_token(db_url, 'min', 'ienw', 'viewer')}"}
    r = client.post("/api/events", json=_panic(), headers=headers)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/api/events/batch", json=[_panic()], headers=headers)
    assert r.status_code == 403
    assert _scalar(db_url, select(func.count()).select_from(SensorEvent)) == 0


def test_an_operator_may_send_only_for_the_zones_and_cameras_of_their_party(client, db_url):
    ns = {"Authorization": f"Bearer {_token(db_url, 'ns-gw', 'ns', 'operator')}"}
    r = client.post("/api/events", json=_panic(), headers=ns)  # UT tunnel: station domain
    assert r.status_code == 202, r.text
    # the forecourt of Utrecht belongs to the municipality (gm0344), not to NS
    r = client.post("/api/events", json=_panic(id="pb-2", zone="forecourt"), headers=ns)
    assert r.status_code == 403
    assert "forecourt" in r.json()["detail"]
    # a camera the registry maps to the forecourt is the municipality's camera
    engine = make_engine(db_url)
    with transaction(engine) as s:
        s.add(
            CameraMapping(
                camera="ut-plein-1",
                frigate_zone="",
                station_code="UT",
                zone="forecourt",
                updated_at=datetime.now(UTC),
            )
        )
    engine.dispose()
    r = client.post("/api/events", json=_panic(id="pb-3", camera="ut-plein-1"), headers=ns)
    assert r.status_code == 403
    assert "ut-plein-1" in r.json()["detail"]
    # one foreign event refuses the whole batch
    batch = [_panic(id="ok-1"), _panic(id="bad-1", zone="park_and_ride")]
    r = client.post("/api/events/batch", json=batch, headers=ns)
    assert r.status_code == 403
    gm = {"Authorization": f"Bearer {_token(db_url, 'gm-gw', 'gm0344', 'operator')}"}
    r = client.post(
        "/api/events", json=_panic(id="pb-4", zone="forecourt", camera="ut-plein-1"), headers=gm
    )
    assert r.status_code == 202, r.text
    assert _scalar(db_url, select(func.count()).select_from(SensorEvent)) == 2


def test_an_analyst_cannot_ingest_even_for_their_own_zones(client, db_url):
    headers = {"Authorization": f"Bearer {_token(db_url, 'pr-an', 'prorail', 'analyst')}"}
    assert client.post("/api/events", json=_panic(), headers=headers).status_code == 403


def test_ingest_is_audited(client, db_url):
    headers = {"Authorization": f"Bearer {_token(db_url, 'pr-gw', 'prorail', 'operator')}"}
    before = _scalar(db_url, select(func.count()).select_from(AuditEntry))
    r = client.post("/api/events", json=_panic(), headers=headers)
    assert r.status_code == 202
    engine = make_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(
            select(AuditEntry.actor, AuditEntry.party, AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.seq > before
            )
        ).all()
    engine.dispose()
    assert [(a, p, act) for a, p, act, _ in rows] == [("pr-gw", "prorail", "events.ingest")]
    assert '"stored":1' in rows[0][3].replace(" ", "")

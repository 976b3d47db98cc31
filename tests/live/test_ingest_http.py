"""HTTP ingest: token required, 202 after commit, retries harmless, errors name index and field."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from perron.access.accounts import _principal, create_api_token
from perron.store.db import make_engine, transaction
from perron.store.tables.accounts import User
from perron.store.tables.live import Alert, SensorEvent


def _token(db_url: str) -> str:
    engine = make_engine(db_url)
    with transaction(engine) as s:
        user = User(
            username="sensor-gw",
            display_name="sensor gateway",
            party_code="prorail",
            role="operator",
            password_hash="-",
            active=True,
            created_at=datetime.now(UTC),
        )
        s.add(user)
        s.flush()
        token = create_api_token(s, _principal(user), "ingest")
    engine.dispose()
    return token


def _count(db_url: str, model) -> int:
    engine = make_engine(db_url)
    with engine.connect() as c:
        n = c.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return n


def test_single_batch_retry_and_errors(client, db_url):
    now = datetime.now(UTC).isoformat()
    panic = {
        "id": "pb-1",
        "source": "panic",
        "kind": "panic",
        "station": "UT",
        "zone": "tunnel",
        "occurred_at": now,
        "device": "pb-1",
    }
    assert client.post("/api/events", json=panic).status_code == 401
    headers = {"Authorization": f"Bearer {_token(db_url)}"}
    r = client.post("/api/events", json=panic, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["stored"] == 1 and len(r.json()["alerts"]) == 1
    r = client.post("/api/events", json=panic, headers=headers)  # a retry
    assert r.status_code == 202 and r.json() == {
        "accepted": 1,
        "stored": 0,
        "duplicates": 1,
        "alerts": [],
    }
    batch = [
        {
            "id": f"c{i}",
            "source": "counter",
            "kind": "crowd",
            "station": "ASD",
            "zone": "platform",
            "count": 40 + i,
            "occurred_at": now,
        }
        for i in range(20)
    ] + [
        {
            "id": "r1",
            "kind": "report",
            "station": "UT",
            "zone": "hall",
            "occurred_at": now,
            "text": "vechtpartij bij de trap",
            "reporter": "staff",
        }
    ]
    r = client.post("/api/events/batch", json=batch, headers=headers)
    assert r.status_code == 202 and r.json()["stored"] == 21
    assert _count(db_url, SensorEvent) == 22
    assert _count(db_url, Alert) == 1
    bad = [
        dict(batch[0], id="ok"),
        dict(batch[1], id="x", zone="roof"),
        dict(batch[2], id="y", station="ZZZZ"),
    ]
    r = client.post("/api/events/batch", json=bad, headers=headers)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(1, "zone"), (2, "station")}
    naive = dict(panic, id="pb-2", occurred_at="2026-11-20T21:00:00")
    r = client.post("/api/events", json=naive, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "occurred_at"
    assert _count(db_url, SensorEvent) == 22  # nothing of the bad requests was stored

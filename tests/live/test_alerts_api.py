"""API flows of alerts and units on SQLite and PostgreSQL: list, detail, lifecycle, access,
exports, response times, the live feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from lxml import etree

from live.alertkit import change
from live.alertkit import login as _login
from perron.interop import cap, ngsi_ld
from perron.live.alerts import apply_changes
from perron.live.units import create_unit
from perron.store.db import make_engine, transaction


def _seed(db_url: str) -> list[int]:
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    with transaction(engine) as s:
        create_unit(
            s,
            code="NS-UT-A",
            name="NS team A",
            party="ns",
            kind="security",
            lat=52.0900,
            lng=5.1110,
        )
        create_unit(
            s,
            code="NS-UT-B",
            name="NS team B",
            party="ns",
            kind="security",
            lat=52.1000,
            lng=5.1300,
        )
        ids = apply_changes(
            s,
            [
                change(zone="tunnel", at=now.replace(hour=20)),
                change(
                    zone="bicycle_parking",
                    rule="loitering_evening",
                    severity="medium",
                    subcategory="suspiciousAction",
                    at=now.replace(hour=20),
                ),
            ],
            now=now,
        )
    engine.dispose()
    return ids


def test_operator_takes_an_alert_from_new_to_resolved(client, db_url):
    tunnel, bikes = _seed(db_url)
    assert client.get("/api/alerts").status_code == 401
    _login(db_url, client, "ns-op", "ns", "operator")
    listed = client.get("/api/alerts").json()["alerts"]
    assert [a["id"] for a in listed] == [tunnel]  # the bicycle parking is the municipality's
    assert listed[0]["station_name"] == "Utrecht Centraal"
    assert client.get(f"/api/alerts/{bikes}").status_code == 404

    detail = client.get(f"/api/alerts/{tunnel}").json()
    assert detail["may_act"] is True and detail["state"] == "new"
    assert detail["proposals"][0]["unit_code"] == "NS-UT-A"

    r = client.post(f"/api/alerts/{tunnel}/dispatch")
    assert r.status_code == 409 and "cannot move" in r.json()["detail"]
    assert client.post(f"/api/alerts/{tunnel}/acknowledge").json()["state"] == "acknowledged"
    d = client.post(f"/api/alerts/{tunnel}/dispatch").json()  # nearest unit by default
    assert d["state"] == "dispatched" and d["transitions"][-1]["note"] == "unit NS-UT-A"
    units = {u["code"]: u["status"] for u in client.get("/api/units").json()["units"]}
    assert units == {"NS-UT-A": "dispatched", "NS-UT-B": "available"}
    assert client.post(f"/api/alerts/{tunnel}/on-scene").json()["state"] == "on_scene"
    r = client.post(f"/api/alerts/{tunnel}/resolve", json={})
    assert r.status_code == 409 and "outcome" in r.json()["detail"]
    r = client.post(
        f"/api/alerts/{tunnel}/resolve", json={"outcome": "false_alarm", "note": "nobody found"}
    )
    body = r.json()
    assert body["state"] == "resolved" and body["outcome"] == "false_alarm"
    assert [t["to"] for t in body["transitions"]] == [
        "new",
        "acknowledged",
        "dispatched",
        "on_scene",
        "resolved",
    ]
    assert all(t["actor"] == "ns-op" for t in body["transitions"][1:])

    rt = client.get("/api/alerts/response-times?group_by=station").json()
    row = rt["rows"][0]
    assert row["group"] == "UT" and row["alerts"] == 1
    assert row["resolve"]["n"] == 1 and row["resolve"]["p50"] >= row["acknowledge"]["p50"] >= 0

    xml = client.get(f"/api/alerts/{tunnel}/export?format=cap")
    assert xml.headers["content-type"].startswith("application/cap+xml")
    cap.validate(xml.content)
    assert etree.fromstring(xml.content).findtext(f"{{{cap.NS}}}msgType") == "Update"
    ent = client.get(f"/api/alerts/{tunnel}/export?format=ngsi-ld")
    assert ent.headers["content-type"].startswith("application/ld+json")
    ngsi_ld.validate(ent.json())


def test_viewers_and_other_parties_cannot_act(client, db_url):
    tunnel, bikes = _seed(db_url)
    _login(db_url, client, "ns-viewer", "ns", "viewer")
    assert client.get(f"/api/alerts/{tunnel}").json()["may_act"] is False
    r = client.post(f"/api/alerts/{tunnel}/acknowledge")
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem")
    client.cookies.clear()
    _login(db_url, client, "gm-op", "gm0344", "operator")  # Utrecht municipality
    assert [a["id"] for a in client.get("/api/alerts").json()["alerts"]] == [bikes]
    assert client.post(f"/api/alerts/{tunnel}/acknowledge").status_code == 404
    assert client.post(f"/api/alerts/{bikes}/acknowledge").status_code == 200


def test_sse_stream_emits_created_and_updated(client, db_url, app):
    app.state.alert_feed_poll_s = 0.05
    (tunnel, _) = _seed(db_url)
    _login(db_url, client, "ns-op2", "ns", "operator")
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    seen: list[tuple[str, dict]] = []
    with client.stream("GET", "/api/alerts/stream", params={"since": since}) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        event = None
        acked = False
        for line in resp.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                seen.append((event, json.loads(line[6:])))
                if not acked:
                    acked = True
                    engine = make_engine(db_url)
                    with transaction(engine) as s:
                        from perron.live.alerts import transition

                        transition(s, tunnel, "acknowledged", actor="other-console")
                    engine.dispose()
                elif seen[-1][0] == "alert.updated":
                    break
    assert seen[0] == ("alert.created", seen[0][1]) and seen[0][1]["id"] == tunnel
    assert seen[-1][0] == "alert.updated" and seen[-1][1]["state"] == "acknowledged"
    assert all(d["id"] == tunnel for _, d in seen)  # the municipality's alert is not streamed


def test_serve_escalates_in_the_background(settings, db_url):
    import dataclasses
    import time

    from fastapi.testclient import TestClient

    from perron.api.app import create_app
    from perron.store.tables.live import Alert

    engine = make_engine(db_url)
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    with transaction(engine) as s:
        (aid,) = apply_changes(s, [change(severity="medium", at=long_ago)], now=long_ago)
    with TestClient(create_app(dataclasses.replace(settings, alert_tasks_interval=0.2))):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with transaction(engine) as s:
                level = s.get(Alert, aid).escalation_level
            if level:
                break
            time.sleep(0.1)
    with transaction(engine) as s:
        alert = s.get(Alert, aid)
        assert alert.escalation_level == 1 and alert.severity == "high"
    engine.dispose()


def test_units_report_status_and_position(client, db_url):
    _seed(db_url)
    _login(db_url, client, "gm-op3", "gm0344", "operator")
    r = client.patch("/api/units/NS-UT-A", json={"status": "off_duty"})
    assert r.status_code == 403  # another party's unit
    client.cookies.clear()
    _login(db_url, client, "ns-op3", "ns", "operator")
    r = client.patch("/api/units/NS-UT-A", json={"status": "off_duty", "lat": 52.1, "lng": 5.2})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["lat"], r.json()["lng"]) == ("off_duty", 52.1, 5.2)
    r = client.patch("/api/units/NS-UT-A", json={"lat": 52.1})
    assert r.status_code == 422 and "both lat and lng" in r.json()["detail"]
    assert client.patch("/api/units/NOPE", json={"status": "available"}).status_code == 404
    units = client.get("/api/units?status=available").json()["units"]
    assert [u["code"] for u in units] == ["NS-UT-B"]

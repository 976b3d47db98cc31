"""Web pages of live alerts: the console, the field-unit page and the station fragment."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from live.alertkit import change
from live.alertkit import login as _login
from perron.live.alerts import apply_changes, transition
from perron.live.units import create_unit
from perron.store.db import make_engine, transaction
from perron.store.tables.accounts import User
from perron.store.tables.live import Alert


def _dispatched_to_field_unit(db_url: str) -> int:
    engine = make_engine(db_url)
    with transaction(engine) as s:
        uid = s.scalar(select(User.id).where(User.username == "field-1"))
        create_unit(
            s,
            code="NS-F1",
            name="NS veldteam 1",
            party="ns",
            kind="security",
            lat=52.09,
            lng=5.11,
            user_id=uid,
        )
        (aid,) = apply_changes(s, [change(zone="platform")], now=datetime.now(UTC))
        transition(s, aid, "acknowledged", actor="op")
        transition(s, aid, "dispatched", actor="op", unit="NS-F1")
    engine.dispose()
    return aid


def test_console_requires_login_and_renders(client, db_url):
    r = client.get("/live", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/live")
    _login(db_url, client, "op-web", "ns", "operator")
    page = client.get("/live")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="alert-list"' in html and 'data-testid="unit-board"' in html
    assert "EventSource" in html and "AudioContext" in html
    assert "Meldkamer live" in html
    assert "Live control room" in client.get("/live?lang=en").text


def test_field_unit_accepts_arrives_and_closes(client, db_url):
    _login(db_url, client, "field-1", "ns", "field_unit")
    assert 'data-testid="field-no-unit"' in client.get("/field").text
    aid = _dispatched_to_field_unit(db_url)
    page = client.get("/field").text
    assert 'data-state="dispatched"' in page and "Opdracht aannemen" in page
    client.post(f"/field/{aid}/accept")
    page = client.get("/field").text
    assert "Opdracht aannemen" not in page and "Ter plaatse" in page
    client.post(f"/field/{aid}/arrived")
    assert 'data-state="on_scene"' in client.get("/field").text
    r = client.post(f"/field/{aid}/close", data={"outcome": "true_alarm", "note": "fight stopped"})
    assert r.status_code == 200  # followed the redirect back to /field
    assert 'data-testid="field-idle"' in r.text
    engine = make_engine(db_url)
    with transaction(engine) as s:
        alert = s.get(Alert, aid)
        assert (alert.state, alert.outcome, alert.outcome_note) == (
            "resolved",
            "true_alarm",
            "fight stopped",
        )
    engine.dispose()


def test_field_close_without_outcome_says_why(client, db_url):
    _login(db_url, client, "field-1", "ns", "field_unit")
    aid = _dispatched_to_field_unit(db_url)
    client.post(f"/field/{aid}/arrived")
    r = client.post(f"/field/{aid}/close", data={})
    assert "outcome" in r.text and 'data-state="on_scene"' in r.text


def test_station_fragment(client, db_url):
    _login(db_url, client, "op-frag", "ns", "operator")
    # a station without cameras: an empty state that says so, not a 404 (the station page
    # loads this fragment for every station)
    r = client.get("/live/stations/UT/fragment")
    assert (
        r.status_code == 200
        and 'data-testid="station-no-cameras"' in r.text
        and "geen camera" in r.text
    )
    assert 'data-testid="station-alerts"' not in r.text
    assert client.get("/live/stations/NOPE/fragment").status_code == 404
    assert client.get("/live/stations/" + "X" * 5000 + "/fragment").status_code == 404
    from perron.live import cameras

    engine = make_engine(db_url)
    with transaction(engine) as s:
        cameras.replace(s, [cameras.Mapping("ut_cam", "", "UT", "tunnel")])
    engine.dispose()
    r = client.get("/live/stations/UT/fragment")
    assert r.status_code == 200 and "Geen open meldingen op dit station" in r.text
    engine = make_engine(db_url)
    with transaction(engine) as s:
        apply_changes(s, [change(zone="platform")], now=datetime.now(UTC))
    engine.dispose()
    r = client.get("/live/stations/ut/fragment")
    assert r.status_code == 200 and "Mogelijke agressie" in r.text

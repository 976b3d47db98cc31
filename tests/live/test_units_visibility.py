"""Response units are seen as alerts are: a party sees its own units (NS and ProRail, who share
the station domain, each other's), plus the units sent to the alerts it may see."""

from __future__ import annotations

from datetime import UTC, datetime

from live.alertkit import change
from live.alertkit import login as _login
from perron.live.alerts import apply_changes, transition
from perron.live.units import create_unit
from perron.store.db import make_engine, transaction

UNITS = (
    ("NS-UT", "ns", "security"),
    ("PR-UT", "prorail", "security"),
    ("BOA-UT", "gm0344", "boa"),
    ("POL-UT", "politie", "police"),
    ("POL-ASD", "politie", "police"),
)


def _seed(db_url: str) -> None:
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    with transaction(engine) as s:
        for code, party, kind in UNITS:
            create_unit(s, code=code, name=code, party=party, kind=kind, lat=52.09, lng=5.11)
        # a critical alert (the police's) in Utrecht's tunnel, with the police unit sent to it
        (alert_id,) = apply_changes(
            s, [change(zone="tunnel", severity="critical", at=now.replace(hour=20))]
        )
        transition(s, alert_id, "acknowledged", actor="cli")
        transition(s, alert_id, "dispatched", actor="cli", unit="POL-UT")
    engine.dispose()


def _codes(client, query: str = "") -> list[str]:
    r = client.get("/api/units" + query)
    assert r.status_code == 200, r.text
    return sorted(u["code"] for u in r.json()["units"])


def test_units_are_visible_per_party(client, db_url):
    _seed(db_url)
    _login(db_url, client, "min", "ienw", "viewer")
    assert _codes(client) == []
    assert _codes(client, "?party=politie") == []
    client.cookies.clear()
    _login(db_url, client, "gm-op", "gm0344", "operator")
    assert _codes(client) == ["BOA-UT"]
    client.cookies.clear()
    _login(db_url, client, "pol-op", "politie", "operator")
    assert _codes(client) == ["POL-ASD", "POL-UT"]
    client.cookies.clear()
    # NS sees its own and ProRail's units, and the police unit sent to an alert NS may see
    _login(db_url, client, "ns-op", "ns", "operator")
    assert _codes(client) == ["NS-UT", "POL-UT", "PR-UT"]
    assert _codes(client, "?party=politie") == ["POL-UT"]

"""NGSI-LD Alert export: valid against the Smart Data Models schema, resolved offline."""

from __future__ import annotations

import json

import pytest

from live.alertkit import T0, change
from perron.interop import ngsi_ld
from perron.live.alerts import apply_changes
from perron.store.tables.live import Alert


def test_shipped_schemas_equal_the_reference_copies(shared_data):
    ref = shared_data / "standards" / "ngsi-ld-alert"
    for name in ("schema.json", "alert-schema.json", "common-schema.json", "LICENSE.md"):
        assert (ngsi_ld.SCHEMA_DIR / name).read_bytes() == (ref / name).read_bytes(), name


def test_reference_example_is_valid_and_broken_ones_are_not(shared_data):
    ex = json.loads(
        (shared_data / "standards" / "ngsi-ld-alert" / "examples" / "example.json").read_text()
    )
    ngsi_ld.validate(ex)
    for broken, what in (
        ({**ex, "severity": "extreme"}, "severity"),
        ({**ex, "subCategory": "pickpocket"}, "subCategory"),
        ({k: v for k, v in ex.items() if k != "alertSource"}, "alertSource"),
        ({**ex, "type": "Incident"}, "type"),
    ):
        with pytest.raises(ngsi_ld.NgsiInvalid, match=what):
            ngsi_ld.validate(broken)


def test_alert_exports_as_valid_ngsi_ld(session, shared_data):
    (aid,) = apply_changes(session, [change(severity="critical", zone="platform")], now=T0)
    entity = ngsi_ld.alert_to_ngsi_ld(session, session.get(Alert, aid))
    ngsi_ld.validate(entity, shared_data / "standards" / "ngsi-ld-alert")
    assert entity["id"] == f"urn:ngsi-ld:Alert:perron:{aid}"
    assert (entity["type"], entity["category"], entity["subCategory"]) == (
        "Alert",
        "security",
        "assault",
    )
    assert entity["severity"] == "critical"
    assert entity["location"]["type"] == "Point"
    lng, lat = entity["location"]["coordinates"]
    assert 5.0 < lng < 5.2 and 52.0 < lat < 52.2  # Utrecht Centraal
    assert entity["dateIssued"].endswith("Z")
    assert entity["data"]["responsibleParty"] == "politie"
    assert "@context" in entity

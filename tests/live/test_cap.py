"""CAP 1.2 export: valid against the OASIS schema; the validator rejects invalid messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from live.alertkit import T0, change
from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.interop import cap
from perron.live.alerts import apply_changes, transition
from perron.live.units import create_unit
from perron.store.tables.live import Alert

NS = {"c": cap.NS}


def test_shipped_schema_equals_the_reference_copy(shared_data):
    ref = shared_data / "standards" / "cap" / "CAP-v1.2.xsd"
    assert cap.SCHEMA_PATH.read_bytes() == ref.read_bytes()
    lic = shared_data / "standards" / "cap" / "LICENSE-cap-library"
    assert (cap.SCHEMA_PATH.parent / "LICENSE-cap-library").read_bytes() == lic.read_bytes()


def test_validator_rejects_the_invalid_examples_and_accepts_a_valid_one(shared_data):
    examples = shared_data / "standards" / "cap" / "examples"
    with pytest.raises(cap.CapInvalid, match="scope"):
        cap.validate((examples / "invalid.cap").read_bytes())
    cap.validate((examples / "wcatwc-warning.cap").read_bytes())  # a CAP 1.2 example
    with pytest.raises(cap.CapInvalid, match="well-formed"):
        cap.validate(b"<alert")


def test_alert_exports_as_valid_cap_through_its_lifecycle(session, shared_data):
    xsd = shared_data / "standards" / "cap" / "CAP-v1.2.xsd"
    op = Principal(1, "op", "op", "ns", Role.OPERATOR)
    create_unit(session, code="U", name="u", party="ns", kind="security", lat=52.09, lng=5.11)
    (aid,) = apply_changes(session, [change()], now=T0)
    alert = session.get(Alert, aid)
    first = cap.alert_to_cap(session, alert)
    cap.validate(first, xsd)  # against the reference schema too
    root = etree.fromstring(first.encode())
    assert root.findtext("c:msgType", namespaces=NS) == "Alert"
    assert root.findtext("c:sent", namespaces=NS).endswith("+01:00")  # Amsterdam, winter
    infos = root.findall("c:info", NS)
    assert [i.findtext("c:language", namespaces=NS) for i in infos] == ["nl-NL", "en-US"]
    assert infos[0].findtext("c:severity", namespaces=NS) == "Severe"
    assert infos[0].findtext("c:category", namespaces=NS) == "Security"
    assert infos[0].find("c:area/c:circle", NS).text.endswith(" 0.3")
    for i, (target, kw) in enumerate(
        [
            ("acknowledged", {}),
            ("dispatched", {"unit": "U"}),
            ("on_scene", {}),
            ("resolved", {"outcome": "true_alarm", "note": "handled"}),
        ],
        start=1,
    ):
        transition(
            session, aid, target, actor="op", principal=op, now=T0 + timedelta(minutes=i), **kw
        )
    last = cap.alert_to_cap(session, session.get(Alert, aid))
    cap.validate(last, xsd)
    root = etree.fromstring(last.encode())
    assert root.findtext("c:msgType", namespaces=NS) == "Update"
    assert root.findtext("c:references", namespaces=NS).startswith("perron.ns,perron-alert-")
    info = root.find("c:info", NS)
    assert info.findtext("c:responseType", namespaces=NS) == "AllClear"
    assert info.findtext("c:certainty", namespaces=NS) == "Observed"
    params = {
        p.findtext("c:valueName", namespaces=NS): p.findtext("c:value", namespaces=NS)
        for p in info.findall("c:parameter", NS)
    }
    assert params["unit"] == "U" and params["outcome"] == "true_alarm"


def test_a_broken_document_is_caught():
    doc = (
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>'
        "<sender>s</sender><sent>2026-11-20T22:00:00.5+01:00</sent><status>Actual</status>"
        "<msgType>Alert</msgType><scope>Restricted</scope></alert>"
    )
    with pytest.raises(cap.CapInvalid, match="sent"):
        cap.validate(doc)

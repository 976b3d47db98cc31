"""Alerts as CAP 1.2 (OASIS Common Alerting Protocol) messages, built with lxml and validated
with xmlschema against the shipped CAP-v1.2.xsd.

Mapping (docs/live.md, "Exports"): identifier ``perron-alert-<id>-<n>`` where n is the
revision of the alert (its ``updated_at`` in milliseconds); msgType ``Alert`` for the first message, ``Update``
afterwards (referencing the first); status ``Exercise`` for synthetic alerts, else ``Actual``;
scope ``Restricted`` to the parties of the station safety partnership; one ``info`` block in
Dutch and one in English; severity low/medium/high/critical → Minor/Moderate/Severe/Extreme;
certainty ``Possible`` until a unit is on scene or the alert is resolved as a true alarm
(``Observed``), ``Unlikely`` for a false alarm; a resolved alert carries responseType
``AllClear``; the area is a 300 m circle around the station.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import xmlschema
from lxml import etree
from sqlalchemy.orm import Session

from perron.domain.alerts import CAP_SEVERITY, CAP_URGENCY
from perron.domain.local_time import LOCAL_TZ
from perron.interop.exporters import Exporter
from perron.store.tables.live import Alert, ResponseUnit
from perron.store.tables.reference import Station

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "cap" / "CAP-v1.2.xsd"
AREA_RADIUS_KM = 0.3
CATEGORY = {
    "assault": "Security",
    "robbery": "Security",
    "civilDisorder": "Security",
    "suspiciousAction": "Security",
    "crowdRisk": "Safety",
}


class CapInvalid(ValueError):
    """A document that is not valid CAP 1.2; the message gives the first reasons."""


@lru_cache(maxsize=2)
def schema(path: str | None = None) -> xmlschema.XMLSchema:
    """The CAP 1.2 schema (the shipped copy by default)."""
    return xmlschema.XMLSchema(path or str(SCHEMA_PATH))


def validate(document: str | bytes, schema_path: str | Path | None = None) -> None:
    """Raise CapInvalid unless ``document`` is valid against the CAP 1.2 schema."""
    s = schema(str(schema_path) if schema_path else None)
    data = document.encode() if isinstance(document, str) else document
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise CapInvalid(f"not well-formed XML: {exc}") from exc
    errors = list(s.iter_errors(root))
    if errors:
        reasons = "; ".join(f"{e.path}: {e.reason}" for e in errors[:5])
        raise CapInvalid(f"not valid CAP 1.2 ({len(errors)} error(s)): {reasons}")


def _time(value) -> str:
    return value.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def _sub(parent, tag: str, text: str | None = None):
    el = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _certainty(alert: Alert) -> str:
    if alert.outcome == "false_alarm":
        return "Unlikely"
    if alert.outcome == "true_alarm" or alert.on_scene_at is not None:
        return "Observed"
    return "Possible"


def alert_to_cap(session: Session, alert: Alert, *, check: bool = True) -> str:
    """The alert as a CAP 1.2 XML document (validated against the schema when ``check``)."""
    station = session.get(Station, alert.station_code)
    unit = session.get(ResponseUnit, alert.unit_id) if alert.unit_id else None
    revision = int(alert.updated_at.timestamp() * 1000)
    first = alert.created_at
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", f"perron-alert-{alert.id}-{revision}")
    _sub(root, "sender", f"perron.{alert.responsible_party}")
    _sub(root, "sent", _time(alert.updated_at))
    _sub(root, "status", "Exercise" if alert.synthetic else "Actual")
    is_first = alert.updated_at == alert.created_at
    _sub(root, "msgType", "Alert" if is_first else "Update")
    _sub(root, "source", f"Perron rule {alert.rule_id}")
    _sub(root, "scope", "Restricted")
    _sub(root, "restriction", "station safety partners: operational use only")
    _sub(root, "code", "perron:synthetic" if alert.synthetic else "perron:live")
    _sub(root, "note", f"state {alert.state}")
    if not is_first:
        _sub(
            root,
            "references",
            f"perron.{alert.responsible_party},perron-alert-{alert.id}-{int(first.timestamp() * 1000)},"
            f"{_time(first)}",
        )
    _sub(root, "incidents", f"perron-alert-{alert.id}")
    place = station.name_long if station is not None else alert.station_code
    zone = f" — {alert.zone}" if alert.zone else ""
    for lang, title in (("nl-NL", alert.title_nl), ("en-US", alert.title_en)):
        info = _sub(root, "info")
        _sub(info, "language", lang)
        _sub(info, "category", CATEGORY.get(alert.subcategory, "Other"))
        _sub(info, "event", title)
        _sub(info, "responseType", "AllClear" if alert.state == "resolved" else "Monitor")
        _sub(info, "urgency", "Past" if alert.state == "resolved" else CAP_URGENCY[alert.severity])
        _sub(info, "severity", CAP_SEVERITY[alert.severity])
        _sub(info, "certainty", _certainty(alert))
        _sub(info, "audience", alert.responsible_party)
        ec = _sub(info, "eventCode")
        _sub(ec, "valueName", "perron-rule")
        _sub(ec, "value", alert.rule_id)
        _sub(info, "onset", _time(alert.first_event_at))
        _sub(info, "senderName", "Perron")
        _sub(info, "headline", f"{title}: {place}{zone}")
        if lang == "nl-NL":
            desc = (
                f"{title} bij {place}{zone}. Status: {alert.state}. "
                f"Signalen: {alert.trigger_count}."
            )
        else:
            desc = (
                f"{title} at {place}{zone}. State: {alert.state}. Triggers: {alert.trigger_count}."
            )
        if alert.outcome:
            desc += f" ({alert.outcome})"
        _sub(info, "description", desc)
        params = [
            ("state", alert.state),
            ("station", alert.station_code),
            ("zone", alert.zone or ""),
            ("domain", alert.domain),
            ("responsibleParty", alert.responsible_party),
            ("escalationLevel", str(alert.escalation_level)),
        ]
        if unit is not None:
            params.append(("unit", unit.code))
        if alert.outcome:
            params.append(("outcome", alert.outcome))
        for name, value in params:
            p = _sub(info, "parameter")
            _sub(p, "valueName", name)
            _sub(p, "value", value)
        area = _sub(info, "area")
        _sub(area, "areaDesc", f"{place}{zone}")
        if station is not None:
            _sub(area, "circle", f"{station.lat:.6f},{station.lng:.6f} {AREA_RADIUS_KM}")
            gc = _sub(area, "geocode")
            _sub(gc, "valueName", "CBS")
            _sub(gc, "value", station.municipality_code)
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
    if check:
        validate(text)
    return text


def _cap_bytes(session: Session, alert: Alert) -> bytes:
    return alert_to_cap(session, alert).encode("utf-8")


#: the entry point ``cap`` of ``perron.exporters``
CAP = Exporter("cap", "application/cap+xml", "xml", "CAP 1.2 alert message", alert=_cap_bytes)

"""Alerts as NGSI-LD ``Alert`` entities (FIWARE Smart Data Models, key-values form), validated
with jsonschema against the shipped ``schema.json``; its ``$ref`` links resolve to the shipped
``common-schema.json`` and ``alert-schema.json`` — nothing is fetched from the network.

Mapping (docs/live.md, "Exports"): id ``urn:ngsi-ld:Alert:perron:<id>``; category ``security``;
subCategory from the rule (assault, suspiciousAction, crowdRisk, civilDisorder, robbery);
severity as in Perron (low, medium, high, critical); location a GeoJSON point at the station;
dateIssued when the alert was opened, validFrom the first event, validTo when it was resolved;
alertSource ``urn:ngsi-ld:Device:perron:rule:<rule>``; ``data`` carries state, station, zone,
responsible party, unit and outcome.
"""

from __future__ import annotations

import json
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy.orm import Session

from perron.interop.exporters import Exporter
from perron.store.tables.live import Alert, ResponseUnit
from perron.store.tables.reference import Station

SCHEMA_DIR = Path(__file__).parent / "schemas" / "ngsi-ld-alert"
CONTEXT = [
    "https://smart-data-models.github.io/dataModel.Alert/context.jsonld",
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
]
# Referred to by schema.json for weather subcategories; not shipped, so nothing matches it.
WEATHER_SCHEMA_ID = "https://smart-data-models.github.io/dataModel.Weather/weather-schema.json"


class NgsiInvalid(ValueError):
    """An entity that is not a valid NGSI-LD Alert; the message gives the first reasons."""


@lru_cache(maxsize=2)
def validator(schema_dir: str | None = None) -> Draft202012Validator:
    """A validator for ``schema.json`` with every reference resolved from ``schema_dir``."""
    base = Path(schema_dir) if schema_dir else SCHEMA_DIR
    docs = {
        name: json.loads((base / name).read_text(encoding="utf-8"))
        for name in ("schema.json", "alert-schema.json", "common-schema.json")
    }
    weather = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": WEATHER_SCHEMA_ID,
        "definitions": {"WeatherAlertCategories": False},
    }
    resources = [(d["$id"], Resource.from_contents(d, DRAFT202012)) for d in docs.values()]
    resources.append((WEATHER_SCHEMA_ID, Resource.from_contents(weather, DRAFT202012)))
    registry = Registry().with_resources(resources)
    return Draft202012Validator(
        docs["schema.json"], registry=registry, format_checker=FormatChecker()
    )


def validate(entity: dict[str, Any], schema_dir: str | Path | None = None) -> None:
    """Raise NgsiInvalid unless ``entity`` is valid against the Alert schema."""
    v = validator(str(schema_dir) if schema_dir else None)
    errors = sorted(v.iter_errors(entity), key=lambda e: list(e.absolute_path))
    if errors:
        reasons = "; ".join(
            f"{'/'.join(str(p) for p in e.absolute_path) or '(entity)'}: {e.message}"
            for e in errors[:5]
        )
        raise NgsiInvalid(f"not a valid NGSI-LD Alert ({len(errors)} error(s)): {reasons}")


def _iso(value) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def alert_to_ngsi_ld(
    session: Session, alert: Alert, *, check: bool = True, context: bool = True
) -> dict[str, Any]:
    """The alert as an NGSI-LD ``Alert`` entity (key-values), validated when ``check``."""
    station = session.get(Station, alert.station_code)
    unit = session.get(ResponseUnit, alert.unit_id) if alert.unit_id else None
    place = station.name_long if station is not None else alert.station_code
    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:Alert:perron:{alert.id}",
        "type": "Alert",
        "category": "security",
        "subCategory": alert.subcategory,
        "severity": alert.severity,
        "dateIssued": _iso(alert.created_at),
        "validFrom": _iso(alert.first_event_at),
        "alertSource": f"urn:ngsi-ld:Device:perron:rule:{alert.rule_id}",
        "name": alert.title_en,
        "description": f"{alert.title_nl} — {place}" + (f" ({alert.zone})" if alert.zone else ""),
        "dateModified": _iso(alert.updated_at),
        "dateCreated": _iso(alert.created_at),
        "dataProvider": "Perron",
        "data": {
            "state": alert.state,
            "station": alert.station_code,
            "zone": alert.zone,
            "domain": alert.domain,
            "responsibleParty": alert.responsible_party,
            "escalationLevel": alert.escalation_level,
            "triggerCount": alert.trigger_count,
            "unit": unit.code if unit is not None else None,
            "outcome": alert.outcome,
            "synthetic": alert.synthetic,
        },
    }
    if station is not None:
        entity["location"] = {"type": "Point", "coordinates": [station.lng, station.lat]}
        entity["address"] = {"addressLocality": place, "addressCountry": "NL"}
    if alert.resolved_at is not None:
        entity["validTo"] = _iso(alert.resolved_at)
    if context:
        entity["@context"] = CONTEXT
    if check:
        validate(entity)
    return entity


def _ngsi_ld_bytes(session: Session, alert: Alert) -> bytes:
    return json.dumps(alert_to_ngsi_ld(session, alert), ensure_ascii=False).encode("utf-8")


#: the entry point ``ngsi-ld`` of ``perron.exporters``
NGSI_LD = Exporter(
    "ngsi-ld", "application/ld+json", "jsonld", "NGSI-LD Alert entity", alert=_ngsi_ld_bytes
)

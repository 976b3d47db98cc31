"""A small, fixed registry data set for the read-side tests (access matrix, queries, exports),
written through the registry's own `record` so it is what an import would leave."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from perron.access.pseudonym import pseudonymise

KEY = b"test-pseudonym-key"
PERSON_A = pseudonymise("Jan Jansen, 1970-01-01", KEY)
PERSON_B = pseudonymise("Piet Pietersen", KEY)

AGGRESSION = "aggression_staff_physical"  # social_safety
VANDALISM = "vandalism"  # social_safety
COPPER = "copper_theft"  # security
TRACK = "person_on_track"  # rail_safety

# label: (owner, category, station, month of 2024, description, person)
INCIDENTS: dict[str, tuple] = {}
for k in range(1, 7):
    INCIDENTS[f"ns-agg-{k}"] = (
        "ns",
        AGGRESSION,
        "UT",
        1,
        f"Conducteur bedreigd ({k})",
        PERSON_A if k == 1 else None,
    )
for k in range(1, 3):
    INCIDENTS[f"ns-cu-{k}"] = ("ns", COPPER, "ASD", 2, None, None)
for k in range(1, 4):
    INCIDENTS[f"pr-van-{k}"] = ("prorail", VANDALISM, "UT", 1, "Ruit ingegooid", None)
INCIDENTS["pr-track-1"] = ("prorail", TRACK, "ASD", 2, "Persoon op het spoor", PERSON_B)
for k in range(1, 4):
    INCIDENTS[f"pol-agg-{k}"] = ("politie", AGGRESSION, "UT", 1, "Mishandeling", PERSON_B)
INCIDENTS["rdt-1"] = ("rdt", TRACK, "UT", 3, None, None)

CATEGORY_OF = {label: row[1] for label, row in INCIDENTS.items()}
LINKS = [("ns-agg-1", "pol-agg-1"), ("pr-van-1", "ns-agg-2")]
_counter = [0]


def add_one(session: Session, owner, category, station, month, description=None, person=None):
    """Register one incident (version 1) as ``owner``; returns its id as text."""
    from perron.domain.incidents import IncidentFacts
    from perron.registry.incidents import record

    _counter[0] += 1
    occurred = datetime(2024, month, 10, 20, 30, tzinfo=UTC)
    facts = IncidentFacts(
        category=category,
        occurred_at=occurred,
        station_code=station,
        lat=52.09,
        lng=5.11,
        description=description,
        person_ref=person,
    )
    incident = record(
        session,
        owner,
        f"T{_counter[0]:05d}",
        facts,
        "seed",
        source="public" if owner == "rdt" else "party",
        synthetic=True,
    )
    return str(incident.id)


def seed(session: Session) -> dict[str, str]:
    """Write the data set; returns label → incident id (as text)."""
    from perron.store.tables.registry import IncidentLink

    ids = {label: add_one(session, *row) for label, row in INCIDENTS.items()}
    for a, b in LINKS:
        session.add(IncidentLink(incident_id=int(ids[a]), linked_id=int(ids[b]), kind="duplicate"))
    session.flush()
    return ids

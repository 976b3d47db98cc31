"""Synthetic social-safety incidents per party, for the demo and the tests.

Real incident registrations of NS, ProRail, police and municipalities are not public, so Perron
generates plausible ones, always marked ``synthetic``. Rates grow with a station's travellers
(less than proportionally), peak in the evening and at night and towards the weekend; each
party registers the categories it deals with in the zones it is responsible for. Some events
are reported by two parties (NS and the police, for instance) a few minutes apart, so that
duplicate linking has something to find. Generation is reproducible from a seed and re-running
it for the same year changes nothing.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from perron.access.pseudonym import pseudonymise
from perron.config import get_settings
from perron.domain.incidents import Source
from perron.domain.local_time import LOCAL_TZ
from perron.domain.parties import municipality_party_code
from perron.reference.bundle import stations
from perron.registry.importers import ImportResult, Progress, write

#: relative frequency by hour of day (0-23): quiet early morning, rising through the day,
#: highest in the evening and around midnight
HOUR_PROFILE = np.array(
    [6, 4, 3, 2, 1, 1, 2, 4, 5, 4, 4, 4, 5, 5, 5, 6, 7, 8, 8, 9, 10, 10, 9, 8], dtype=float
)
#: Monday..Sunday
WEEKDAY_PROFILE = np.array([0.85, 0.85, 0.9, 0.95, 1.2, 1.35, 1.0])

#: party → (incidents a year per 1,000 daily travellers ** 0.8, {category: share}, zones)
PARTY_MIX: dict[str, tuple[float, dict[str, float], tuple[str, ...]]] = {
    "ns": (
        2.7,
        {
            "aggression_staff_verbal": 0.30,
            "aggression_staff_physical": 0.12,
            "aggression_traveller_verbal": 0.12,
            "aggression_traveller_physical": 0.08,
            "nuisance": 0.22,
            "sexual_harassment": 0.06,
            "confused_person": 0.05,
            "theft": 0.05,
        },
        ("platform", "hall", "waiting_room", "tunnel", "toilets"),
    ),
    "prorail": (
        1.0,
        {
            "vandalism": 0.55,
            "person_on_track": 0.25,
            "copper_theft": 0.08,
            "suspicious_object": 0.07,
            "nuisance": 0.05,
        },
        ("platform", "tunnel", "lift", "bicycle_parking"),
    ),
    "politie": (
        1.5,
        {
            "aggression_traveller_physical": 0.25,
            "theft": 0.25,
            "drugs": 0.15,
            "confused_person": 0.15,
            "sexual_harassment": 0.08,
            "aggression_staff_physical": 0.12,
        },
        ("platform", "hall", "forecourt", "tunnel"),
    ),
    "municipality": (
        1.3,
        {"nuisance": 0.45, "theft": 0.25, "drugs": 0.15, "vandalism": 0.15},
        ("forecourt", "bicycle_parking", "park_and_ride"),
    ),
}
#: NS categories that the police also register, a few minutes later, for some events
POLICE_ALSO = {
    "aggression_staff_physical": 0.35,
    "aggression_traveller_physical": 0.3,
    "sexual_harassment": 0.2,
}
SEVERITY_OF = {
    "aggression_staff_physical": "high",
    "aggression_traveller_physical": "high",
    "sexual_harassment": "high",
    "copper_theft": "high",
    "suspicious_object": "high",
    "person_on_track": "high",
}
VICTIM_OF = {
    "aggression_staff_physical": "staff",
    "aggression_staff_verbal": "staff",
    "aggression_traveller_physical": "traveller",
    "aggression_traveller_verbal": "traveller",
    "sexual_harassment": "traveller",
    "theft": "traveller",
}
DESCRIPTION = {
    "aggression_staff_verbal": "Conducteur uitgescholden bij kaartcontrole",
    "aggression_staff_physical": "Medewerker geduwd en geslagen na aanspreken",
    "aggression_traveller_verbal": "Reiziger bedreigd door groep jongeren",
    "aggression_traveller_physical": "Vechtpartij tussen reizigers",
    "nuisance": "Overlast door groep hangjongeren",
    "sexual_harassment": "Reiziger lastiggevallen en gevolgd",
    "confused_person": "Verward persoon loopt tussen reizigers",
    "theft": "Tas gestolen op het perron",
    "vandalism": "Ruit van abri ingegooid",
    "person_on_track": "Persoon loopt langs het spoor",
    "copper_theft": "Kabel weggenomen bij wisselverwarming",
    "suspicious_object": "Achtergelaten koffer op het perron",
    "drugs": "Handel in drugs bij de ingang",
}


def _day_weights(year: int) -> tuple[list[datetime], np.ndarray]:
    days = [datetime(year, 1, 1) + timedelta(days=i) for i in range(366 if year % 4 == 0 else 365)]
    weights = np.array([WEEKDAY_PROFILE[d.weekday()] for d in days])
    return days, weights / weights.sum()


def generate_records(year: int, seed: int = 1, scale: float = 1.0) -> dict[str, list[dict]]:
    """The synthetic incidents of one year, as import records per party."""
    rng = np.random.default_rng([seed, year])
    key = get_settings().secret("pseudonym_key")
    days, day_w = _day_weights(year)
    hour_w = HOUR_PROFILE / HOUR_PROFILE.sum()
    out: dict[str, list[dict]] = {}
    counter: dict[str, int] = {}

    def add(party: str, station, category: str, when: datetime, zones: tuple[str, ...]) -> None:
        counter[party] = counter.get(party, 0) + 1
        ref = f"SYN-{year}-{counter[party]:06d}"
        person = None
        if category.startswith("aggression") and rng.random() < 0.3:
            person = pseudonymise(f"synthetic-person-{rng.integers(0, 5000)}", key)
        out.setdefault(party, []).append(
            {
                "party_ref": ref,
                "category": category,
                "severity": SEVERITY_OF.get(category, "medium"),
                "occurred_at": when.astimezone(UTC),
                "reported_at": (when + timedelta(minutes=int(rng.integers(2, 90)))).astimezone(UTC),
                "station_code": station.code,
                "zone": str(rng.choice(zones)),
                "line_section": None,
                "level_crossing_id": None,
                "lat": None,
                "lng": None,
                "victim_role": VICTIM_OF.get(category),
                "description": DESCRIPTION[category],
                "person_ref": person,
                "status": "closed",
                "other_stations": None,
            }
        )

    for station in stations():
        size = (station.travellers_per_day / 1000) ** 0.8
        for party_kind, (rate, mix, zones) in PARTY_MIX.items():
            party = (
                municipality_party_code(station.municipality_code)
                if party_kind == "municipality"
                else party_kind
            )
            n = rng.poisson(rate * size * scale)
            if n == 0:
                continue
            cats = rng.choice(list(mix), size=n, p=np.array(list(mix.values())))
            day_idx = rng.choice(len(days), size=n, p=day_w)
            hours = rng.choice(24, size=n, p=hour_w)
            minutes = rng.integers(0, 60, size=n)
            for cat, d, h, m in zip(cats, day_idx, hours, minutes, strict=True):
                local = days[d].replace(hour=int(h), minute=int(m), tzinfo=LOCAL_TZ)
                add(party, station, str(cat), local, zones)
                also = POLICE_ALSO.get(str(cat), 0) if party_kind == "ns" else 0
                if also and rng.random() < also:
                    later = local + timedelta(minutes=int(rng.integers(1, 20)))
                    add("politie", station, str(cat), later, PARTY_MIX["politie"][2])
    return out


def generate(
    session: Session,
    year: int,
    seed: int = 1,
    scale: float = 1.0,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Write one year of synthetic incidents for every party (idempotent for a seed)."""
    results = []
    for party, records in sorted(generate_records(year, seed, scale).items()):
        result = ImportResult(file=f"synthetic-{year}-seed{seed}", party=party, profile="synthetic")
        result.rows = len(records)
        digest = hashlib.sha256(f"{year}:{seed}:{scale}".encode()).hexdigest()
        results.append(
            write(
                session,
                records,
                result,
                "perron-synthetic",
                source=Source.SYNTHETIC.value,
                synthetic=True,
                digest=digest,
                progress=progress,
            )
        )
    return results


def expected_per_year(scale: float = 1.0) -> float:
    """The expected number of synthetic incidents a year (before police double reports)."""
    rates = sum(r for r, _m, _z in PARTY_MIX.values())
    return scale * rates * sum(math.pow(s.travellers_per_day / 1000, 0.8) for s in stations())

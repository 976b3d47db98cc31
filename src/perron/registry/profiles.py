"""Mapping profiles: how one party's export file maps onto the incident model.

A profile names, for each field of the model, the column of the file it comes from, and how
values are translated (category names, severity words, zone names, date formats). Built-in
profiles cover the generic format and the exports of NS, ProRail and the police; on the command
line a party can bring its own profile as a TOML file with the same keys (the web and the API
choose shipped profiles by name only).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perron.domain.local_time import LOCAL_TIMEZONE
from perron.domain.taxonomy import CATEGORIES, PRORAIL_LABELS


@dataclass(frozen=True)
class Profile:
    name: str
    #: model field → column name in the file
    columns: dict[str, str]
    #: model field → {value in the file → value in the model}; values not listed pass as they are
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: strptime format of date-times, or "iso"; naive times are read in ``timezone``
    datetime_format: str = "iso"
    timezone: str = LOCAL_TIMEZONE
    #: fields whose value is an identifier of a person: pseudonymised at import
    person_fields: tuple[str, ...] = ("person_ref",)
    #: a category value mapped to None means "not safety related": such rows are skipped
    skip_unmapped_category: bool = False

    REQUIRED = ("party_ref", "category", "occurred_at")

    def check(self) -> None:
        missing = [f for f in self.REQUIRED if f not in self.columns]
        if missing:
            raise ValueError(f"profile {self.name!r} maps no column to {', '.join(missing)}")


GENERIC = Profile(
    name="generic",
    columns={
        "party_ref": "ref",
        "category": "category",
        "severity": "severity",
        "occurred_at": "occurred_at",
        "reported_at": "reported_at",
        "station_code": "station",
        "zone": "zone",
        "line_section": "line_section",
        "level_crossing_id": "level_crossing",
        "lat": "lat",
        "lng": "lng",
        "victim_role": "victim_role",
        "description": "description",
        "person_ref": "person_id",
        "status": "status",
    },
)

_DUTCH_ZONES: dict[str, str | None] = {
    "Perron": "platform",
    "Tunnel": "tunnel",
    "Onderdoorgang": "tunnel",
    "Hal": "hall",
    "Stationshal": "hall",
    "Wachtruimte": "waiting_room",
    "Toilet": "toilets",
    "Toiletten": "toilets",
    "Lift": "lift",
    "Fietsenstalling": "bicycle_parking",
    "Stationsplein": "forecourt",
    "Voorplein": "forecourt",
    "P+R": "park_and_ride",
}
_DUTCH_SEVERITY: dict[str, str | None] = {
    "Laag": "low",
    "Middel": "medium",
    "Hoog": "high",
    "Kritiek": "critical",
}
_DUTCH_VICTIM: dict[str, str | None] = {
    "Reiziger": "traveller",
    "Personeel": "staff",
    "Anders": "other",
    "Geen": "none",
    "": None,
}
_DUTCH_CATEGORIES: dict[str, str | None] = {c.label_nl: c.code for c in CATEGORIES.values()}

NS = Profile(
    name="ns",
    columns={
        "party_ref": "Meldingnummer",
        "occurred_at": "Datum en tijd",
        "station_code": "Stationscode",
        "zone": "Locatie",
        "category": "Soort incident",
        "severity": "Ernst",
        "victim_role": "Slachtoffer",
        "description": "Omschrijving",
        "person_ref": "Personeelsnummer",
    },
    values={
        "zone": _DUTCH_ZONES,
        "severity": _DUTCH_SEVERITY,
        "victim_role": _DUTCH_VICTIM,
        "category": _DUTCH_CATEGORIES,
    },
    datetime_format="%d-%m-%Y %H:%M",
)

PRORAIL = Profile(
    name="prorail",
    columns={
        "party_ref": "Incidentnummer",
        "occurred_at": "Starttijd",
        "category": "Oorzaak",
        "station_code": "Stationscode",
        "line_section": "Baanvak",
        "level_crossing_id": "Overweg",
        "description": "Toelichting",
    },
    values={"category": dict(PRORAIL_LABELS)},
    datetime_format="%Y-%m-%d %H:%M:%S",
    skip_unmapped_category=True,
)

POLITIE = Profile(
    name="politie",
    columns={
        "party_ref": "Registratienummer",
        "occurred_at": "Pleegdatum",
        "category": "Incidentsoort",
        "station_code": "Station",
        "lat": "Breedtegraad",
        "lng": "Lengtegraad",
        "severity": "Prioriteit",
        "description": "Samenvatting",
        "person_ref": "Betrokkene",
    },
    values={
        "category": _DUTCH_CATEGORIES,
        "severity": {"1": "critical", "2": "high", "3": "medium", "4": "low"},
    },
)

BUILT_IN: dict[str, Profile] = {p.name: p for p in (GENERIC, NS, PRORAIL, POLITIE)}


def fits(profile: Profile, header: list[str]) -> bool:
    """True when ``header`` has the columns of the profile's required fields."""
    names = {h.strip() for h in header}
    return all(profile.columns[f] in names for f in Profile.REQUIRED)


def default_profile(party: str, header: list[str] | None) -> Profile:
    """The party's own profile — or the generic one when the file has the generic columns and
    not the party's own (a party may send the generic format without naming it)."""
    own = BUILT_IN.get(party, GENERIC)
    if (
        header is not None
        and own is not GENERIC
        and not fits(own, header)
        and fits(GENERIC, header)
    ):
        return GENERIC
    return own


def load_profile(name: str | None, party: str) -> Profile:
    """A shipped profile by name (default: the party's own, else generic). Names only: a
    request never makes the server open a file."""
    if name is None or name == "":
        return BUILT_IN.get(party, GENERIC)
    if name in BUILT_IN:
        return BUILT_IN[name]
    raise ValueError(f"unknown profile {name[:80]!r}: give one of {', '.join(BUILT_IN)}")


def load_profile_file(path: Path) -> Profile:
    """A party's own profile from a TOML file: for the command line, where the person running
    it already reads the machine's files."""
    try:
        data: dict[str, Any] = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the profile: {exc}") from None
    try:
        profile = Profile(
            name=data.get("name", Path(path).stem),
            columns=dict(data["columns"]),
            values={k: dict(v) for k, v in data.get("values", {}).items()},
            datetime_format=data.get("datetime_format", "iso"),
            timezone=data.get("timezone", LOCAL_TIMEZONE),
            person_fields=tuple(data.get("person_fields", ("person_ref",))),
            skip_unmapped_category=bool(data.get("skip_unmapped_category", False)),
        )
    except KeyError as exc:
        raise ValueError(f"{path}: profile lacks [{exc.args[0]}]") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not a profile: {exc}") from None
    profile.check()
    return profile

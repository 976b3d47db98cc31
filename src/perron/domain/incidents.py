"""The incident model: what one registration says, and the rules for correcting it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from perron.domain.taxonomy import CATEGORIES
from perron.domain.zones import ZONE_CODES


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    #: registered but found not to have happened: kept, visible, never deleted
    RETRACTED = "retracted"


class VictimRole(StrEnum):
    TRAVELLER = "traveller"
    STAFF = "staff"
    OTHER = "other"
    NONE = "none"


class Source(StrEnum):
    PARTY = "party"  # a party's own registration or file
    PUBLIC = "public"  # a public source, e.g. Rijden de Treinen
    SYNTHETIC = "synthetic"  # generated for demonstration and tests


#: Fields that can hold personal data: shown only at detail level under an agreement that
#: includes them, blanked by retention and erasure.
PERSONAL_FIELDS = frozenset({"description", "person_ref"})

#: Fields a correction may change.
CORRECTABLE_FIELDS = frozenset(
    {
        "category",
        "severity",
        "occurred_at",
        "reported_at",
        "station_code",
        "zone",
        "line_section",
        "level_crossing_id",
        "lat",
        "lng",
        "victim_role",
        "description",
        "person_ref",
        "status",
    }
)


#: The longest text each free-text field may hold, in characters (longer values are refused,
#: never cut). Codes (category, zone, severity, ...) are checked against their lists instead.
TEXT_LIMITS: dict[str, int] = {"description": 4000, "line_section": 160, "person_ref": 200}
#: The longest reference a party may give its own record.
PARTY_REF_LIMIT = 80

_TEXT_FIELDS = (
    "category",
    "severity",
    "station_code",
    "zone",
    "line_section",
    "victim_role",
    "description",
    "person_ref",
    "status",
)
#: The earliest and latest years an incident can be dated in.
YEARS = (1900, 2200)


def text_problem(value: str, limit: int | None) -> str | None:
    """Why a text value cannot be stored (NUL byte, too long), or None."""
    if "\x00" in value:
        return "contains a NUL byte"
    if limit is not None and len(value) > limit:
        return f"is longer than {limit} characters ({len(value)})"
    return None


class IncidentError(ValueError):
    """An incident that cannot be recorded as given; the message names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.reason = message


@dataclass
class IncidentFacts:
    """The facts of one registration (one version)."""

    category: str
    occurred_at: datetime
    severity: str = Severity.MEDIUM.value
    reported_at: datetime | None = None
    station_code: str | None = None
    zone: str | None = None
    line_section: str | None = None
    level_crossing_id: int | None = None
    lat: float | None = None
    lng: float | None = None
    victim_role: str | None = None
    description: str | None = None
    person_ref: str | None = None
    status: str = Status.OPEN.value
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise IncidentError naming the first field that is wrong."""
        self._validate_types()
        if self.category not in CATEGORIES:
            raise IncidentError("category", f"unknown category {self.category!r}")
        if self.severity not in Severity.__members__.values():
            raise IncidentError(
                "severity", f"must be one of {', '.join(s.value for s in Severity)}"
            )
        if self.status not in Status.__members__.values():
            raise IncidentError("status", f"must be one of {', '.join(s.value for s in Status)}")
        if self.occurred_at.tzinfo is None:
            raise IncidentError("occurred_at", "needs a timezone")
        if self.reported_at is not None:
            if self.reported_at.tzinfo is None:
                raise IncidentError("reported_at", "needs a timezone")
            if self.reported_at < self.occurred_at:
                raise IncidentError("reported_at", "is before occurred_at")
        if self.zone is not None and self.zone not in ZONE_CODES:
            raise IncidentError(
                "zone", f"unknown zone {self.zone!r}; one of {', '.join(ZONE_CODES)}"
            )
        if self.victim_role is not None and self.victim_role not in VictimRole.__members__.values():
            raise IncidentError(
                "victim_role", f"must be one of {', '.join(v.value for v in VictimRole)}"
            )
        located = (self.station_code, self.line_section, self.level_crossing_id, self.lat)
        if all(v is None for v in located):
            raise IncidentError(
                "location", "give a station, a line section, a level crossing or a point"
            )
        if (self.lat is None) != (self.lng is None):
            raise IncidentError("lat", "give both lat and lng, or neither")
        if (
            self.lat is not None
            and self.lng is not None
            and not (50.0 <= self.lat <= 54.0 and 3.0 <= self.lng <= 7.5)
        ):
            raise IncidentError("lat", "the point lies outside the Netherlands")

    def _validate_types(self) -> None:
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is None and name not in ("category", "severity", "status"):
                continue
            if not isinstance(value, str):
                raise IncidentError(name, "must be text")
            problem = text_problem(value, TEXT_LIMITS.get(name, 200))
            if problem:
                raise IncidentError(name, problem)
        for name in ("occurred_at", "reported_at"):
            value = getattr(self, name)
            if value is None and name == "reported_at":
                continue
            if not isinstance(value, datetime):
                raise IncidentError(name, "must be a date-time with a timezone")
            if not (YEARS[0] <= value.year <= YEARS[1]):
                raise IncidentError(name, f"must lie between {YEARS[0]} and {YEARS[1]}")
        crossing = self.level_crossing_id
        if crossing is not None and (
            isinstance(crossing, bool) or not isinstance(crossing, int) or not 0 < crossing < 2**31
        ):
            raise IncidentError("level_crossing_id", "must be a positive whole number")
        for name in ("lat", "lng"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value != value
            ):
                raise IncidentError(name, "must be a number")

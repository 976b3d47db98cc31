"""Service functions of the registry's writes: one per action, for every front end.

The rules live here and only here:

- a party's incident file is imported by an admin, analyst or operator of that party, for their
  own party only, with a built-in mapping profile chosen by name; the installation imports for
  any party it names, also with a profile file of its own machine (``--profile FILE.toml``);
  a file with any wrong row is rejected whole (:class:`~perron.registry.importers.ImportRejected`
  carries the report of every row; the front end rolls back and shows it);
- an incident is corrected by an admin, analyst or operator of the party that reported it
  (another party's incident is answered as a missing one), and by the installation; every
  correction is a new version with author, time and reason, written to the audit trail;
- links between reports of the same event are proposed, listed and decided by analysts and
  admins, and by the installation; a decision is recorded under the deciding party;
- the public disruption file and the synthetic incidents are loaded by the installation only.

Errors are those of :mod:`perron.domain.errors`; the author recorded is the actor's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from perron.access.actors import NO_PARTY, Actor, Installation
from perron.domain.errors import Conflict, Forbidden, Invalid, NotFound
from perron.domain.parties import Role
from perron.registry import incidents, linking
from perron.registry import read_model as m
from perron.registry.importers import ImportResult, import_file
from perron.registry.profiles import BUILT_IN, Profile, load_profile, load_profile_file

#: roles that write a party's incidents (import, correct)
WRITERS = frozenset({Role.ADMIN, Role.ANALYST, Role.OPERATOR})
#: roles that propose, list and decide links between reports
LINKERS = frozenset({Role.ADMIN, Role.ANALYST})
LINK_STATUSES = ("proposed", "confirmed", "rejected")
#: the shortest reason a correction is given with (the API's request model says the same)
MIN_REASON = 3

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Corrected:
    """A correction written: the incident, its new version and every version, oldest first."""

    incident_id: str
    version: int
    history: list[dict[str, Any]]


@dataclass(frozen=True)
class LinkDecided:
    """A link confirmed or rejected."""

    id: int
    incident_id: int
    linked_id: int
    status: str
    decided_by: str | None
    decided_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "linked_id": self.linked_id,
            "status": self.status,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
        }


def may_write(actor: Actor) -> bool:
    """Whether ``actor`` imports and corrects incidents (of their own party)."""
    return isinstance(actor, Installation) or actor.role in WRITERS


def _installation_only(actor: Actor, what: str) -> None:
    if not isinstance(actor, Installation):
        raise Forbidden(f"{what} is the installation's task (its command line without --user)")


# --- import ---------------------------------------------------------------------------------


def _profile(actor: Actor, profile: str | None, party: str) -> Profile | None:
    if profile is None or profile == "":
        return None  # the party's own, or generic when the file has the generic columns
    try:
        if profile in BUILT_IN or not isinstance(actor, Installation):
            # a user chooses a profile by name only (never a path on the server)
            return load_profile(profile, party)
        return load_profile_file(Path(profile))  # a party's own TOML profile on this machine
    except ValueError as exc:
        raise Invalid(str(exc), "profile") from None


def import_incidents(
    session: Session,
    actor: Actor,
    file: Path,
    *,
    party: str | None = None,
    profile: str | None = None,
    data: bytes | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one party's incident file (``data``, or read from ``file``) in the caller's
    transaction; a user imports for their own party. Raises ImportRejected with the report of
    every wrong row (the caller rolls back: nothing is written)."""
    if isinstance(actor, Installation):
        if not party:
            raise Invalid("name the reporting party", "party")
    else:
        if not may_write(actor):
            raise Forbidden(
                f"the role {actor.role.value!r} cannot import incidents; "
                "admins, analysts and operators can"
            )
        if party and party != actor.party_code:
            raise Forbidden(f"{actor.username} imports the incidents of {actor.party_code} only")
        party = actor.party_code
    chosen = _profile(actor, profile, party)
    return import_file(session, file, party, chosen, actor.username, data=data, progress=progress)


def import_disruptions(
    session: Session, actor: Actor, file: Path, *, progress: Progress | None = None
) -> ImportResult:
    """Import every safety-related disruption of the public file (idempotent)."""
    from perron.registry import disruptions

    _installation_only(actor, "loading the disruption file")
    return disruptions.import_disruptions(session, file, actor.username, progress)


def generate_synthetic(
    session: Session,
    actor: Actor,
    *,
    years: Iterable[int],
    seed: int = 1,
    scale: float = 1.0,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Generate synthetic incidents (marked synthetic) for every party, one file per party
    and year."""
    from perron.registry.synthetic import generate

    _installation_only(actor, "generating synthetic incidents")
    if not scale > 0:
        raise Invalid(f"scale must be above 0, not {scale}", "scale")
    out: list[ImportResult] = []
    for year in years:
        out += generate(session, year, seed, scale, progress)
    return out


# --- corrections ----------------------------------------------------------------------------


def correct_incident(
    session: Session,
    actor: Actor,
    incident_id: Any,
    changes: Mapping[str, Any],
    reason: str,
) -> Corrected:
    """Correct an incident: a new version with author, time and reason; nothing is
    overwritten. Values may be given as text (times in ISO 8601 with a zone, numbers, a
    station code, a person's identifier, which is pseudonymised as an import does)."""
    if isinstance(actor, Installation):
        row = m.get_current(session, incident_id)
        if row is None:
            raise NotFound(f"no incident {str(incident_id)[:40]}")
        party = m.owner_of(row)
    else:
        if not may_write(actor):
            raise Forbidden(f"the role {actor.role.value!r} cannot correct incidents")
        row = m.get_current(session, incident_id)
        if row is None or m.owner_of(row) != actor.party_code:
            # another party's record is answered as a missing one (its owner is not told)
            raise NotFound(
                f"no incident {str(incident_id)[:40]} of your party ({actor.party_code}) to correct"
            )
        party = actor.party_code
    unknown = {str(k) for k in changes} - m.CORRECTABLE
    if unknown:
        raise Invalid(
            f"cannot correct {', '.join(sorted(unknown))[:200]}; correctable fields: "
            f"{', '.join(sorted(m.CORRECTABLE))}",
            "changes",
        )
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("a correction needs a reason", "reason")
    if len(reason.strip()) < MIN_REASON:
        raise Invalid(f"a reason needs at least {MIN_REASON} characters", "reason")
    key = int(row._mapping["id"])
    try:
        version = incidents.correct(
            session, key, dict(changes), reason, actor.username, party=party
        )
    except incidents.RegistryError as exc:
        field = str(exc).partition(":")[0] if ":" in str(exc) else None
        known = field in m.CORRECTABLE or field == "reason"
        raise Invalid(str(exc), field if known else None) from None
    return Corrected(str(incident_id), version, incidents.history(session, key))


# --- links ----------------------------------------------------------------------------------


def _linker(actor: Actor) -> None:
    if isinstance(actor, Installation):
        return
    if actor.role not in LINKERS:
        raise Forbidden(
            f"the role {actor.role.value!r} cannot handle links; analysts and admins can"
        )


def propose_links(
    session: Session, actor: Actor, *, window_minutes: int = 30, max_km: float = 2.0
) -> list[linking.Proposal]:
    """Propose links between reports of the same event by different parties."""
    _linker(actor)
    if not 1 <= window_minutes <= 24 * 60:
        raise Invalid("window: 1 to 1440 minutes", "window")
    if not 0 <= max_km <= 100:
        raise Invalid("km: 0 to 100 kilometres", "km")
    return linking.propose_links(
        session, window_minutes=window_minutes, max_km=max_km, actor=actor.username
    )


def list_links(session: Session, actor: Actor, *, status: str = "proposed") -> list[dict[str, Any]]:
    """Links of ``status``, best score first."""
    _linker(actor)
    if status not in LINK_STATUSES:
        raise Invalid(f"status is one of {', '.join(LINK_STATUSES)}, not {status!r}", "status")
    return linking.list_links(session, status)


def decide_link(
    session: Session, actor: Actor, link_id: int, *, confirm: bool, party: str | None = None
) -> LinkDecided:
    """Confirm (the two reports then count once) or reject a proposed link. ``party`` is the
    deciding analyst's party when the installation decides (a user decides for their own)."""
    _linker(actor)
    if isinstance(actor, Installation):
        party = party or NO_PARTY
    elif party and party != actor.party_code:
        raise Forbidden(f"{actor.username} decides for {actor.party_code} only")
    else:
        party = actor.party_code
    try:
        link = linking.decide_link(session, link_id, confirm, actor.username, party)
    except linking.LinkError as exc:
        if str(exc).startswith(f"no link {link_id}"):
            raise NotFound(str(exc)) from None
        raise Conflict(str(exc)) from None
    return LinkDecided(
        link.id, link.incident_id, link.linked_id, link.status, link.decided_by, link.decided_at
    )


__all__ = [
    "LINKERS",
    "WRITERS",
    "Corrected",
    "LinkDecided",
    "correct_incident",
    "decide_link",
    "generate_synthetic",
    "import_disruptions",
    "import_incidents",
    "list_links",
    "may_write",
    "propose_links",
]

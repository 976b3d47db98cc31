"""The access policy: who may see which incidents, at which level, for which purpose.

A decision depends on four things only, so :func:`decide` is a pure function:

1. the **role** of the user within their party (:data:`ROLE_PURPOSES`, :data:`ROLE_LEVEL`):
   which purposes the role may state and whether it may see records (detail) at all;
2. the **owner**: a party always sees its own records at detail level, with every field;
3. **public sources** (party kind ``public_source``, e.g. published disruptions) hold no personal
   data and are visible to every party at detail level with the standard fields;
4. **agreements** between the owner and the user's party (:class:`Grant`): level, purposes,
   categories and the extra fields (free text, personal fields) they include.

The inspectorate (ILT) has no standing exception: it sees what agreements grant it, which by the
default agreements (:func:`perron.access.agreements.default_agreements`) is detail without free
text or personal fields for the purpose ``accountability``, plus the complete audit trail.
The policy table in docs/registry.md is generated from the constants in this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from perron.domain.errors import Invalid
from perron.domain.parties import Role


class Purpose(StrEnum):
    OPERATIONAL = "operational"
    ANALYSIS = "analysis"
    ACCOUNTABILITY = "accountability"


def purpose_of(value: Purpose | str) -> Purpose:
    """``value`` as a purpose; :class:`~perron.domain.errors.Invalid` (field ``purpose``)
    naming the purposes for anything else."""
    try:
        return Purpose(value)
    except ValueError:
        raise Invalid(
            f"unknown purpose {str(value)[:40]!r}; choose one of "
            + ", ".join(p.value for p in Purpose),
            "purpose",
        ) from None


class Level(StrEnum):
    DETAIL = "detail"
    AGGREGATE = "aggregate"


ALL_PURPOSES = frozenset(Purpose)

#: The purposes each role may state for a query.
ROLE_PURPOSES: dict[Role, frozenset[Purpose]] = {
    Role.ADMIN: ALL_PURPOSES,
    Role.ANALYST: frozenset({Purpose.ANALYSIS, Purpose.ACCOUNTABILITY}),
    Role.OPERATOR: frozenset({Purpose.OPERATIONAL}),
    Role.FIELD_UNIT: frozenset({Purpose.OPERATIONAL}),
    Role.VIEWER: frozenset({Purpose.ANALYSIS, Purpose.ACCOUNTABILITY}),
}

#: The highest level each role may see (detail includes aggregates).
ROLE_LEVEL: dict[Role, Level] = {
    Role.ADMIN: Level.DETAIL,
    Role.ANALYST: Level.DETAIL,
    Role.OPERATOR: Level.DETAIL,
    Role.FIELD_UNIT: Level.DETAIL,
    Role.VIEWER: Level.AGGREGATE,
}

#: Fields shown at detail level to anyone allowed to see the record.
STANDARD_FIELDS = frozenset(
    {
        "id",
        "owner_party",
        "party_ref",
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
        "status",
        "source",
        "synthetic",
        "version",
        "duplicate_of",
    }
)
#: Free text and fields that can hold personal data: only under an agreement that names them.
PROTECTED_FIELDS = frozenset({"description", "person_ref"})
ALL_FIELDS = STANDARD_FIELDS | PROTECTED_FIELDS

#: Cells of an aggregate with fewer incidents than this are suppressed.
MIN_CELL = 5


@dataclass(frozen=True)
class Grant:
    """What one agreement grants the user's party on the records of ``owner``."""

    owner: str
    level: Level
    purposes: frozenset[Purpose]
    categories: frozenset[str] | None = None  # None: every category
    fields: frozenset[str] = frozenset()
    agreement_id: int | None = None

    def covers(
        self, purpose: Purpose, category: str | None, group_of: Callable[[str], str | None]
    ) -> bool:
        if purpose not in self.purposes:
            return False
        if self.categories is None:
            return True
        if category is None:
            return False
        return category in self.categories or group_of(category) in self.categories


@dataclass(frozen=True)
class Viewer:
    """The user asking, reduced to what the policy needs."""

    party: str
    role: Role
    grants: tuple[Grant, ...] = ()
    public_parties: frozenset[str] = frozenset()
    username: str = "-"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    level: Level | None
    fields: frozenset[str] = field(default_factory=frozenset)
    reason: str = ""
    basis: str = ""  # "owner", "public", "agreement 12", ...


def _no_group(_category: str) -> str | None:
    return None


def check_role(role: Role, purpose: Purpose, level: Level) -> str | None:
    """Why ``role`` may not query at ``level`` for ``purpose``, or None when it may."""
    if purpose not in ROLE_PURPOSES[role]:
        allowed = ", ".join(sorted(ROLE_PURPOSES[role]))
        return f"the role {role.value!r} may not query for the purpose {purpose.value!r} (allowed: {allowed})"
    if level is Level.DETAIL and ROLE_LEVEL[role] is Level.AGGREGATE:
        return f"the role {role.value!r} may see aggregates only, not individual incidents"
    return None


def decide(
    viewer: Viewer,
    purpose: Purpose,
    level: Level,
    owner: str,
    category: str | None,
    group_of: Callable[[str], str | None] = _no_group,
) -> Decision:
    """May ``viewer`` see records of ``owner`` in ``category`` at ``level`` for ``purpose``?

    Returns the level granted (detail grants aggregate too) and, for detail, the fields.
    """
    refusal = check_role(viewer.role, purpose, level)
    if refusal:
        return Decision(False, None, reason=refusal)
    if owner == viewer.party:
        return Decision(
            True, level, ALL_FIELDS if level is Level.DETAIL else frozenset(), "", "owner"
        )
    if owner in viewer.public_parties:
        fields = STANDARD_FIELDS if level is Level.DETAIL else frozenset()
        return Decision(True, level, fields, "", "public source")
    matching = [
        g for g in viewer.grants if g.owner == owner and g.covers(purpose, category, group_of)
    ]
    if level is Level.DETAIL:
        detail = [g for g in matching if g.level is Level.DETAIL]
        if detail:
            fields = STANDARD_FIELDS.union(*(g.fields & PROTECTED_FIELDS for g in detail))
            basis = ", ".join(f"agreement {g.agreement_id}" for g in detail)
            return Decision(True, Level.DETAIL, fields, "", basis)
        what = f"category {category!r} of " if category else ""
        extra = (
            " (an agreement at aggregate level exists; ask for aggregates instead)"
            if matching
            else ""
        )
        return Decision(
            False,
            None,
            reason=(
                f"no agreement lets party {viewer.party!r} see {what}incidents of party "
                f"{owner!r} at detail level for the purpose {purpose.value!r}{extra}"
            ),
        )
    if matching:
        basis = ", ".join(f"agreement {g.agreement_id}" for g in matching)
        return Decision(True, Level.AGGREGATE, frozenset(), "", basis)
    what = f"category {category!r} of " if category else ""
    return Decision(
        False,
        None,
        reason=(
            f"no agreement lets party {viewer.party!r} see {what}incidents of party {owner!r} "
            f"for the purpose {purpose.value!r}"
        ),
    )


@dataclass(frozen=True)
class Scope:
    """The records a viewer may see for one purpose, as owner → categories.

    ``detail`` and ``aggregate_only`` map an owner party to ``None`` (every category) or a set of
    categories/groups. ``fields`` maps an owner to the detail fields (the same for every
    category of that owner: the union of what the detail agreements include).
    """

    own_party: str
    detail: dict[str, frozenset[str] | None]
    aggregate_only: dict[str, frozenset[str] | None]
    fields: dict[str, frozenset[str]]
    role_refusal: str | None = None


def _merge(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None or b is None:
        return None
    return a | b


def scope(viewer: Viewer, purpose: Purpose, level: Level) -> Scope:
    """Everything ``viewer`` may see for ``purpose`` at ``level`` (for building queries)."""
    refusal = check_role(viewer.role, purpose, level)
    if refusal:
        return Scope(viewer.party, {}, {}, {}, refusal)
    detail: dict[str, frozenset[str] | None] = {viewer.party: None}
    fields: dict[str, frozenset[str]] = {viewer.party: ALL_FIELDS}
    for p in viewer.public_parties:
        if p != viewer.party:
            detail[p] = None
            fields[p] = STANDARD_FIELDS
    aggregate: dict[str, frozenset[str] | None] = {}
    for g in viewer.grants:
        if purpose not in g.purposes or g.owner in (viewer.party, *viewer.public_parties):
            continue
        if g.level is Level.DETAIL and ROLE_LEVEL[viewer.role] is Level.DETAIL:
            detail[g.owner] = (
                _merge(detail[g.owner], g.categories) if g.owner in detail else g.categories
            )
            fields[g.owner] = fields.get(g.owner, STANDARD_FIELDS) | (g.fields & PROTECTED_FIELDS)
        else:
            aggregate[g.owner] = (
                _merge(aggregate[g.owner], g.categories) if g.owner in aggregate else g.categories
            )
    if ROLE_LEVEL[viewer.role] is Level.AGGREGATE:
        # a viewer sees everything it may see as counts only
        for owner, cats in detail.items():
            aggregate[owner] = _merge(aggregate[owner], cats) if owner in aggregate else cats
        detail, fields = {}, {}
    return Scope(viewer.party, detail, aggregate, fields)


def policy_table() -> str:
    """The role rules as a Markdown table (docs/registry.md carries this table verbatim)."""
    lines = [
        "| role | operational | analysis | accountability | highest level |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in Role:
        marks = ["yes" if p in ROLE_PURPOSES[r] else "no" for p in Purpose]
        lines.append(f"| {r.value} | {' | '.join(marks)} | {ROLE_LEVEL[r].value} |")
    return "\n".join(lines)


def policy_rows(roles: Iterable[Role] = tuple(Role)) -> list[dict[str, str]]:
    """The role part of the policy as table rows (for the documentation)."""
    return [
        {
            "role": r.value,
            "purposes": ", ".join(sorted(ROLE_PURPOSES[r])),
            "highest level": ROLE_LEVEL[r].value,
        }
        for r in roles
    ]

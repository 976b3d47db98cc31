"""Who may request, read and decide military train plans.

Military transports are sensitive (routes and times of NATO equipment). Access is by party and
role, never by agreement: the table below is the whole policy, and docs/military.md is generated
from it. Every read and write is recorded in the audit trail.

- **ProRail** capacity planners (roles admin, operator, analyst) enter requests, read every plan
  and decide (admin, operator): ProRail allocates the capacity.
- **Defensie** (admin, operator) enters requests and reads every plan: it is the party that asks.
- **IenW** (admin, analyst) reads every plan: with Defence it decides on the priority rule.
- **ILT** (admin, analyst) reads plans for accountability only.
- Everyone else (operators such as NS, municipalities, police, viewers) is refused.
"""

from __future__ import annotations

from enum import StrEnum

from perron.domain.parties import Role


class Action(StrEnum):
    REQUEST = "request"
    READ = "read"
    DECIDE = "decide"


#: (party, action) -> roles allowed
POLICY: dict[tuple[str, Action], frozenset[Role]] = {
    ("prorail", Action.REQUEST): frozenset({Role.ADMIN, Role.OPERATOR, Role.ANALYST}),
    ("prorail", Action.READ): frozenset({Role.ADMIN, Role.OPERATOR, Role.ANALYST}),
    ("prorail", Action.DECIDE): frozenset({Role.ADMIN, Role.OPERATOR}),
    ("defensie", Action.REQUEST): frozenset({Role.ADMIN, Role.OPERATOR}),
    ("defensie", Action.READ): frozenset({Role.ADMIN, Role.OPERATOR}),
    ("ienw", Action.READ): frozenset({Role.ADMIN, Role.ANALYST}),
    ("ilt", Action.READ): frozenset({Role.ADMIN, Role.ANALYST}),
}
#: the audit purpose of each party's use
PURPOSE: dict[str, str] = {
    "prorail": "operational",
    "defensie": "operational",
    "ienw": "operational",
    "ilt": "accountability",
}


class MilitaryAccessDenied(PermissionError):
    """The actor's party or role may not do this with military plans."""


def allowed(party: str, role: Role, action: Action) -> bool:
    return role in POLICY.get((party, action), frozenset())


def check(party: str, role: Role, action: Action) -> str:
    """The audit purpose when allowed; :class:`MilitaryAccessDenied` otherwise."""
    if not allowed(party, role, action):
        raise MilitaryAccessDenied(
            f"party {party!r} with role {role.value!r} may not {action.value} military "
            "transport plans (ProRail capacity planning, Defensie, IenW and ILT only)"
        )
    return PURPOSE.get(party, "operational")


def policy_table() -> list[dict[str, str]]:
    """Who may do what with military transport requests, one row per party and action."""
    rows = []
    for (party, action), roles in POLICY.items():
        rows.append(
            {
                "party": party,
                "action": action.value,
                "roles": ", ".join(sorted(r.value for r in roles)),
            }
        )
    return rows

"""Shared helpers of the inspections tests: actors and a walk with findings."""

from __future__ import annotations

from datetime import date

from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.inspections.model import FindingInput, WalkInput


def actor(party: str, role: Role = Role.ADMIN, name: str | None = None) -> Principal:
    return Principal(0, name or f"test@{party}", name or party, party, role)


PRORAIL = actor("prorail")
NS = actor("ns")
ILT = actor("ilt")
IENW = actor("ienw")
PRORAIL_VIEWER = actor("prorail", Role.VIEWER, "viewer@prorail")

SCORES = dict(
    lighting=1,
    openness=2,
    visibility=1,
    people=2,
    security=0,
    walk_path=3,
    public_transport=3,
    gender_diversity=1,
)


def walk(
    day: date = date(2026, 3, 1),
    findings: tuple[FindingInput, ...] = (),
    station: str = "UT",
    time: str = "22:00",
    **kw,
) -> WalkInput:
    return WalkInput(
        station_code=station,
        walked_on=day,
        start_time=time,
        group="women_night",
        team="ProRail, NS, 3 reizigsters",
        scores=dict(SCORES),
        feeling=1,
        findings=findings,
        **kw,
    )


def lamp(zone: str = "platform", kind: str = "broken_lighting") -> FindingInput:
    return FindingInput(kind, zone, "high", "lamp kapot")

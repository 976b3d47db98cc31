"""Parties (organisations) and the roles of their users."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PartyKind(StrEnum):
    INFRASTRUCTURE_MANAGER = "infrastructure_manager"
    OPERATOR = "operator"
    MUNICIPALITY = "municipality"
    POLICE = "police"
    INSPECTORATE = "inspectorate"
    MINISTRY = "ministry"
    PUBLIC_SOURCE = "public_source"


class Role(StrEnum):
    """What a user may do within their own party."""

    ADMIN = "admin"
    ANALYST = "analyst"
    OPERATOR = "operator"
    FIELD_UNIT = "field_unit"
    VIEWER = "viewer"


@dataclass(frozen=True)
class PartySeed:
    code: str
    name: str
    kind: PartyKind


NATIONAL_PARTIES: tuple[PartySeed, ...] = (
    PartySeed("prorail", "ProRail", PartyKind.INFRASTRUCTURE_MANAGER),
    PartySeed("ns", "NS", PartyKind.OPERATOR),
    PartySeed("arriva", "Arriva", PartyKind.OPERATOR),
    PartySeed("keolis", "Keolis", PartyKind.OPERATOR),
    PartySeed("qbuzz", "Qbuzz", PartyKind.OPERATOR),
    PartySeed("breng", "Breng", PartyKind.OPERATOR),
    PartySeed("connexxion", "Connexxion", PartyKind.OPERATOR),
    PartySeed("politie", "Politie", PartyKind.POLICE),
    PartySeed("ilt", "Inspectie Leefomgeving en Transport", PartyKind.INSPECTORATE),
    PartySeed("ienw", "Ministerie van Infrastructuur en Waterstaat", PartyKind.MINISTRY),
    PartySeed("rdt", "Rijden de Treinen (publieke bron)", PartyKind.PUBLIC_SOURCE),
    PartySeed("defensie", "Ministerie van Defensie", PartyKind.MINISTRY),
)


def municipality_party_code(cbs_code: str) -> str:
    """The party code of a municipality: its CBS code in lower case (``GM0344`` → ``gm0344``)."""
    return cbs_code.lower()

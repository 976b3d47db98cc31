"""Demo data of the network capability: the register clearance of the demo login, the threat
register computed from the incident history, a few entries and measures compiled by hand
(labelled so), and an example scenario."""

from __future__ import annotations

from sqlalchemy import select

from perron.config import Settings
from perron.store.db import engine_for, transaction

DEMO_USER = "demo"
EXAMPLE_SCENARIO = "Voorbeeld: sabotage Meppel–Zwolle en Utrecht Centraal–Zuilen"
EXAMPLE_LINKS = ["MP-ZL", "UT-UTZL"]
#: (asset kind, asset, threat, likelihood, impact, basis) — assessments compiled by hand
HAND_ENTRIES = (
    (
        "station",
        "UT",
        "cyber",
        2,
        5,
        "demo example: traffic control and station systems at the busiest node; no incident data",
    ),
    (
        "link",
        "MP-ZL",
        "extreme_weather",
        3,
        5,
        "demo example: the only link to the north; storm and heat close it without alternative",
    ),
    (
        "link",
        "RTB-RTD",
        "supplier_dependency",
        2,
        5,
        "demo example: one supplier for the signalling of the Rotterdam node",
    ),
)
HAND_MEASURES = (
    ("MP-ZL", "extreme_weather", "Bus bridge plan Zwolle–Meppel ready within 2 hours", "prorail"),
    ("UT", "cyber", "Network segmentation of the traffic control post, yearly test", "prorail"),
)


def prepare(settings: Settings) -> str:
    """Idempotent: clearances, the computed register, hand entries and the example scenario."""
    from perron.access.accounts import Principal
    from perron.domain.parties import Role
    from perron.network import analysis, service
    from perron.store.tables.accounts import User
    from perron.store.tables.network import NetworkMeasure, NetworkScenario, NetworkThreat

    analysis.criticality("day")  # warm the cache of this process
    engine = engine_for(settings.database_url)
    with transaction(engine) as session:
        user = session.scalar(select(User).where(User.username == DEMO_USER))
        if user is None:
            return "network: no demo login"
        who = Principal(user.id, user.username, user.display_name, user.party_code, Role(user.role))
        if service.clearance_of(session, who) != "edit":
            service.grant_clearance(session, who, DEMO_USER, "edit")
        summary = service.compute_register(session, who)
        for kind, ref, threat, likelihood, impact, basis in HAND_ENTRIES:
            exists = session.scalar(
                select(NetworkThreat.id).where(
                    NetworkThreat.asset_ref == ref, NetworkThreat.threat == threat
                )
            )
            if exists is None:
                service.add_threat(session, who, kind, ref, threat, likelihood, impact, basis)
        for ref, threat, text, owner in HAND_MEASURES:
            tid = session.scalar(
                select(NetworkThreat.id).where(
                    NetworkThreat.asset_ref == ref, NetworkThreat.threat == threat
                )
            )
            have = session.scalar(
                select(NetworkMeasure.id).where(
                    NetworkMeasure.threat_id == tid, NetworkMeasure.description == text
                )
            )
            if tid is not None and have is None:
                service.add_measure(session, who, tid, text, owner, "in_progress")
        if (
            session.scalar(
                select(NetworkScenario.id).where(NetworkScenario.name == EXAMPLE_SCENARIO)
            )
            is None
        ):
            service.run_scenario(session, who, EXAMPLE_LINKS, [], "day", 4.0, EXAMPLE_SCENARIO)
        total = len(list(session.scalars(select(NetworkThreat.id))))
    return (
        f"network: criticality of 433 links and 397 stations; threat register {total} entries "
        f"({summary['created']} new from the incident history, {len(HAND_ENTRIES)} compiled by "
        f"hand); example scenario saved"
    )

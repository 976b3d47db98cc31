"""Demo data of the military capability: two example transports, labelled as demo.

Vlissingen port → Zevenaar (Emmerich border) on a weekday evening, and an urgent transport from
Rotterdam Waalhaven → Oldenzaal (Bad Bentheim border) in the afternoon that has to displace
civil trains. Planned on the real 2026 service pattern with the stated assumptions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from perron.access.accounts import Principal
from perron.config import Settings
from perron.domain.parties import Role
from perron.store.db import engine_for, transaction
from perron.store.tables.military import MilitaryRequest

DEMO_ACTOR = Principal(0, "perron-demo", "Perron demo", "prorail", Role.ADMIN)


def _next_tuesday(today: date) -> date:
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def demo_requests(today: date) -> list[dict[str, object]]:
    day = _next_tuesday(today).isoformat()
    return [
        {
            "origin": "VS",
            "destination": "ZV",
            "earliest": f"{day}T21:00",
            "length_m": 740,
            "mass_t": 2400,
            "max_speed_kmh": 100,
            "reference": "DEMO Vlissingen - Emmerich",
        },
        {
            "origin": "RTZ",
            "destination": "ODZ",
            "earliest": f"{day}T16:00",
            "latest_arrival": f"{day}T19:30",
            "length_m": 600,
            "mass_t": 2000,
            "urgent": True,
            "dangerous_goods": True,
            "rid_class": "1.4",
            "reference": "DEMO Waalhaven - Bad Bentheim (urgent)",
        },
    ]


def prepare(settings: Settings) -> str:
    """Plan and store the demo transports unless demo transports exist (idempotent)."""
    from perron.military.model import PlanningError
    from perron.military.service import plan_transport

    made = 0
    with transaction(engine_for(settings.database_url)) as session:
        existing = session.scalar(
            select(func.count()).select_from(MilitaryRequest).where(MilitaryRequest.demo)
        )
        if existing:
            return f"military: {existing} demo transports present"
        for raw in demo_requests(date.today()):
            try:
                plan_transport(session, DEMO_ACTOR, raw, demo=True)
                made += 1
            except PlanningError as exc:
                return f"military: demo transport not planned ({exc})"
    return f"military: {made} demo transports planned (labelled demo)"

"""Demo data of the inspections capability: the real public OvV recommendations named in the
rail-safety letter (compiled by hand, ``data/recommendations.csv``) and labelled synthetic walks
with findings and actions, one of them closed and then contradicted by a re-walk."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from perron.access.accounts import Principal
from perron.config import Settings
from perron.domain.parties import Role
from perron.inspections import recommendations as recs
from perron.inspections import service
from perron.inspections.model import EvidenceInput, FindingInput, WalkInput, WalkOut
from perron.store.db import engine_for, transaction
from perron.store.tables.inspections import InspectionAction, InspectionWalk, SafetyRecommendation
from perron.store.tables.reference import Station

RECOMMENDATIONS = Path(__file__).parent / "data" / "recommendations.csv"
ILT = Principal(0, "perron-demo@ilt", "Demo (ILT)", "ilt", Role.ADMIN)
PRORAIL = Principal(0, "perron-demo@prorail", "Demo (ProRail)", "prorail", Role.ADMIN)
NS = Principal(0, "perron-demo@ns", "Demo (NS)", "ns", Role.ADMIN)
SYNTHETIC_AUDIT = (
    "ref,issuer,issued_on,addressee,title,status,note\n"
    "DEMO-AUDIT-1,internal,{issued},NS,"
    '"[synthetisch] Interne audit: herstel van hulpzuilen binnen 48 uur registreren mét foto",'
    'open,"Synthetisch voorbeeld voor de demo: geen echte aanbeveling."\n'
)

#: (station, days ago, time, group, team, scores, feeling, findings)
WALKS = (
    (
        "UT",
        120,
        "21:30",
        "women_night",
        "ProRail, NS, gemeente Utrecht, 4 reizigsters",
        dict(
            lighting=1,
            openness=2,
            visibility=1,
            people=2,
            security=1,
            walk_path=2,
            public_transport=3,
            gender_diversity=1,
        ),
        1,
        (
            ("dark_corner", "bicycle_parking", "high", 0.0012, -0.0011),
            ("no_camera", "tunnel", "medium", 0.0004, 0.0009),
            ("broken_lighting", "platform", "medium", -0.0006, 0.0002),
        ),
    ),
    (
        "UT",
        110,
        "14:00",
        "elderly",
        "ProRail, NS, seniorenraad",
        dict(
            lighting=3,
            openness=2,
            visibility=3,
            people=3,
            security=2,
            walk_path=2,
            public_transport=3,
            gender_diversity=3,
        ),
        2,
        (("accessibility", "lift", "medium", 0.0002, 0.0006),),
    ),
    (
        "GVC",
        95,
        "22:15",
        "women_night",
        "ProRail, NS, gemeente Den Haag, 3 reizigsters",
        dict(
            lighting=2,
            openness=1,
            visibility=2,
            people=1,
            security=1,
            walk_path=2,
            public_transport=3,
            gender_diversity=1,
        ),
        1,
        (
            ("loitering", "forecourt", "high", 0.0010, 0.0015),
            ("blocked_sightline", "hall", "low", -0.0003, 0.0004),
        ),
    ),
    (
        "VST",
        80,
        "23:00",
        "general",
        "ProRail, NS, gemeente Voorschoten",
        dict(
            lighting=1,
            openness=1,
            visibility=1,
            people=0,
            security=0,
            walk_path=2,
            public_transport=2,
            gender_diversity=1,
        ),
        1,
        (
            ("broken_lighting", "tunnel", "high", 0.0003, 0.0002),
            ("help_point_broken", "platform", "medium", -0.0004, -0.0002),
        ),
    ),
    (
        "ASD",
        60,
        "15:30",
        "disabled",
        "ProRail, NS, Ieder(in)",
        dict(
            lighting=3,
            openness=2,
            visibility=3,
            people=3,
            security=2,
            walk_path=1,
            public_transport=3,
            gender_diversity=3,
        ),
        2,
        (("accessibility", "platform", "high", -0.0008, 0.0010),),
    ),
)


def _station_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Station.code)))


def prepare(settings: Settings) -> str:
    """Load the recommendations and the synthetic walks (idempotent)."""
    with transaction(engine_for(settings.database_url)) as session:
        recs.import_csv(session, ILT, RECOMMENDATIONS, compiled_by_hand=True)
        if session.scalar(
            select(func.count()).select_from(InspectionWalk).where(InspectionWalk.synthetic)
        ):
            return _summary(session)
        _synthetic(session)
        return _summary(session)


def _synthetic(session: Session) -> None:
    today = date.today()
    known = _station_codes(session)
    walks: dict[tuple[str, int], WalkOut] = {}
    for code, ago, time, group, team, scores, feeling, finds in WALKS:
        if code not in known:
            continue
        station = session.get(Station, code)
        assert station is not None
        findings = tuple(
            FindingInput(
                kind, zone, sev, "[synthetisch] demo", station.lat + dlat, station.lng + dlng
            )
            for kind, zone, sev, dlat, dlng in finds
        )
        walks[(code, ago)] = service.record_walk(
            session,
            PRORAIL,
            WalkInput(
                code,
                today - timedelta(days=ago),
                time,
                group,
                "[synthetisch] " + team,
                scores=scores,
                feeling=feeling,
                findings=findings,
                notes="Synthetische demoschouw.",
                synthetic=True,
            ),
        )
    actions: dict[int, int] = {}
    for walk in walks.values():
        for f in walk.findings:
            owner = service.zone_owner(session, session.get(Station, f.station_code), f.zone)  # type: ignore[arg-type]
            actor = PRORAIL if owner == "prorail" else (NS if owner == "ns" else PRORAIL)
            due = today + timedelta(days=30) if f.severity != "high" else today - timedelta(days=10)
            a = service.create_action(session, actor, due_on=due, finding_id=f.id)
            actions[f.id] = a.id
    for aid in actions.values():
        session.get(InspectionAction, aid).synthetic = True  # type: ignore[union-attr]
    # Utrecht: the broken platform lighting is registered as repaired with a work order link ...
    ut = walks.get(("UT", 120))
    if ut is not None:
        lamp = next(f for f in ut.findings if f.kind == "broken_lighting")
        service.set_action_status(
            session,
            PRORAIL,
            actions[lamp.id],
            "closed",
            "lampen vervangen",
            EvidenceInput("link", url="https://example.org/demo/werkorder-4711"),
        )
        # ... and a night walk on the day of the repair finds it broken again: re-opened
        closed = session.get(InspectionAction, actions[lamp.id])
        rewalk_day = closed.closed_at.date() if closed and closed.closed_at else today
        service.record_walk(
            session,
            PRORAIL,
            WalkInput(
                "UT",
                rewalk_day,
                "22:00",
                "women_night",
                "[synthetisch] ProRail, NS, 3 reizigsters",
                scores=dict(
                    lighting=1,
                    openness=2,
                    visibility=1,
                    people=2,
                    security=2,
                    walk_path=2,
                    public_transport=3,
                    gender_diversity=2,
                ),
                feeling=1,
                findings=(
                    FindingInput(
                        "broken_lighting", "platform", "medium", "[synthetisch] nog steeds kapot"
                    ),
                ),
                notes="Synthetische herschouw.",
                synthetic=True,
            ),
        )
    # an overdue synthetic audit recommendation, so the register shows the highlight
    if (
        session.scalar(
            select(SafetyRecommendation.id).where(SafetyRecommendation.ref == "DEMO-AUDIT-1")
        )
        is None
    ):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "demo-audit.csv"
            path.write_text(
                SYNTHETIC_AUDIT.format(issued=(today - timedelta(days=240)).isoformat())
            )
            recs.import_csv(session, ILT, path)
        rec = session.scalar(
            select(SafetyRecommendation).where(SafetyRecommendation.ref == "DEMO-AUDIT-1")
        )
        if rec is not None:
            rec.synthetic = True


def _summary(session: Session) -> str:
    walks = session.scalar(select(func.count()).select_from(InspectionWalk)) or 0
    actions = session.scalar(select(func.count()).select_from(InspectionAction)) or 0
    rec_count = session.scalar(select(func.count()).select_from(SafetyRecommendation)) or 0
    return f"inspections: {walks} walks (synthetic), {actions} actions, {rec_count} recommendations"

"""Demo evaluations, both labelled as what they are.

1. A synthetic panel on real station codes with a known effect (−20 % from staggered starts at
   eight stations): the outcome is generated, so the evaluation should find the effect.
2. A demo measure: a synthetic station deal with fences along the platforms of Amersfoort
   Centraal from January 2019 (the catalogue's fences target trespassing among others),
   evaluated on the safety-related disruptions of the real public disruption data (the outcome
   kind ``disruptions``, harm-weighted) up to 2023. No such
   measure was taken, so any "effect" found is chance; the verdict says whether it could be.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from perron.config import Settings
from perron.store.db import engine_for, transaction

DEMO_DEAL = "DEMO-EFFECT"
DEMO_STATION = "AMF"
DEMO_START = date(2019, 1, 1)
SYNTHETIC_TITLE = "Demo (synthetisch): camera's op 8 stations, ware effect −20 %"
MEASURE_TITLE = "Demo-maatregel (synthetische deal): hekwerk Amersfoort Centraal vanaf 2019-01"


def _actor() -> Any:
    from perron.access.accounts import Principal
    from perron.domain.parties import Role

    return Principal(0, "perron-demo", "Perron demo", "prorail", Role.ADMIN)


def synthetic_station_panel(session: Any, seed: int = 7) -> Any:
    """120 real stations × 72 months, a generated outcome with −20 % at eight stations."""
    from perron.effect.panel import Panel
    from perron.effect.synthetic import make_panel
    from perron.store.tables.reference import Station

    codes = list(session.scalars(select(Station.code).order_by(Station.travellers_per_day.desc())))
    codes = codes[:120]
    n = len(codes)
    p = make_panel(
        units=n,
        periods=72,
        treated=min(8, n // 3),
        effect=-0.2,
        first_start=36,
        last_start=54,
        level=12,
        seed=seed,
    )
    return Panel(
        codes,
        p.periods,
        p.y,
        p.start,
        "synthetic incidents (demo)",
        True,
        True,
        "synthetic demo panel on real station codes, true effect −20 %",
    )


def _demo_measure(session: Any) -> int | None:
    """The demo deal's measure id, creating the synthetic deal when it is not there yet."""
    from perron.programme import DealInput, MeasureInput, PartyShare, add_measure, create_deal
    from perron.store.tables.programme import DealMeasure, StationDeal
    from perron.store.tables.reference import Zone

    deal = session.scalar(select(StationDeal).where(StationDeal.code == DEMO_DEAL))
    if deal is not None:
        found = session.scalar(select(DealMeasure.id).where(DealMeasure.deal_id == deal.id))
        return int(found) if found is not None else None
    zones = set(session.scalars(select(Zone.code).where(Zone.station_code == DEMO_STATION)))
    zone = "platform" if "platform" in zones else None
    if zone is None:
        return None
    actor = _actor()
    create_deal(
        session,
        actor,
        DealInput(
            code=DEMO_DEAL,
            title="Demo: hekwerk Amersfoort Centraal (synthetisch)",
            stations=[DEMO_STATION],
            parties=[PartyShare("prorail", "lead")],
            status="running",
            signed_on=date(2018, 10, 1),
            description="Synthetic demo deal for the effect evaluation; no such measure exists.",
            synthetic=True,
        ),
        "demo of the effect evaluation",
    )
    m = add_measure(
        session,
        actor,
        DEMO_DEAL,
        MeasureInput(
            measure_code="fences",
            station=DEMO_STATION,
            zone=zone,
            owner_party="prorail",
            cost_eur=180_000,
            status="in_progress",
            planned_start=DEMO_START,
            actual_start=DEMO_START,
        ),
        "demo of the effect evaluation",
    )
    return int(m["id"])


def reading(ev: Any) -> str:
    """The evaluation in one sentence, as a person reads it: effect, interval, verdict."""
    from perron.effect.checks import pct

    shown = (
        "no effect shown (the interval includes zero)"
        if ev.ci_low <= 0 <= ev.ci_high
        else "an effect is seen"
    )
    verdict = (
        "credible" if ev.credible else "not credible: " + "; ".join(c.en for c in ev.reasons[:2])
    )
    return (
        f"{ev.outcome}: {pct(ev.relative)} (95 % interval {pct(ev.relative_ci_low)} to "
        f"{pct(ev.relative_ci_high)}) by {ev.method.replace('_', ' ')}, {shown}; {verdict}"
    )


def prepare(settings: Settings) -> str:
    from perron.effect import evaluate_measure, evaluate_panel, panel_digest, save_evaluation
    from perron.effect.service import EffectError
    from perron.store.tables.effect import EffectEvaluation

    engine = engine_for(settings.database_url)
    actor = _actor()
    notes = []
    with transaction(engine) as session:
        have = set(
            session.scalars(select(EffectEvaluation.title).where(EffectEvaluation.source == "demo"))
        )
        have |= set(
            session.scalars(
                select(EffectEvaluation.title).where(EffectEvaluation.source == "measure")
            )
        )
    if SYNTHETIC_TITLE not in have:
        with transaction(engine) as session:
            panel = synthetic_station_panel(session)
            ev = evaluate_panel(actor, panel)
            save_evaluation(
                session,
                actor,
                ev,
                title=SYNTHETIC_TITLE,
                source="demo",
                panel_sha256=panel_digest(panel),
            )
        notes.append(f"synthetic panel {ev.relative:+.0%} (true −20 %)")
    if MEASURE_TITLE not in have:
        try:
            with transaction(engine) as session:
                mid = _demo_measure(session)
            if mid is not None:
                with transaction(engine) as session:
                    ev, panel, info = evaluate_measure(
                        session,
                        actor,
                        mid,
                        until="2023-12",
                        months_before=60,
                        outcome="disruptions",
                    )
                    stored = save_evaluation(
                        session,
                        actor,
                        ev,
                        title=MEASURE_TITLE,
                        source="measure",
                        panel_sha256=panel_digest(panel),
                        measure_id=str(mid),
                        measure=info,
                    )
                notes.append(f"demo measure {mid}: {reading(ev)} (/effect/{stored.id})")
        except (EffectError, ModuleNotFoundError) as exc:
            notes.append(f"demo measure not evaluated: {exc}")
    return "effect evaluations: " + ("; ".join(notes) if notes else "already there")

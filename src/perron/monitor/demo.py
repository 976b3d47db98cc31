"""Demo data of the monitor: the synthetic survey 2023-2025 (labelled synthetic everywhere)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from perron.access.actors import installation
from perron.config import Settings
from perron.monitor import service
from perron.monitor.generator import DEFAULT_YEARS, RESPONSES_PER_YEAR, synthetic_source
from perron.store.db import engine_for, transaction
from perron.store.tables.monitor import SurveyResponse

DEMO_SEED = 2025
#: the demo's preparation acts as the installation
DEMO_ACTOR = installation("perron-demo")


def _present(session) -> bool:
    """True when the demo survey of every default year is already in the store."""
    for year in DEFAULT_YEARS:
        n = session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(
                SurveyResponse.source == synthetic_source(DEMO_SEED),
                SurveyResponse.response_date >= date(year, 1, 1),
                SurveyResponse.response_date <= date(year, 12, 31),
            )
        )
        if n != RESPONSES_PER_YEAR:
            return False
    return True


def prepare(settings: Settings) -> str:
    """Generate the synthetic survey once (idempotent) and summarise its headline figures."""
    engine = engine_for(settings.database_url)
    with transaction(engine) as session:
        added = not _present(session)
        if added:
            service.generate_into(session, DEMO_ACTOR, DEMO_SEED, DEFAULT_YEARS)
    with transaction(engine) as session:
        last, prev = DEFAULT_YEARS[-1], DEFAULT_YEARS[-2]
        national = service.scores(
            session, DEMO_ACTOR, "analysis", year=last, items=["safe_evening"]
        )["national"]
        below = service.below_threshold(session, DEMO_ACTOR, "analysis", prev)
    state = "generated" if added else "present"
    return (
        f"monitor: synthetic survey {DEFAULT_YEARS[0]}–{last} {state} "
        f"({RESPONSES_PER_YEAR * len(DEFAULT_YEARS):,} responses, seed {DEMO_SEED}); "
        f"evening safety {last}: {national['mean']:.1f}; stations under 6.0: "
        f"{below['previous_count']} ({prev - 1}) → {below['count']} ({prev}) [synthetisch]"
    )

"""Computed monitor reports are kept per data version and recomputed after any change."""

from __future__ import annotations

import pytest

from perron.access.actors import installation
from perron.monitor import service, store
from perron.monitor.generator import Targets
from perron.store.db import make_engine, transaction

ACTOR = installation("cli:test")

SMALL = Targets(
    responses_per_year=6000,
    evening_national={2024: 6.9},
    below_threshold={2023: 3},
    overall_national={2023: 7.2},
    overall_range={},
)


@pytest.fixture
def eng(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_reports_are_reused_until_the_responses_change(eng):
    with transaction(eng) as s:
        service.generate_into(s, ACTOR, 5, [2023, 2024], targets=SMALL)
    with transaction(eng) as s:
        first = service.scores(s, ACTOR, "analysis", year=2024)
        below = service.below_threshold(s, ACTOR, "analysis", 2024)
        mapped = service.map_scores(s, ACTOR, "analysis", 2024)
        assert service.survey_years(s, ACTOR, "analysis")["years"] == [2023, 2024]
    with transaction(eng) as s:  # a new request: the same computed reports
        assert service.scores(s, ACTOR, "analysis", year=2024) is first
        assert service.below_threshold(s, ACTOR, "analysis", 2024) is below
        assert service.map_scores(s, ACTOR, "analysis", 2024) is mapped
        assert (
            service.scores(s, ACTOR, "analysis", year=2023) is not first
        )  # other arguments, other report
    # the same seed and sizes again: the same number of rows, the same scores, and on SQLite
    # even the same ids; the reports are computed afresh all the same
    with transaction(eng) as s:
        service.generate_into(s, ACTOR, 5, [2023, 2024], targets=SMALL)
        inside = service.scores(
            s, ACTOR, "analysis", year=2024
        )  # read in the writing transaction: fresh
        assert inside is not first
    with transaction(eng) as s:
        again = service.scores(s, ACTOR, "analysis", year=2024)
        assert again is not first and again is not inside
        assert again["national"]["mean"] == pytest.approx(first["national"]["mean"])
    # another seed: other responses, other scores
    with transaction(eng) as s:
        service.generate_into(s, ACTOR, 6, [2024], targets=SMALL)
    with transaction(eng) as s:
        assert service.scores(s, ACTOR, "analysis", year=2024) is not first
        assert service.below_threshold(s, ACTOR, "analysis", 2024) is not below
        now = service.map_scores(s, ACTOR, "analysis", 2024)
        means = [st["mean"] for st in now["stations"]]
        assert means != [st["mean"] for st in mapped["stations"]]  # calibrated nationally only


def test_another_process_writing_changes_the_version(eng):
    with transaction(eng) as s:
        service.generate_into(s, ACTOR, 5, [2023], targets=SMALL)
    with transaction(eng) as s:
        before = store.version(s)
        assert store.version(s) is before  # read once per session
    # rows added behind this process's back (as another process would): the id range moves
    with eng.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO survey_response (source, respondent_ref, response_date, station_code,"
            " part_of_day, gender, age_band, frequency, safe_evening, synthetic)"
            " SELECT source, respondent_ref || 'x', response_date, station_code, part_of_day,"
            " gender, age_band, frequency, safe_evening, synthetic FROM survey_response"
            " WHERE id = (SELECT max(id) FROM survey_response)"
        )
    with transaction(eng) as s:
        assert store.version(s) != before

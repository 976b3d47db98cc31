"""Disclosure control: complementary suppression, the noise's distribution, the budget ledger."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import select

from perron.domain.parties import Role
from perron.joint import disclosure
from perron.joint.service import Actor, JointError, _spend, budget
from perron.store.db import transaction
from perron.store.tables.joint import PrivacyBudget, PrivacySpend


def test_a_lone_small_cell_cannot_be_recovered_from_the_total():
    # one line: cells 3 (small), 9, 12, 0; the total 24 is published
    shown = [None, 9, 12, 0]
    withheld = disclosure.complementary(shown, [True, False, False, False], [[0, 1, 2, 3]], [24], 5)
    assert withheld == [True, True, False, False]  # the smallest shown cell goes with it
    hidden_sum = 24 - sum(v for v, w in zip(shown, withheld, strict=True) if not w and v)
    assert hidden_sum >= 5


def test_two_small_cells_adding_up_under_five_take_a_third_with_them():
    shown = [None, None, 7, 20]
    withheld = disclosure.complementary(
        shown, [True, True, False, False], [[0, 1, 2, 3]], [1 + 2 + 7 + 20], 5
    )
    assert withheld == [True, True, True, False]


def test_lines_without_small_cells_are_left_alone():
    shown = [5, 9, 12]
    assert disclosure.complementary(shown, [False] * 3, [[0, 1, 2]], [26], 5) == [False] * 3


def test_the_noise_follows_the_discrete_laplace_it_claims():
    scale = 3.0
    draws = np.asarray(disclosure.sample_noise(scale, 40_000))
    assert draws.dtype.kind == "i"
    ks = np.arange(-12, 13)
    expected = disclosure.discrete_laplace_pmf(ks, scale) * draws.size
    observed = np.array([(draws == k).sum() for k in ks])
    tail = draws.size - observed.sum()
    expected_tail = draws.size - expected.sum()
    chi2 = stats.chisquare(
        np.append(observed, tail), np.append(expected, expected_tail) * 1.0, ddof=0
    )
    assert chi2.pvalue > 1e-4, chi2
    # and the figure shown beside a published number is this noise's spread, for 3 parties
    sums = draws[:39_999].reshape(-1, 3).sum(axis=1)
    assert abs(sums.std() / disclosure.noise_sd(scale, 3) - 1) < 0.05
    assert abs(draws.mean()) < 0.1


def test_epsilon_sets_the_scale_with_one_report_per_party():
    assert disclosure.laplace_scale(0.5, 3) == 6.0
    with pytest.raises(ValueError):
        disclosure.laplace_scale(0, 3)


ACTOR = Actor("cli:test", "ns", Role.ADMIN)


def test_the_ledger_refuses_a_query_once_the_years_budget_is_spent(engine):
    with transaction(engine) as s:
        _spend(s, ACTOR, "ns:incidents:count", [2024], 0.6, "a" * 64, 1.0)
    with (
        pytest.raises(JointError, match="budget of ns:incidents:count for 2024 is spent"),
        transaction(engine) as s,
    ):
        _spend(s, ACTOR, "ns:incidents:count", [2023, 2024], 0.5, "b" * 64, 1.0)
    with transaction(engine) as s:  # refused whole: 2023 was not charged either
        assert budget(s, ACTOR) == [
            {
                "dataset": "ns:incidents:count",
                "year": 2024,
                "budget": 1.0,
                "spent": 0.6,
                "left": 0.4,
            }
        ]
        _spend(s, ACTOR, "ns:incidents:count", [2024], 0.4, "c" * 64, 1.0)
        assert len(s.scalars(select(PrivacySpend)).all()) == 2


@pytest.mark.postgres
def test_two_runs_at_once_cannot_overspend(engine):
    with transaction(engine) as s:
        _spend(s, ACTOR, "ns:incidents:count", [2024], 0.1, "0" * 64, 1.0)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def one(i: int) -> None:
        barrier.wait()
        try:
            with transaction(engine) as s:
                _spend(s, ACTOR, "ns:incidents:count", [2024], 0.4, f"{i}" * 64, 1.0)
            outcomes.append("spent")
        except JointError:
            outcomes.append("refused")
        except Exception as exc:  # SQLite: the second writer waits, then finds it spent
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with transaction(engine) as s:
        row = s.scalar(select(PrivacyBudget))
        assert row is not None and row.spent <= row.budget + 1e-9
    assert outcomes.count("spent") == 2, outcomes


def test_a_noisy_query_needs_an_epsilon():
    from perron.joint.service import make_query

    with pytest.raises(JointError, match="epsilon"):
        make_query(date(2024, 1, 1), date(2024, 6, 30), privacy="noisy")
    with pytest.raises(JointError, match="epsilon"):
        make_query(date(2024, 1, 1), date(2024, 6, 30), privacy="noisy", epsilon=50)


def test_the_response_measure_counts_a_partys_alerts_per_response_class(session):
    from datetime import UTC, datetime, timedelta

    from perron.joint.measures import measure, response_bucket
    from perron.joint.service import make_query
    from perron.store.tables.live import Alert

    assert [response_bucket(m) for m in (0, 4.9, 5, 14, 29.9, 30, 300)] == [
        "0-5",
        "0-5",
        "5-10",
        "10-15",
        "15-30",
        "30+",
        "30+",
    ]
    base = datetime(2024, 3, 5, 20, 0, tzinfo=UTC)

    def alert(i, party, minutes):
        return Alert(
            dedup_key=f"k{i}",
            rule_id="r",
            station_code="UT",
            domain="station",
            severity="high",
            initial_severity="high",
            subcategory="assault",
            title_nl="t",
            title_en="t",
            state="resolved",
            responsible_party=party,
            event_ids=[],
            detail={},
            synthetic=True,
            first_event_at=base,
            last_event_at=base,
            created_at=base,
            updated_at=base,
            on_scene_at=None if minutes is None else base + timedelta(minutes=minutes),
        )

    session.add_all(
        [
            alert(1, "ns", 3),
            alert(2, "ns", 12),
            alert(3, "ns", 12),
            alert(4, "politie", 1),
            alert(5, "ns", None),
        ]
    )
    session.commit()
    q = make_query(date(2024, 1, 1), date(2024, 6, 30), measure_name="response")
    got = measure("response")(session, "ns", q)
    cells = dict(zip(q.cells(), got.values, strict=True))
    assert cells[("UT", "2024-03", "0-5")] == 1
    assert cells[("UT", "2024-03", "10-15")] == 2
    assert sum(got.values) == 3 and got.synthetic


def test_the_harm_measure_weighs_each_category(session):
    from perron.joint.measures import measure
    from perron.joint.service import make_query
    from perron.programme.catalogue import load_harm_weights
    from perron.registry.importers import import_file
    from perron.registry.profiles import load_profile

    rows = "ref,category,occurred_at,station\n" + "".join(
        f"h{i},{cat},2024-02-0{1 + i % 5}T21:00:00+01:00,UT\n"
        for i, cat in enumerate(["aggression_staff_physical"] * 2 + ["nuisance"] * 3)
    )
    import_file(
        session, Path("ns.csv"), "ns", load_profile("generic", "ns"), "t", data=rows.encode()
    )
    session.commit()
    q = make_query(date(2024, 1, 1), date(2024, 3, 31), measure_name="harm")
    got = measure("harm")(session, "ns", q)
    w = load_harm_weights()
    at = q.cells().index(("UT", "2024-02", "social_safety"))
    assert got.values[at] == 5
    assert got.weighted is not None
    expected = 2 * w.of("aggression_staff_physical") + 3 * w.of("nuisance")
    assert got.weighted[at] == round(10 * expected)
    with pytest.raises(JointError, match="harm"):
        make_query(
            date(2024, 1, 1), date(2024, 3, 31), measure_name="harm", privacy="noisy", epsilon=1
        )

"""The estimators on generated panels where the truth is known (seeded, real statistics)."""

import pytest

from perron.effect import Options, make_panel, run

FAST = Options(seed=11, replicates=199, placebos=29)


def _covers(ev, truth):
    return ev.relative_ci_low <= truth <= ev.relative_ci_high


@pytest.mark.parametrize("seed", [1, 2])
def test_staggered_true_effect_of_minus_20_percent_is_recovered(seed):
    panel = make_panel(units=80, periods=48, treated=25, effect=-0.2, seed=seed)
    ev = run(panel, "auto", FAST)
    assert ev.method == "imputation_poisson"
    assert _covers(ev, -0.2)
    assert ev.relative_ci_high < 0  # and it is seen
    assert ev.ci_low < ev.att < ev.ci_high < 0
    assert ev.credible, [c.en for c in ev.reasons]
    # the absolute effect is the relative one times the counterfactual level
    assert ev.att == pytest.approx(ev.relative * ev.counterfactual, rel=1e-6)


def test_zero_effect_interval_covers_zero():
    panel = make_panel(units=80, periods=48, treated=25, effect=0.0, seed=3)
    ev = run(panel, "auto", FAST)
    assert ev.ci_low <= 0 <= ev.ci_high
    assert ev.relative_ci_low <= 0 <= ev.relative_ci_high


def test_regression_to_the_mean_is_not_reported_as_a_credible_fall():
    """Stations picked for a high pre-period, no true effect: a plain before/after shows a
    fall; the estimator does not report one as credible."""
    panel = make_panel(units=120, periods=48, treated=15, effect=0.0, rtm=True, seed=5)
    naive = run(panel, "auto", FAST).naive_change
    assert naive is not None and naive < -0.10  # the naive reading: a fall of over 10 %
    ev = run(panel, "auto", FAST)
    assert not ev.credible
    codes = {c.code for c in ev.reasons}
    assert "regression_to_mean" in codes
    assert ev.relative_ci_low <= 0 <= ev.relative_ci_high or not ev.credible
    assert abs(ev.relative) < abs(naive)


def test_violated_parallel_trends_is_not_credible():
    panel = make_panel(units=80, periods=48, treated=25, effect=0.0, trend_gap=0.2, seed=6)
    ev = run(panel, "auto", FAST)
    assert ev.pre_trend_p is not None and ev.pre_trend_p < 0.05
    assert not ev.credible
    assert "pre_trends" in {c.code for c in ev.reasons}
    assert any("Already before the start" in c.en for c in ev.reasons)
    assert any("Al vóór de start" in c.nl for c in ev.reasons)


def test_event_study_has_leads_and_simultaneous_bands():
    panel = make_panel(units=80, periods=48, treated=25, effect=-0.2, seed=1)
    ev = run(panel, "auto", FAST)
    leads = [p for p in ev.event if p.e < 0]
    lags = [p for p in ev.event if p.e >= 0]
    assert len(leads) == 12 and lags
    assert all(p.low <= p.att <= p.high for p in ev.event)
    # leads centre on zero, lags on the effect
    assert sum(p.low <= 0 <= p.high for p in leads) >= 11
    assert sum(p.relative < -0.05 for p in lags if p.relative is not None) > len(lags) // 2


def test_linear_outcome_uses_the_linear_imputation():
    panel = make_panel(units=60, periods=40, treated=20, effect=-0.2, counts=False, seed=8)
    ev = run(panel, "auto", FAST)
    assert ev.method == "imputation_linear" and not ev.counts
    assert _covers(ev, -0.2)


def test_synthetic_control_for_one_treated_station_shows_donor_weights():
    panel = make_panel(
        units=50,
        periods=60,
        treated=1,
        first_start=40,
        last_start=40,
        level=40,
        effect=-0.2,
        seed=9,
    )
    ev = run(panel, "auto", Options(seed=2, placebos=49))
    assert ev.method == "synthetic_control"
    assert _covers(ev, -0.2)
    assert ev.donors and abs(sum(d["weight"] for d in ev.donors) - 1) < 0.01
    assert all(d["weight"] >= 0 for d in ev.donors)
    assert ev.leave_one_out and ev.placebo_p is not None
    assert ev.pre_trend_p is not None


def test_synthetic_control_zero_effect_covers_zero():
    panel = make_panel(
        units=50,
        periods=60,
        treated=2,
        first_start=40,
        last_start=44,
        level=40,
        effect=0.0,
        seed=10,
    )
    ev = run(panel, "synthetic_control", Options(seed=2, placebos=49))
    assert ev.relative_ci_low <= 0 <= ev.relative_ci_high


def test_seeded_results_are_reproducible():
    panel = make_panel(units=40, periods=30, treated=10, seed=12)
    a = run(panel, "auto", Options(seed=3, replicates=49, placebos=9))
    b = run(panel, "auto", Options(seed=3, replicates=49, placebos=9))
    assert a.as_dict() == b.as_dict()


def test_no_treated_or_all_treated_or_unknown_method_is_refused():
    from perron.effect import PanelError

    p = make_panel(units=10, periods=20, treated=3, seed=1)
    with pytest.raises(PanelError, match="unknown method"):
        run(p, "twfe")
    none = p.subset(p.never)
    with pytest.raises(PanelError, match="no unit is treated"):
        run(none)
    every = p.subset(p.treated)
    with pytest.raises(PanelError, match="every unit is treated"):
        run(every)


def test_power_of_a_planned_measure_grows_with_the_number_of_stations():
    from perron.access.accounts import Principal
    from perron.domain.parties import Role
    from perron.effect import EffectError, plan_power

    actor = Principal(0, "x", "x", "prorail", Role.ANALYST)
    panel = make_panel(units=60, periods=48, treated=10, effect=-0.2, seed=14)
    free = [u for i, u in enumerate(panel.units) if panel.start[i] < 0]
    one = plan_power(actor, panel, free[:1], months_after=12)
    many = plan_power(actor, panel, free[:15], months_after=12)
    assert one.method == "synthetic_control" and many.method == "imputation_poisson"
    assert 0 < many.mde_relative < one.mde_relative <= 1
    assert "15 station(s)" in many.note_en and "15 station(s)" in many.note_nl
    with pytest.raises(EffectError, match="unknown unit"):
        plan_power(actor, panel, ["NOPE"])

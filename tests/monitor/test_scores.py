"""Weighted means, intervals and weights against an independent computation (statsmodels)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from perron.monitor import scores as sc
from perron.monitor.model import AGE_BANDS, DEFAULT_POPULATION, GENDERS, ITEMS, Population


def reference(y, w):
    """Weighted mean, SE and 95 % interval from a WLS on a constant with HC1 errors."""
    y, w = np.asarray(y, float), np.asarray(w, float)
    fit = sm.WLS(y, np.ones((len(y), 1)), weights=w).fit(cov_type="HC1", use_t=True)
    low, high = fit.conf_int(0.05)[0]
    return fit.params[0], fit.bse[0], low, high


def test_hand_made_data_matches_statsmodels_and_hand_computation():
    y = np.array([5, 7, 8, 6, 9, 4, 7, 7, 10, 3], float)
    w = np.array([1.0, 0.5, 2.0, 1.5, 1.0, 0.8, 1.2, 0.7, 1.1, 0.2])
    res = sc.weighted_stats(y, w, np.zeros(10, dtype=np.int64), 1)
    mean = (w * y).sum() / w.sum()
    var = 10 / 9 * ((w * (y - mean)) ** 2).sum() / w.sum() ** 2
    assert res["mean"][0] == pytest.approx(mean, rel=1e-12)
    assert res["se"][0] == pytest.approx(np.sqrt(var), rel=1e-12)
    ref_mean, ref_se, ref_low, ref_high = reference(y, w)
    assert res["mean"][0] == pytest.approx(ref_mean, rel=1e-10)
    assert res["se"][0] == pytest.approx(ref_se, rel=1e-10)
    assert res["ci_low"][0] == pytest.approx(ref_low, rel=1e-10)
    assert res["ci_high"][0] == pytest.approx(ref_high, rel=1e-10)


def test_missing_answers_are_left_out_per_item():
    y = np.array([5, np.nan, 8, 6, np.nan, 4], float)
    w = np.array([1.0, 9.0, 2.0, 1.5, 9.0, 0.8])
    res = sc.weighted_stats(y, w, np.zeros(6, dtype=np.int64), 1)
    ok = ~np.isnan(y)
    ref_mean, ref_se, *_ = reference(y[ok], w[ok])
    assert res["n"][0] == 4
    assert res["mean"][0] == pytest.approx(ref_mean)
    assert res["se"][0] == pytest.approx(ref_se)


def _frame(rng, n):
    return pd.DataFrame(
        {
            "station_code": rng.choice(["A", "B", "C"], n),
            "year": rng.choice([2023, 2024], n),
            "gender": rng.choice(GENDERS, n, p=[0.4, 0.55, 0.05]),
            "age_band": rng.choice(AGE_BANDS, n),
            "size_class": "small",
            **{item: rng.integers(1, 11, n).astype(float) for item in ITEMS},
        }
    )


def test_poststratification_reproduces_the_population_per_year():
    rng = np.random.default_rng(3)
    frame = sc.add_weights(_frame(rng, 4000))
    for _, part in frame.groupby("year"):
        assert part["weight"].mean() == pytest.approx(1.0)
        shares = part.groupby(["gender", "age_band"])["weight"].sum() / part["weight"].sum()
        for (g, a), share in shares.items():
            assert share == pytest.approx(DEFAULT_POPULATION.cells[(g, a)], rel=1e-9)
        # independent: weight = population share / sample share of the cell
        sample = part.groupby(["gender", "age_band"])["weight"].transform("size") / len(part)
        expected = [
            DEFAULT_POPULATION.cells[(g, a)]
            for g, a in zip(part.gender, part.age_band, strict=True)
        ]
        np.testing.assert_allclose(part["weight"], np.array(expected) / sample, rtol=1e-12)


def test_empty_cells_share_is_spread_over_the_observed_cells():
    frame = pd.DataFrame({"gender": ["man", "man", "vrouw"], "age_band": ["16-24"] * 3})
    pop = Population.from_margins({"man": 1, "vrouw": 3, "anders": 0}, {"16-24": 1, "65+": 1})
    w = sc.poststrat_weights(frame.gender, frame.age_band, [1, 1, 1], pop)
    # observed cells man|16-24 (share .125) and vrouw|16-24 (.375), renormalised to .25 / .75
    np.testing.assert_allclose(w, [0.25 * 3 / 2, 0.25 * 3 / 2, 0.75 * 3 / 1])


def test_grouped_scores_match_statsmodels_per_group_and_small_groups_are_suppressed():
    rng = np.random.default_rng(11)
    frame = sc.add_weights(_frame(rng, 3000))
    frame.loc[frame.index[:40], "station_code"] = "D"  # a group that ...
    frame.loc[frame.index[:40], "year"] = 2025  # ... has 40 answers in 2025
    frame.loc[frame.index[:15], "safe_evening"] = np.nan  # 25 answers left: suppressed
    frame = sc.add_weights(frame.drop(columns="weight"))
    table = sc.score_table(frame, ["station_code", "year"], ["safe_evening", "overall"])
    for _, row in table.iterrows():
        part = frame[(frame.station_code == row.station_code) & (frame.year == row.year)]
        ok = part[row["item"]].notna()
        assert row["n"] == ok.sum()
        if row["n"] < 30:
            assert row["suppressed"] and np.isnan(row["mean"]) and np.isnan(row["ci_low"])
            assert sc.estimate_dict(row)["mean"] is None
            continue
        mean, se, low, high = reference(part.loc[ok, row["item"]], part.loc[ok, "weight"])
        assert row["mean"] == pytest.approx(mean, rel=1e-10)
        assert row["se"] == pytest.approx(se, rel=1e-9)
        assert row["ci_low"] == pytest.approx(low, rel=1e-9)
        assert row["ci_high"] == pytest.approx(high, rel=1e-9)
    suppressed = table[(table.station_code == "D") & (table["item"] == "safe_evening")]
    assert suppressed["suppressed"].item() and suppressed["n"].item() == 25


def test_population_from_file(tmp_path):
    path = tmp_path / "pop.json"
    path.write_text('{"cells": {"man|16-24": 1, "vrouw|16-24": 3}}')
    pop = Population.from_file(path)
    assert pop.cells == {("man", "16-24"): 0.25, ("vrouw", "16-24"): 0.75}
    path.write_text('{"cells": {"robot|16-24": 1}}')
    with pytest.raises(ValueError, match="unknown cell"):
        Population.from_file(path)


def test_one_pass_tables_equal_the_direct_tables():
    rng = np.random.default_rng(5)
    frame = _frame(rng, 5000)
    frame["size_class"] = np.where(frame.station_code == "A", "large", "small")
    frame.loc[frame.index[::7], "overall"] = np.nan
    frame = sc.add_weights(frame)
    groupings = [["station_code", "year"], ["year"], ["year", "gender"], []]
    fast = sc.score_tables(frame, groupings, ["safe_evening", "overall"], min_responses=30)
    for by, table in zip(groupings, fast, strict=True):
        direct = sc.score_table(frame, by, ["safe_evening", "overall"], min_responses=30)
        assert table["n"].tolist() == direct["n"].tolist()
        for col in ("mean", "se", "ci_low", "ci_high"):
            np.testing.assert_allclose(table[col], direct[col], rtol=1e-10)

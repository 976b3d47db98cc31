"""The synthetic survey at full size reproduces the published figures through the real scorer."""

import numpy as np
import pandas as pd
import pytest

from perron.monitor import scores as sc
from perron.monitor.generator import generate, reference_stations

SEED = 20231


@pytest.fixture(scope="module")
def stations():
    return reference_stations()


@pytest.fixture(scope="module")
def survey(stations):
    """Three years at full size (about 83,000 responses each) — a few seconds."""
    return generate(stations, seed=SEED)


@pytest.fixture(scope="module")
def weighted(survey):
    return sc.add_weights(survey.frame)


def _year(weighted, year):
    return weighted[weighted.year == year]


def test_size_and_allocation_in_proportion_to_travellers(survey, stations):
    frame = survey.frame
    assert survey.years == (2023, 2024, 2025)
    assert frame.groupby("year").size().to_dict() == {2023: 83_000, 2024: 83_000, 2025: 83_000}
    counts = frame[frame.year == 2024].groupby("station_code").size()
    share = stations.set_index("code")["travellers_per_day"]
    expected = 83_000 * share / share.sum()
    big = expected[expected > 500].index
    ratio = counts.reindex(big) / expected[big]
    assert ratio.between(0.85, 1.15).all()  # multinomial noise only
    assert frame["synthetic"].all() and frame["source"].str.startswith("synthetic").all()


def test_national_and_gender_evening_safety(weighted):
    report = sc.scores_report(_year(weighted, 2025))
    assert report["national"]["item"] == "safe_evening"
    assert report["national"]["mean"] == pytest.approx(6.9, abs=0.01)
    by = report["by_gender"]
    assert by["vrouw"]["mean"] == pytest.approx(6.5, abs=0.1)
    assert by["man"]["mean"] == pytest.approx(7.4, abs=0.1)
    assert by["anders"]["mean"] < by["vrouw"]["mean"] - 0.3
    for year in (2023, 2024):  # no published national figure: stays near it
        assert sc.scores_report(_year(weighted, year))["national"]["mean"] == pytest.approx(
            6.9, abs=0.2
        )


def test_published_counts_of_stations_below_six_after_19h(weighted):
    assert sc.count_below(_year(weighted, 2023)) == 50
    assert sc.count_below(_year(weighted, 2024)) == 55


def test_medium_stations_least_safe_then_small_then_large(weighted):
    for year in (2023, 2024, 2025):
        by = sc.scores_report(_year(weighted, year))["by_size_class"]
        assert by["medium"]["mean"] < by["small"]["mean"] < by["large"]["mean"]
        # the differences are larger than the intervals
        assert by["medium"]["ci_high"] < by["small"]["ci_low"]
        assert by["small"]["ci_high"] < by["large"]["ci_low"]


def test_overall_grade_and_its_range_in_2023(weighted):
    frame = _year(weighted, 2023)
    national = sc.scores_report(frame)["national"]["items"]["overall"]
    assert national["mean"] == pytest.approx(7.2, abs=0.02)
    means = sc.station_means(frame, "overall")["mean"].dropna()
    assert means.min() == pytest.approx(4.6, abs=0.1)
    assert means.max() == pytest.approx(8.7, abs=0.1)


def test_small_stations_are_suppressed_not_counted(weighted):
    table = sc.station_means(_year(weighted, 2023))
    suppressed = table[table["suppressed"]]
    assert len(suppressed) > 0 and (suppressed["n"] < 30).all()
    assert suppressed["mean"].isna().all()


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Column by column equality (NaN equal to NaN); fast for categorical columns."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for col in a.columns:
        x, y = a[col], b[col]
        if isinstance(x.dtype, pd.CategoricalDtype):
            assert list(x.cat.categories) == list(y.cat.categories), col
            assert np.array_equal(x.cat.codes.to_numpy(), y.cat.codes.to_numpy()), col
        elif x.dtype.kind == "f":
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True), col
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), col


def test_reproducible_from_the_seed(survey, stations):
    # a year generated alone equals the same year generated with the others
    again = generate(stations, seed=SEED, years=[2024])
    first = survey.frame[survey.frame.year == 2024].reset_index(drop=True)
    assert_same(first, again.frame.reset_index(drop=True))
    other = generate(stations, seed=SEED + 1, years=[2023]).frame
    first = survey.frame[survey.frame.year == 2023].reset_index(drop=True)
    assert not np.array_equal(other["safe_evening"].to_numpy(), first["safe_evening"].to_numpy())
    assert sc.count_below(sc.add_weights(other)) == 50  # calibrated for any seed


def test_scores_on_generated_data_match_statsmodels(weighted):
    import statsmodels.api as sm

    frame = _year(weighted, 2024)
    table = sc.score_table(frame, ["station_code"], ["safe_evening"]).set_index("station_code")
    for code in ("UT", "ASD", "DDR"):
        part = frame[(frame.station_code == code) & frame.safe_evening.notna()]
        fit = sm.WLS(part.safe_evening, np.ones(len(part)), weights=part.weight).fit(
            cov_type="HC1", use_t=True
        )
        low, high = fit.conf_int(0.05).to_numpy()[0]
        assert table.at[code, "mean"] == pytest.approx(fit.params.iloc[0], rel=1e-10)
        assert table.at[code, "ci_low"] == pytest.approx(low, rel=1e-9)
        assert table.at[code, "ci_high"] == pytest.approx(high, rel=1e-9)

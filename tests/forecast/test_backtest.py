import csv
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from forecast.synth import row, write_synthetic
from perron.forecast.backtest import run_backtest

W1 = date(2021, 1, 4)
W2 = W1 + timedelta(days=7)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("fc")
    a = write_synthetic(d / "a.csv", start="2019-01-01", days=760)
    b = d / "b.csv"
    # b = a plus extra incidents from the second forecast week on, at hot and quiet stations
    with a.open() as fa, b.open("w", newline="") as fb:
        fb.write(fa.read())
        w = csv.writer(fb)
        for k in range(40):
            t = datetime.combine(W2, datetime.min.time()) + timedelta(hours=5 * k + 1)
            w.writerow(row(90000 + k, ["HRL", "UT", "DV", "NA"][k % 4], "vandalisme", t))
    return a, b


def _run(path):
    return run_backtest(path, W1, W1 + timedelta(days=20), refit_every=1, keep_forecasts=True)


@pytest.fixture(scope="module")
def reports(files):
    return _run(files[0]), _run(files[1])


def test_no_information_from_the_forecast_week_leaks(reports):
    ra, rb = reports
    assert ra["origins"][:2] == [W1.isoformat(), W2.isoformat()]
    for name, fa in ra["forecasts"].items():
        fb = rb["forecasts"][name]
        # weeks 1 and 2 are forecast from data before 2021-01-11 only: identical forecasts
        np.testing.assert_array_equal(fa[0], fb[0], err_msg=name)
        np.testing.assert_array_equal(fa[1], fb[1], err_msg=name)
    # the perturbation is real: it changes what was observed and what is forecast later
    assert rb["incidents"] == pytest.approx(ra["incidents"] + 40)
    later = [
        n
        for n in ra["forecasts"]
        if not np.array_equal(ra["forecasts"][n][2], rb["forecasts"][n][2])
    ]
    for name in ("poisson_glm", "gradient_boosting", "self_exciting", "empirical_bayes", "blend"):
        assert name in later, name


def test_report_shape_and_models_find_the_hot_stations(reports):
    r = reports[0]
    kinds = {m["name"]: m["kind"] for m in r["models"]}
    assert kinds["historical_average"] == "baseline" and kinds["last_4_weeks"] == "baseline"
    assert kinds["seasonal_naive_week"] == "baseline"
    assert kinds["poisson_glm"] == kinds["gradient_boosting"] == kinds["self_exciting"] == "model"
    assert kinds["hindsight_bound"] == "bound"
    for m in r["models"]:
        assert set(m["hit_rate"]) == set(m["pai"]) == {"5", "10", "20"}
        assert m["pai"]["5"] == pytest.approx(m["hit_rate"]["5"] / 0.05)
        assert m["deviance"] > 0
        assert len(m["calibration"]) == 10
    by = {m["name"]: m for m in r["models"]}
    # eight hot stations out of 397 hold every incident: ranking them first gives a high PAI
    assert by["poisson_glm"]["pai"]["5"] > 5
    assert by["gradient_boosting"]["pai"]["5"] > 5
    best = r["best_baseline"]["pai"]
    assert by["hindsight_bound"]["pai"]["20"] >= best["20"]
    assert set(by["poisson_glm"]["gap_closed"]) == {"5", "10", "20"}
    assert r["weeks"] == 3 and r["cells_per_week"] == r["stations"] * 7 * 6

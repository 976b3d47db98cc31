import math

import numpy as np
import pytest

from perron.forecast.metrics import (
    Accumulator,
    calibration_table,
    captured,
    hit_rate,
    pai,
    poisson_deviance,
)


def test_hit_rate_and_pai_by_hand():
    # 20 cells; 5 % = 1 cell, 10 % = 2 cells, 20 % = 4 cells
    f = np.arange(20, 0, -1, dtype=float)  # cell 0 ranked first
    y = np.zeros(20)
    y[0], y[1], y[5], y[19] = 2, 1, 1, 4  # 8 incidents
    assert hit_rate(y, f, 0.05) == pytest.approx(2 / 8)
    assert hit_rate(y, f, 0.10) == pytest.approx(3 / 8)
    assert hit_rate(y, f, 0.20) == pytest.approx(3 / 8)
    assert pai(y, f, 0.05) == pytest.approx((2 / 8) / 0.05)
    assert pai(y, f, 0.20) == pytest.approx((3 / 8) / 0.20)


def test_ties_share_the_cut_off_pro_rata():
    y = np.array([1.0, 0.0, 0.0, 3.0])
    flat = np.ones(4)
    assert captured(y, flat, 0.5) == pytest.approx(2.0)  # half of the mass of a flat forecast
    f = np.array([5.0, 1.0, 1.0, 1.0])  # top cell alone, then three tied
    assert captured(y, f, 0.5) == pytest.approx(1.0 + 3.0 / 3)


def test_poisson_deviance_by_hand():
    y = np.array([0.0, 1.0, 3.0])
    mu = np.array([0.5, 1.0, 1.5])
    want = 2 * ((0 - (0 - 0.5)) + (1 * math.log(1) - 0) + (3 * math.log(3 / 1.5) - 1.5)) / 3
    assert poisson_deviance(y, mu) == pytest.approx(want)
    assert poisson_deviance(y, y + 1e-12) == pytest.approx(0.0, abs=1e-9)


def test_calibration_table_and_pooling():
    y = np.array([0, 0, 1, 1, 2, 2], float)
    f = np.array([0.1, 0.2, 0.9, 1.1, 1.9, 2.1])
    tab = calibration_table(y, f, bins=3)
    assert [r["observed_mean"] for r in tab] == [0.0, 1.0, 2.0]
    assert tab[2]["forecast_mean"] == pytest.approx(2.0)
    acc = Accumulator()
    acc.add(np.array([1.0, 0, 0, 0] * 5), np.arange(20, 0, -1.0))  # 5 incidents, 1 in the top cell
    acc.add(np.zeros(20), np.ones(20))
    r = acc.result()
    assert r["hit_rate"]["5"] == pytest.approx(1 / 5)
    assert r["pai"]["5"] == pytest.approx(4.0)

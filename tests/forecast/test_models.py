from datetime import date

import numpy as np
import pytest

from perron.forecast.data import Cube, stations
from perron.forecast.features import History
from perron.forecast.models import FLOOR, Blend, BoostedModel, EmpiricalBayes

T = 728  # two years of days


@pytest.fixture(scope="module")
def history():
    st = stations()[:4]
    counts = np.zeros((4, T, 6))
    counts[0, ::4, 5] = 1.0  # steady: an incident every fourth evening
    counts[1, : T // 2 : 2, 5] = 1.0  # as many incidents, all in the first year
    counts[2, [100, 300], 0] = 1.0  # two night incidents in two years
    counts[3, ::4, 5] = 1.0  # steady like station 0 ...
    counts[3, T - 120 :: 4, 4] = 1.0  # ... plus a recent rise in the 16–20 block
    return History(Cube([s.code for s in st], date(2020, 1, 6), counts), st)


def test_recent_excess_moves_the_rate_but_is_shrunk(history):
    r = EmpiricalBayes().rates(history, T)
    total = r.sum(axis=1)
    # equal long-run counts: the station whose incidents stopped a year ago ranks lower
    assert total[1] < 0.5 * total[0]
    # the recent rise raises station 3 above the steady station, but by less than the raw ratio
    recent = history.window(T, 364).sum(axis=1)
    assert total[0] < total[3] < total[0] * recent[3] / recent[0]
    # the steady station's rate stays near its observed 0.25 a day
    assert total[0] == pytest.approx(0.25, rel=0.15)


def test_block_shares_lean_on_the_national_shares(history):
    r = EmpiricalBayes().rates(history, T)
    # two night incidents are too few to say much: the national evening share dominates
    assert history.window(T, T)[2, 5] == 0
    assert r[2, 5] > r[2, 0] > 0
    # 182 evening incidents are plenty: the steady station keeps (nearly all of) its own pattern
    assert r[0].argmax() == 5 and r[0, 5] > 0.8 * r[0].sum()
    assert r[0, 0] < 0.05 * r[0, 5]


def test_weekday_profile_and_only_the_past(history):
    eb = EmpiricalBayes()
    f = eb.predict(history, T - 14)
    assert f.shape == (4, 7, 6)
    # the national weekday × block profile averages to one per block: the week keeps the rate
    np.testing.assert_allclose(f.mean(axis=1), eb.rates(history, T - 14), rtol=0.25)
    changed = History(
        Cube(history.cube.codes, history.cube.start, history.cube.counts.copy()), history.stations
    )
    changed.cube.counts[:, T - 14 :, :] += 3.0
    changed.__post_init__()
    np.testing.assert_array_equal(eb.predict(changed, T - 14), f)
    assert not np.array_equal(eb.predict(changed, T), eb.predict(history, T))


def test_blend_is_the_geometric_mean(history):
    class Fixed(BoostedModel):
        def predict(self, history, t0, n_days=7):
            return np.full((history.n_stations, n_days, 6), 0.04)

    eb = EmpiricalBayes()
    f = Blend(Fixed(), eb).predict(history, T)
    np.testing.assert_allclose(f, np.sqrt(0.04 * np.maximum(eb.predict(history, T), FLOOR)))

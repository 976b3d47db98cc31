"""Validation against a published reference result: the ``mpdta`` example of Callaway &
Sant'Anna (2021), teen employment (log) in 500 US counties 2003–2007, some counties first
treated by a minimum-wage rise in 2004, 2006 or 2007, the others never.

``data/mpdta.csv`` is the example's data (columns countyreal, year, lemp, first.treat of the
``did`` package's ``mpdta``, as also shipped by the ``csdid`` package). The published
ATT(g, t) (without covariates, never-treated comparison, varying base period) are those printed
by ``att_gt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", xformla=~1)``
in the ``did`` package's documentation, to four decimals.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from perron.effect import Options, run
from perron.effect.cs import att_gt, simple_att
from perron.effect.panel import from_rows

DATA = Path(__file__).parent / "data" / "mpdta.csv"
FIRST = 2003

#: (group, year) → ATT(g, t), as published
PUBLISHED = {
    (2004, 2004): -0.0105,
    (2004, 2005): -0.0704,
    (2004, 2006): -0.1373,
    (2004, 2007): -0.1008,
    (2006, 2004): 0.0065,
    (2006, 2005): -0.0028,
    (2006, 2006): -0.0046,
    (2006, 2007): -0.0412,
    (2007, 2004): 0.0305,
    (2007, 2005): -0.0027,
    (2007, 2006): -0.0311,
    (2007, 2007): -0.0261,
}
#: the published "simple" aggregate (post-start ATT(g, t) weighted by group size)
PUBLISHED_SIMPLE = -0.0400
#: the published figures are rounded to four decimals
TOLERANCE = 0.5e-4 + 1e-9


@pytest.fixture(scope="module")
def mpdta():
    """The yearly panel, one period per year (the estimators count periods; the labels are
    consecutive months only because panels are labelled by month)."""
    base = FIRST * 12
    rows = []
    with DATA.open() as fh:
        for r in csv.DictReader(fh):
            first = int(r["first_treat"])
            rows.append(
                (
                    r["countyreal"],
                    base + int(r["year"]) - FIRST,
                    float(r["lemp"]),
                    base + first - FIRST if first else None,
                )
            )
    return from_rows(rows, counts=False)


def test_the_data_are_the_example(mpdta):
    assert len(mpdta.units) == 500 and len(mpdta.periods) == 5
    assert len(mpdta.treated) == 191 and len(mpdta.never) == 309


def test_att_gt_reproduces_the_published_mpdta_result(mpdta):
    got = {(FIRST + c.group, FIRST + c.period): c for c in att_gt(mpdta)}
    assert set(got) == set(PUBLISHED)
    for key, want in PUBLISHED.items():
        assert got[key].att == pytest.approx(want, abs=TOLERANCE), key
        assert 0.01 < got[key].se < 0.05  # the published standard errors are 0.015–0.039
    assert simple_att(list(got.values())) == pytest.approx(PUBLISHED_SIMPLE, abs=TOLERANCE)


def test_the_imputation_estimator_agrees_with_it_on_mpdta(mpdta):
    """Perron's answer for staggered starts (the imputation estimator, linear) on the same data:
    both estimate the same average effect under parallel trends; the imputation estimator
    weighs the periods differently (every pre-period in the fit), so the figures agree to
    within a fraction of the interval, not exactly."""
    ev = run(mpdta, "imputation_linear", Options(replicates=199, placebos=19))
    assert ev.att == pytest.approx(PUBLISHED_SIMPLE, abs=0.005)
    assert ev.ci_low < PUBLISHED_SIMPLE < ev.ci_high and ev.ci_high < 0

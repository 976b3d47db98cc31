from datetime import date

import numpy as np
import pytest

from forecast.synth import write_synthetic
from perron.forecast.backtest import history_for
from perron.forecast.explain import FACTOR_OF, FACTORS, drivers, factor_matrix, sentence
from perron.forecast.models import (
    EB_TERMS,
    FLOOR,
    Blend,
    BoostedModel,
    EmpiricalBayes,
    Samples,
    SeasonalGLM,
    lift_to_floor,
)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    path = write_synthetic(tmp_path_factory.mktemp("fcx") / "d.csv", "2019-01-01", 600)
    h = history_for(path, date(2020, 8, 20))
    t0 = h.cube.day_index(date(2020, 8, 10))
    s = Samples(h)
    glm, gbm = SeasonalGLM(), BoostedModel()
    glm.fit(h, t0, s)
    gbm.fit(h, t0, s)
    return h, t0, glm, gbm


def _base(m, h, t0, floored: bool) -> np.ndarray:
    """log(forecast) minus the sum of the explanation's factors, per cell."""
    contrib, names = m.explain(h, t0)
    f = factor_matrix(contrib, names)
    assert f.shape == (contrib.shape[0], len(FACTORS)) and np.isfinite(f).all()
    np.testing.assert_allclose(f.sum(1), contrib.sum(1))
    pred = m.predict(h, t0).reshape(-1)
    return np.log(np.maximum(pred, FLOOR) if floored else pred) - f.sum(1)


def test_contributions_add_up_to_the_forecast(fitted):
    h, t0, glm, gbm = fitted
    eb = EmpiricalBayes()
    # the synthetic data have stations without any incident and a block without any in the
    # country, so floors and zero factors are exercised too
    assert (h.cum[:, t0, :].sum(1) == 0).any() and (h.cum[:, t0, :].sum(0) == 0).any()
    assert (eb.predict(h, t0) < FLOOR).any()
    for m, floored in ((glm, False), (gbm, False), (eb, True), (Blend(gbm, eb), True)):
        base = _base(m, h, t0, floored)  # what is left is the same constant for every cell
        np.testing.assert_allclose(base, base[0], atol=1e-6, err_msg=m.name)


def test_blend_explanation_is_half_of_each_part(fitted):
    h, t0, _, gbm = fitted
    eb = EmpiricalBayes()
    blend = Blend(gbm, eb)
    g, e = gbm.predict(h, t0), eb.predict(h, t0)
    np.testing.assert_allclose(
        blend.predict(h, t0), np.sqrt(np.maximum(g, FLOOR) * np.maximum(e, FLOOR)), rtol=1e-12
    )
    fb = factor_matrix(*blend.explain(h, t0))
    fg = factor_matrix(*gbm.explain(h, t0))
    fe = factor_matrix(*eb.explain(h, t0))
    above = (g.reshape(-1) >= FLOOR)[:, None]  # below the floor the part's factors are lifted
    np.testing.assert_allclose(np.where(above, fb, 0), np.where(above, (fg + fe) / 2, 0))
    # and the blend's base is the mean of its parts' bases
    bases = [_base(m, h, t0, floored)[0] for m, floored in ((blend, 1), (gbm, 0), (eb, 1))]
    assert bases[0] == pytest.approx((bases[1] + bases[2]) / 2, abs=1e-9)


def test_empirical_bayes_factors_in_the_drivers_words(fitted):
    h, t0, _, _ = fitted
    eb = EmpiricalBayes()
    contrib, names = eb.explain(h, t0)
    assert names == EB_TERMS
    assert {FACTOR_OF[n] for n in names} == {"station_level", "history", "recent", "time"}
    f = factor_matrix(contrib, names)
    pred = np.maximum(eb.predict(h, t0), FLOOR).reshape(-1)
    codes = h.cube.codes
    s_n = len(codes)
    per_station = f.reshape(s_n, -1, len(FACTORS))[:, 0, FACTORS.index("station_level")]
    # the station's level says how it compares with the average station: the busiest synthetic
    # station has the highest level; a station without any incident the lowest
    n_s = h.cum[:, t0, :].sum(1)
    assert per_station.argmax() == n_s.argmax()
    assert per_station[n_s == 0].max() < per_station[n_s > 0].min()
    top = int(np.argmax(pred))
    why = drivers(f[top : top + 1], lang="en")[0]
    assert why[0]["factor"] == "station_level"
    assert why[0]["text"].startswith("the station's overall incident level: makes an incident")


def test_lift_to_floor_keeps_the_sum():
    c = np.array([[0.5, -2.0, -1.0], [1.0, -1.0, 0.0], [-0.5, -0.5, 2.0]])
    base = np.log(FLOOR) + 1.0
    lifted = lift_to_floor(c, base + c.sum(1))
    # row 0 is 1.5 below the floor: its negative factors make up for it, 2 : 1
    np.testing.assert_allclose(lifted[0], [0.5, -1.0, -0.5])
    np.testing.assert_allclose(lifted[1:], c[1:])  # rows at or above the floor are kept
    np.testing.assert_allclose(base + lifted.sum(1), np.maximum(base + c.sum(1), np.log(FLOOR)))


def test_tree_paths_add_up_like_shap(fitted):
    h, t0, _, gbm = fitted
    x = h.matrix(t0)
    path, names = gbm.contributions(x)
    shap_all = gbm.booster.predict(x, pred_contrib=True)
    shap, expected = shap_all[:, :-1], shap_all[:, -1]
    # the same base (the trees' expected output) and the same total as TreeSHAP ...
    np.testing.assert_allclose(path.sum(1) + expected, np.log(gbm.predict(h, t0).reshape(-1)))
    np.testing.assert_allclose(path.sum(1), shap.sum(1), atol=1e-9)
    # ... and the same main driver for the hottest cells
    fp, fs = factor_matrix(path, names), factor_matrix(shap, names)
    hot = np.argsort(-gbm.predict(h, t0).reshape(-1))[:50]
    agree = np.abs(fp[hot]).argmax(1) == np.abs(fs[hot]).argmax(1)
    assert agree.mean() >= 0.9
    # every feature's contributions follow its SHAP values (the features the trees split on)
    used = np.abs(shap).sum(0) > 0
    np.testing.assert_array_equal(np.abs(path).sum(0) > 0, used)
    corr = [np.corrcoef(path[:, j], shap[:, j])[0, 1] for j in np.flatnonzero(used)]
    assert min(corr) > 0.5


def test_drivers_in_words(fitted):
    h, t0, glm, _ = fitted
    x = h.matrix(t0)
    contrib, names = glm.contributions(x)
    f = factor_matrix(contrib, names)
    pred = glm.predict(h, t0).reshape(-1)
    top = int(np.argmax(pred))
    why = drivers(f[top : top + 1])[0]
    assert why and why[0]["factor"] in FACTORS
    assert why[0]["text"].startswith(
        {"history": "eerdere incidenten", "station_level": "het incidentniveau"}.get(
            why[0]["factor"], ""
        )
    )
    # the hottest synthetic station is ranked first because of its own history
    assert h.cube.codes[top // 42] in {"AMF", "ZL"}
    assert {d["factor"] for d in why} & {"history", "station_level"}
    assert sentence("darkness", 1.5, "en") == "darkness: makes an incident 1.5× as likely"
    assert (
        sentence("darkness", 0.5, "nl")
        == "duisternis: maakt een incident 2,0× minder waarschijnlijk"
    )

from datetime import date

import numpy as np
import pytest

from forecast.synth import write_synthetic
from perron.forecast.backtest import history_for
from perron.forecast.explain import FACTORS, drivers, factor_matrix, sentence
from perron.forecast.models import BoostedModel, Samples, SeasonalGLM


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


def test_contributions_add_up_to_the_forecast(fitted):
    h, t0, glm, gbm = fitted
    x = h.matrix(t0)
    for m in (glm, gbm):
        contrib, names = m.contributions(x)
        f = factor_matrix(contrib, names)
        assert f.shape == (x.shape[0], len(FACTORS))
        np.testing.assert_allclose(f.sum(1), contrib.sum(1))
        pred = m.predict(h, t0).reshape(-1)
        base = np.log(pred) - f.sum(1)  # what is left is the same constant for every cell
        np.testing.assert_allclose(base, base[0], atol=1e-6)


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

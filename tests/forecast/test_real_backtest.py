"""The result on the real disruption data: the 2022–2023 rolling backtest, through the CLI."""

import json

import pytest
from typer.testing import CliRunner

from perron.config import get_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(shared_data, tmp_path_factory):
    from perron.cli import app

    data_dir = tmp_path_factory.mktemp("real-backtest")
    mp = pytest.MonkeyPatch()
    mp.setenv("PERRON_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(
            app,
            [
                "forecast",
                "backtest",
                "--data",
                str(shared_data / "disruptions" / "disruptions-2011-2023.csv"),
                "--from",
                "2022-01-01",
                "--to",
                "2023-12-31",
                "--json",
            ],
        )
    finally:
        mp.undo()
        get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_the_best_model_beats_the_best_baseline_at_5_and_10_percent_and_on_deviance(report):
    rows = report["models"]
    baselines = [m for m in rows if m["kind"] == "baseline"]
    models = [m for m in rows if m["kind"] == "model"]
    assert len(baselines) >= 3 and len(models) >= 3
    best_baseline_pai = {c: max(b["pai"][c] for b in baselines) for c in ("5", "10")}
    best_baseline_dev = min(b["deviance"] for b in baselines)
    # one model has to win on all three at once, not a different model on each
    winners = [
        m["name"]
        for m in models
        if m["pai"]["5"] > best_baseline_pai["5"]
        and m["pai"]["10"] > best_baseline_pai["10"]
        and m["deviance"] < best_baseline_dev
    ]
    assert "blend" in winners, {m["name"]: (m["pai"], m["deviance"]) for m in rows}


def test_the_hindsight_bound_is_reported_and_bounds_every_ranking(report):
    (bound,) = [m for m in report["models"] if m["kind"] == "bound"]
    for m in report["models"]:
        for c in ("5", "10", "20"):
            assert m["pai"][c] <= bound["pai"][c] + 1e-9, (m["name"], c)
    assert report["weeks"] >= 100

"""The shipped catalogue, harm weights and evening-service file."""

import tomllib
from pathlib import Path

import pytest

from perron.programme.catalogue import (
    MEASURES_FILE,
    CatalogueError,
    load_catalogue,
    load_harm_weights,
    parse_catalogue,
)

SEED_MEASURES = {
    "cctv", "cctv_live", "lighting", "fences", "layout", "live_intercom", "tunnel_screens",
    "mosquito", "staff_presence", "bodycams", "women_safety", "care_partnership",
    "local_arrangement", "sight_lines", "glass_lift", "greenery", "repair_speed",
}  # fmt: skip


def test_catalogue_has_the_seed_measures_and_published_effects():
    cat = load_catalogue()
    codes = {m.code for m in cat.measures}
    assert codes >= SEED_MEASURES
    by = {m.code: m for m in cat.measures}
    assert (
        by["lighting"].effect.estimate == 0.21
        and "Welsh & Farrington (2008)" in by["lighting"].source
    )
    assert by["cctv"].effect.estimate == 0.16
    assert by["cctv_car_park"].effect.estimate == 0.51
    assert (
        by["cctv_live"].effect.estimate == 0.23 and by["cctv_live"].effect.low < 0
    )  # not significant
    for m in cat.measures:
        assert m.effect.low <= m.effect.estimate <= m.effect.high
        if m.expert_estimate:
            assert m.effect.high - m.effect.low >= 0.2
    listed = cat.as_list()
    assert all({"code", "cost", "effect", "source"} <= set(x) for x in listed)
    assert all(set(x["effect"]) == {"estimate", "low", "high"} for x in listed)


def test_harm_weights_put_violence_against_staff_above_nuisance():
    hw = load_harm_weights()
    assert hw.of("aggression_staff_physical") > hw.of("aggression_staff_verbal") > hw.of("nuisance")
    assert hw.of("unknown_category") == hw.default


def test_bad_catalogue_names_measure_and_field(tmp_path: Path):
    data = tomllib.loads(MEASURES_FILE.read_text())
    data["measure"][0]["effect"] = {"estimate": 0.5, "low": 0.6, "high": 0.7}
    with pytest.raises(CatalogueError, match="'lighting'.*effect"):
        parse_catalogue(data)
    data = tomllib.loads(MEASURES_FILE.read_text())
    data["measure"][1]["zones"] = ["roof"]
    with pytest.raises(CatalogueError, match="'cctv'.*zone"):
        parse_catalogue(data)
    bad = tmp_path / "m.toml"
    bad.write_text("version = [")
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_catalogue(bad)


def test_evening_service_matches_the_shared_data(shared_data):
    import importlib.util

    tool = Path(__file__).resolve().parents[2] / "tools" / "build_programme_data.py"
    spec = importlib.util.spec_from_file_location("build_programme_data", tool)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shipped = (
        Path(__file__).resolve().parents[2] / "src/perron/programme/data/evening_service.csv"
    ).read_text()
    assert mod.build(shared_data) == shipped

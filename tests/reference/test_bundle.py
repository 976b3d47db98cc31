"""The shipped reference data and its readers."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from perron.reference import (
    DATA_DIR,
    edges,
    level_crossings,
    municipalities_geojson,
    size_class,
    station_by_code,
    stations,
    travellers_fit,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
BUILD = REPO / "tools" / "build_reference.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"raw source data not present at {SHARED_DATA}; only the shipped files are checked",
)


def _build_module():
    if "perron_build_reference" in sys.modules:
        return sys.modules["perron_build_reference"]
    spec = importlib.util.spec_from_file_location("perron_build_reference", BUILD)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def test_stations_count_unique_and_na_present():
    rows = stations()
    codes = [s.code for s in rows]
    assert len(rows) == 397
    assert len(set(codes)) == 397
    assert codes == sorted(codes)
    assert "NA" in codes
    assert station_by_code()["NA"].name_long == "Nieuw Amsterdam"
    assert len({s.uic for s in rows}) == 397


def test_station_fields_have_the_right_types_and_ranges():
    for s in stations():
        assert isinstance(s.lat, float) and 50.5 < s.lat < 53.7, s
        assert isinstance(s.lng, float) and 3.3 < s.lng < 7.3, s
        assert isinstance(s.travellers_per_day, int) and s.travellers_per_day > 0, s
        assert isinstance(s.travellers_estimated, bool), s
        assert s.municipality_code.startswith("GM"), s


def test_size_classes_follow_the_thresholds():
    assert size_class(9_999) == "small"
    assert size_class(10_000) == "medium"
    assert size_class(25_000) == "medium"
    assert size_class(25_001) == "large"
    for s in stations():
        t = s.travellers_per_day
        expected = "small" if t < 10_000 else "large" if t > 25_000 else "medium"
        assert s.size_class == expected, s
    assert {s.size_class for s in stations()} == {"small", "medium", "large"}


def test_network_edges_reference_known_stations():
    codes = set(station_by_code())
    links = edges()
    assert len(links) == 433
    pairs = set()
    for e in links:
        assert e.from_code in codes, e
        assert e.to_code in codes, e
        assert e.from_code < e.to_code, e
        assert e.distance_km > 0, e
        pairs.add((e.from_code, e.to_code))
    assert len(pairs) == 433
    used = {c for p in pairs for c in p}
    assert "DTCP" in used
    assert "DTZ" not in used
    assert "DTZ" not in codes


def test_level_crossings():
    rows = level_crossings()
    assert len(rows) == 3186
    assert len({c.id for c in rows}) == len(rows)
    assert all(c.tracks >= 1 and 50.5 < c.lat < 53.7 for c in rows)
    # geocodes keep their leading zeros
    assert rows[0].geocode == "001"


def test_every_station_municipality_exists_in_the_boundaries():
    geo = municipalities_geojson()
    features = geo["features"]
    by_code = {f["properties"]["code"]: f for f in features}
    assert len(by_code) == len(features) == 342
    for s in stations():
        assert s.municipality_code in by_code, s
        assert by_code[s.municipality_code]["properties"]["name"] == s.municipality_name, s
    assert (DATA_DIR / "municipalities.geojson").stat().st_size < 200_000


def test_boundaries_still_contain_most_stations():
    """The simplified boundaries still agree with the assignment for nearly every station."""
    polys = {
        f["properties"]["code"]: shape(f["geometry"]) for f in municipalities_geojson()["features"]
    }
    inside = sum(polys[s.municipality_code].contains(Point(s.lng, s.lat)) for s in stations())
    assert inside >= 0.95 * 397


def test_utrecht_centraal_is_large_and_in_utrecht():
    ut = station_by_code()["UT"]
    assert ut.name_long == "Utrecht Centraal"
    assert ut.size_class == "large"
    assert ut.municipality_code == "GM0344"
    assert ut.municipality_name == "Utrecht"
    assert not ut.travellers_estimated
    asd = station_by_code()["ASD"]
    assert asd.municipality_code == "GM0363"


def test_measured_and_estimated_counts():
    rows = stations()
    measured = [s for s in rows if not s.travellers_estimated]
    assert len(measured) == 252
    fit = travellers_fit()
    assert fit["n"] == 252
    assert 0 < fit["r2"] <= 1
    assert 0 < fit["loo_median_abs_rel_error"] < 1
    assert fit["estimated_from_services"] + fit["estimated_from_type_median"] == 397 - 252


def test_readers_return_copies():
    a = municipalities_geojson()
    a["features"].clear()
    assert len(municipalities_geojson()["features"]) == 342
    d = station_by_code()
    d.pop("UT")
    assert "UT" in station_by_code()


@needs_shared
def test_all_passenger_rows_match_distinct_stations():
    """Every row of the raw 2018 passenger table is one distinct station with that figure."""
    build = _build_module()
    path = SHARED_DATA / "stations" / "passengers-2018.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    assert len(raw) == 252
    index: dict[str, set[str]] = {}
    for s in stations():
        for name in (s.name_long, s.name_medium, s.name_short):
            index.setdefault(build.normalise_name(name), set()).add(s.code)
    matched = {}
    for row in raw:
        if row["station"] in build.PASSENGER_ALIASES:
            codes = {build.PASSENGER_ALIASES[row["station"]]}
        else:
            codes = index.get(build.normalise_name(row["station"]), set())
        assert len(codes) == 1, (row["station"], codes)
        code = codes.pop()
        assert code not in matched, (row["station"], matched.get(code))
        matched[code] = row
    assert len(matched) == 252
    by_code = station_by_code()
    for code, row in matched.items():
        s = by_code[code]
        assert not s.travellers_estimated, s
        assert s.travellers_per_day == round(float(row["in_uit_2018"])), (s, row)
    assert {c for c, s in by_code.items() if not s.travellers_estimated} == set(matched)


@needs_shared
def test_raw_station_list_matches_shipped():
    path = SHARED_DATA / "stations" / "stations-2023-09.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        nl = {r["code"] for r in csv.DictReader(fh) if r["country"] == "NL"}
    assert nl == set(station_by_code())


@needs_shared
def test_build_check_passes_against_shipped_files():
    result = subprocess.run(
        [PYTHON, str(BUILD), "--check", "--shared", str(SHARED_DATA)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@needs_shared
def test_build_check_names_a_differing_file(tmp_path):
    for f in DATA_DIR.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    fit = json.loads((tmp_path / "fit.json").read_text())
    fit["r2"] = 0.0
    (tmp_path / "fit.json").write_text(json.dumps(fit))
    result = subprocess.run(
        [PYTHON, str(BUILD), "--check", "--shared", str(SHARED_DATA), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "fit.json" in result.stderr
    assert "stations.csv" not in result.stderr


@needs_shared
def test_build_fails_loudly_on_unknown_network_code(tmp_path):
    shared = tmp_path / "shared"
    for sub in ("stations", "geo", "network"):
        (shared / sub).mkdir(parents=True)
        for f in (SHARED_DATA / sub).iterdir():
            if f.suffix in (".csv", ".geojson") and "prorail" not in f.name:
                (shared / sub / f.name).symlink_to(f)
    bad = shared / "network" / "adjacent-stations.csv"
    text = (SHARED_DATA / "network" / "adjacent-stations.csv").read_text()
    bad.unlink()
    bad.write_text(text + "UT,XXQ,12,1.2\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [PYTHON, str(BUILD), "--shared", str(shared), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "adjacent-stations.csv: row 435: field 'to_code': unknown station 'XXQ'" in result.stderr

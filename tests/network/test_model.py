"""The shipped network data and its typed loader."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from perron.network import (
    WINDOWS,
    NetworkDataError,
    load_network,
    load_timetable,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
BUILD = REPO / "tools" / "build_network_data.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def _build_module():
    name = "perron_build_network_data"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BUILD)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_stations_links_and_na():
    net = load_network()
    assert len(net.stations) == 397
    assert len(net.links) == 433
    assert "NA" in net.stations  # Nieuw Amsterdam, not a missing value
    assert net.stations["NA"].name == "Nieuw Amsterdam"
    for link in net.links:
        assert link.from_code < link.to_code
        assert link.from_code in net.stations and link.to_code in net.stations
        assert link.length_km > 0
        assert set(link.trains_per_hour) == set(WINDOWS)


def test_trains_per_hour_and_series_from_the_service_pattern():
    net = load_network()
    link = net.link("UTZL", "UT")
    assert link is not None and link.key == "UT-UTZL"
    assert link.trains_per_hour["day"] > link.trains_per_hour["evening"] > 0
    assert "3000" in link.series["day"]
    busy = sorted(net.links, key=lambda x: -x.trains_per_hour["day"])[:10]
    assert any("ASD" in x.ends or "UT" in x.ends for x in busy)
    assert net.stations["UT"].trains_per_hour["day"] > net.stations["NA"].trains_per_hour["day"]


def test_speeds_where_known_and_border_points():
    net = load_network()
    with_speed = [x for x in net.links if x.max_speed_kmh is not None]
    assert 100 < len(with_speed) < len(net.links)
    assert all(40 <= x.max_speed_kmh <= 200 for x in with_speed)
    codes = {b.nl_station_code for b in net.border_points}
    assert codes == {"NSCH", "ODZ", "ES", "ZV", "VL", "LG"}
    assert all(net.stations[c].border for c in codes)
    assert not net.stations["UT"].border


def test_parse_link_errors_name_the_link():
    net = load_network()
    assert net.parse_link("ut-utzl").key == "UT-UTZL"
    with pytest.raises(NetworkDataError, match="'X-Y'.*unknown station code 'X'"):
        net.parse_link("X-Y")
    with pytest.raises(NetworkDataError, match="no link between ASD and UT"):
        net.parse_link("ASD-UT")
    with pytest.raises(NetworkDataError, match="FROM-TO"):
        net.parse_link("ASD")


def test_timetable_per_window():
    day = load_timetable("day")
    assert load_timetable(1) is day
    assert len(day.series) == 114
    ic = day.by_id()["1100"]
    route = ic.routes[0]
    assert route.stop_codes[0] == "GVC" and route.stop_codes[-1] == "EHV"
    assert len(route.arr) == len(route.stop_ids)
    assert route.minutes_between(0, len(route.arr) - 1) == pytest.approx(88.0)
    assert ic.headway_minutes == 30.0 and ic.trips_per_day == 42
    evening = load_timetable("evening")
    assert evening.window == "evening" and evening.series
    with pytest.raises(NetworkDataError, match="time window 'night'"):
        load_timetable("night")


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"source data not present at {SHARED_DATA}")
def test_shipped_copy_matches_a_fresh_build():
    result = subprocess.run(
        [PYTHON, str(BUILD), "--check", "--shared", str(SHARED_DATA)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_check_names_a_changed_file(tmp_path):
    build = _build_module()
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    data = REPO / "src" / "perron" / "network" / "data"
    for name in build.OUTPUT_FILES:
        (shipped / name).write_bytes((data / name).read_bytes())
    assert build.differences(shipped, data) == []
    (shipped / "link_speeds.csv").write_text("from_code,to_code\n", encoding="utf-8")
    (shipped / "border_points.csv").unlink()
    differ = build.differences(shipped, data)
    assert any("link_speeds.csv: differs" in d for d in differ)
    assert any("border_points.csv: missing" in d for d in differ)

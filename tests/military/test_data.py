"""The shipped military mobility reference: its rebuild from ../shared/data and its content."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from perron.military.data import REFERENCE_FILE, network, reference

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
TOOL = REPO / "tools" / "build_military_data.py"


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"source data not present at {SHARED}")
def test_shipped_reference_matches_the_source_data():
    assert (
        REFERENCE_FILE.read_bytes() == (SHARED / "military" / "mobility-reference.csv").read_bytes()
    )
    res = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_rebuild_tool_writes_and_detects_a_difference(tmp_path):
    spec = importlib.util.spec_from_file_location("build_military_data", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    src = tmp_path / "shared"
    (src / "military").mkdir(parents=True)
    (src / "military" / "mobility-reference.csv").write_bytes(REFERENCE_FILE.read_bytes())
    out = tmp_path / "out"
    mod.build(src, out)
    assert mod.check(src, out) == []
    (out / "mobility-reference.csv").write_text("kind\n")
    assert mod.check(src, out) == ["mobility-reference.csv"]


def test_reference_rows_name_stations_of_the_network_and_sources():
    rows = reference()
    assert len(rows) == 28
    net = network()
    for r in rows:
        assert r.source
        if r.code:
            assert r.code in net.stations, r
    kinds = {r.kind for r in rows}
    assert {"port", "defence_siding", "siding_740m", "border", "corridor", "fact"} <= kinds
    # codes are plain strings: no missing value where a code is given
    assert {r.code for r in rows if r.kind == "port"} == {"RTZ", "VS", "EEM"}

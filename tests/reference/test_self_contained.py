"""The product is whole without the source data folder beside the repository.

The real data Perron reads at run time ships inside the package; ``tools/build_reference.py``
rebuilds it from ``../shared/data`` (checked in ``test_bundle.py``). Here: the shipped disruption
file equals its source, no code under ``src/`` can reach that folder, and the demo preparation
run from a copy of the package in a temporary folder finds the real incidents and a forecast.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from perron.reference import disruptions_file, read_data_file, stations

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
SHARED_DATA = REPO.parent / "shared" / "data"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable

#: the number of safety-related disruptions of Rijden de Treinen 2011–2023 that become incidents
REAL_INCIDENTS = 9_378

#: ways code could name the source data folder beside the repository
SHARED_PATTERNS = (
    re.compile(r"""["']shared["']"""),  # Path(...) / "shared"
    re.compile(r"""\.\./shared"""),
    re.compile(r"""shared[/\\]data"""),
    re.compile(r"""PERRON_SHARED"""),
    re.compile(r"""shared_data"""),
)


def test_src_has_no_run_time_reference_to_the_shared_folder():
    hits = []
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".py", ".toml", ".json", ".html", ".js", ".cfg", ".txt"):
            continue
        if "static/vendor" in path.as_posix() or "__pycache__" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if any(p.search(line) for p in SHARED_PATTERNS):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert hits == []


def test_the_patterns_catch_the_old_ways_of_reaching_it():
    """The scan above would have found the readers this package used to have."""
    old = [
        'candidate = parent.parent / "shared" / "data" / "disruptions"',
        'return Path(os.environ.get("PERRON_SHARED_DATA", root.parent / "shared" / "data"))',
        'path = shared_data_dir() / "network" / "adjacent-stations.csv"',
        "default: the real file in ../shared/data/disruptions/",
    ]
    assert all(any(p.search(line) for p in SHARED_PATTERNS) for line in old)


def test_shipped_disruption_file_is_a_gzip_csv_with_the_expected_header():
    path = disruptions_file()
    assert path.name.endswith(".csv.gz") and path.is_relative_to(SRC)
    raw = read_data_file(path)
    assert raw[:2] != b"\x1f\x8b"
    header = raw.split(b"\n", 1)[0].decode()
    for column in ("rdt_id", "rdt_station_codes", "statistical_cause_nl", "start_time"):
        assert column in header.split(",")
    assert raw.count(b"\n") > 49_000


@pytest.mark.skipif(
    not (SHARED_DATA / "disruptions").is_dir(),
    reason=f"raw source data not present at {SHARED_DATA}; only the shipped copy is checked",
)
def test_shipped_disruption_file_equals_the_source():
    source = (SHARED_DATA / "disruptions" / "disruptions-2011-2023.csv").read_bytes()
    assert gzip.decompress(disruptions_file().read_bytes()) == source


def _copy_package(dest: Path) -> Path:
    """A copy of the package as a fresh clone has it, far from any ``shared`` folder."""
    src = dest / "clone" / "src"
    shutil.copytree(
        SRC / "perron",
        src / "perron",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return src


@pytest.mark.slow
def test_demo_preparation_without_the_shared_folder_finds_real_incidents_and_a_forecast(
    tmp_path,
):
    src = _copy_package(tmp_path)
    data_dir = tmp_path / "var"
    work = tmp_path / "work"
    work.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PERRON_") and k not in ("PYTHONPATH", "COLUMNS")
    }
    env.update(
        PYTHONPATH=str(src),
        PERRON_DATA_DIR=str(data_dir),
        PERRON_DEMO_PASSWORD="demo-password-for-the-test",
        COLUMNS="40",
    )
    where = subprocess.run(
        [PYTHON, "-c", "import perron; print(perron.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(src), where.stdout
    assert not any((p / "shared").exists() for p in src.parents)
    result = subprocess.run(
        [PYTHON, "-c", "from perron.cli import app; app()", "demo", "--no-serve"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    out = result.stdout + result.stderr
    assert "disruption file not found" not in out
    assert f"{REAL_INCIDENTS} public disruption incidents" in out
    assert "forecast: tonight" in out and "skipped" not in out
    with sqlite3.connect(data_dir / "perron.db") as db:
        (public,) = db.execute("SELECT count(*) FROM incident WHERE source = 'public'").fetchone()
    assert public == REAL_INCIDENTS
    night = json.loads((data_dir / "forecast" / "tonight.json").read_text())
    expected = [s["expected"] for s in night["stations"]]
    assert len(expected) >= 10 and all(e > 0 for e in expected)
    assert expected == sorted(expected, reverse=True) and expected[0] > expected[-1]
    assert {s["station"] for s in night["stations"]} <= {s.code for s in stations()}

"""Three installations, three databases, three processes: ``perron joint aggregate`` as the
acceptance checks run it — each party imports its own incidents and they compute the joint
counts at the same time, with nothing but the agreed cells coming out."""

from __future__ import annotations

import collections
import csv
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from perron.live.broker import free_port
from perron.store.db import make_engine, transaction
from perron.store.tables.access import AuditEntry
from perron.store.tables.joint import JointRun

pytestmark = pytest.mark.slow

PARTIES = ("ns", "prorail", "politie")
CATEGORIES = ("aggression_staff_physical", "nuisance", "vandalism", "theft")


def _perron(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "perron.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _files(tmp_path: Path) -> dict[str, Path]:
    rng = random.Random(11)
    out = {}
    for party in PARTIES:
        path = tmp_path / f"{party}.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["ref", "category", "occurred_at", "station"])
            for i in range(160):
                station = rng.choice(["UT", "ASD", "RTD", "ZL", "HLM", "MT"])
                month, day = rng.randint(1, 6), rng.randint(1, 28)
                w.writerow(
                    [
                        f"{party}-{i}",
                        rng.choice(CATEGORIES),
                        f"2024-{month:02d}-{day:02d}T20:30:00+01:00",
                        station,
                    ]
                )
            # one incident each at Enschede in March: a joint cell of 3, to be suppressed
            w.writerow([f"{party}-es", "vandalism", "2024-03-14T23:10:00+01:00", "ES"])
        out[party] = path
    return out


def _plain(files: dict[str, Path]) -> collections.Counter:
    from perron.domain.taxonomy import group_of

    plain: collections.Counter = collections.Counter()
    for path in files.values():
        with path.open() as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            plain[(row["station"], row["occurred_at"][:7], group_of(row["category"]))] += 1
    return plain


@pytest.fixture
def installations(tmp_path, _sqlite_template, postgres_url):
    import shutil

    envs = []
    for i, party in enumerate(PARTIES):
        data = tmp_path / party
        data.mkdir()
        if i < 2:
            shutil.copyfile(_sqlite_template, data / "perron.db")
            url = f"sqlite:///{data / 'perron.db'}"
        else:
            url = postgres_url  # one party keeps its records in PostgreSQL
        env = {k: v for k, v in os.environ.items() if not k.startswith("PERRON_")}
        env.update(PERRON_DATA_DIR=str(data), PERRON_DATABASE_URL=url, COLUMNS="40")
        envs.append(env)
    return envs


def test_three_parties_get_the_joint_counts_and_nothing_else(installations, tmp_path):
    files = _files(tmp_path)
    for env, party in zip(installations, PARTIES, strict=True):
        done = _perron(
            env, "incidents", "import", str(files[party]), "--party", party, "--profile", "generic"
        )
        assert done.returncode == 0, done.stderr
    addresses = ",".join(f"127.0.0.1:{free_port()}" for _ in PARTIES)

    def run(i):
        return _perron(
            installations[i],
            "joint",
            "aggregate",
            "--parties",
            addresses,
            "--index",
            str(i),
            "--by",
            "station,month,group",
            "--since",
            "2024-01-01",
            "--until",
            "2024-06-30",
            "--json",
        )

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(run, range(3)))
    for done in results:
        assert done.returncode == 0, done.stderr
    outputs = [json.loads(done.stdout) for done in results]
    assert outputs[0]["cells"] == outputs[1]["cells"] == outputs[2]["cells"]
    assert outputs[0]["parties"] == list(PARTIES)
    plain = _plain(files)
    cells = {(c["station"], c["month"], c["group"]): c for c in outputs[0]["cells"]}
    assert set(cells) == {k for k, v in plain.items() if v > 0}
    small = 0
    for key, n in plain.items():
        c = cells[key]
        if n < 5:
            small += 1
            assert c == {**c, "count": None, "suppressed": True}
        else:
            assert (c["count"], c["suppressed"]) == (n, False)
    assert small > 0  # the data has small cells, so suppression was put to the test
    # every party wrote the run and the result's hash to its own audit trail
    for env, out in zip(installations, outputs, strict=True):
        engine = make_engine(env["PERRON_DATABASE_URL"])
        with transaction(engine) as s:
            runs = s.scalars(select(JointRun)).all()
            entries = s.scalars(
                select(AuditEntry).where(AuditEntry.action.like("joint.%")).order_by(AuditEntry.seq)
            ).all()
            assert [r.result_hash for r in runs] == [out["result_hash"]]
            assert [e.action for e in entries] == ["joint.approve", "joint.run"]
            assert out["result_hash"] in entries[-1].detail
        engine.dispose()


def test_bad_requests_name_the_field_and_start_nothing(installations):
    env = installations[0]
    cases = [
        (["--parties", "127.0.0.1:1,127.0.0.1:2"], "parties"),
        (["--parties", "a:5000,b:5001,a:5000"], "listed twice"),
        (["--parties", "a:5000,b:5001,c:5002", "--index", "3"], "index"),
        (["--since", "2024-13-01"], "--since"),
        (["--until", "2023-01-01"], "until"),
        (["--by", "station,month"], "by"),
        (["--noisy"], "epsilon"),
    ]
    base = {
        "--parties": "a:5000,b:5001,c:5002",
        "--index": "0",
        "--since": "2024-01-01",
        "--until": "2024-06-30",
    }
    for extra, word in cases:
        args = dict(base)
        flags = []
        it = iter(extra)
        for a in it:
            if a.startswith("--") and a not in ("--noisy",):
                args[a] = next(it)
            else:
                flags.append(a)
        argv = [x for kv in args.items() for x in kv] + flags
        done = _perron(env, "joint", "aggregate", "--party", "ns", *argv, timeout=120)
        assert done.returncode != 0, (extra, done.stdout)
        assert word in done.stderr, (extra, done.stderr)
        assert done.stdout == ""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PERRON = [sys.executable, "-m", "perron.cli"]


def run(args, env, check=True, input_=None):
    result = subprocess.run(
        [*PERRON, *args], env=env, capture_output=True, text=True, input=input_, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"perron {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture
def fresh_env(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERRON_")}
    env["PERRON_DATA_DIR"] = str(tmp_path / "data")
    return env


@pytest.mark.parametrize(
    "group",
    [
        [],
        ["db"],
        ["reference"],
        ["user"],
        ["serve"],
        ["demo"],
        ["db", "upgrade"],
        ["reference", "load"],
        ["user", "add"],
    ],
)
def test_every_command_has_help(group, fresh_env):
    out = run([*group, "--help"], fresh_env).stdout
    assert "Usage" in out


def test_upgrade_load_and_add_user_on_a_fresh_data_directory(fresh_env, tmp_path):
    run(["db", "upgrade"], fresh_env)
    assert (tmp_path / "data" / "perron.db").exists()
    first = json.loads(run(["reference", "load", "--json"], fresh_env).stdout)
    assert first["stations"] == 397 and first["links"] == 433
    second = json.loads(run(["reference", "load", "--json"], fresh_env).stdout)
    assert second == first
    env = {**fresh_env, "PERRON_NEW_PASSWORD": "a-long-password"}
    run(["user", "add", "ana", "--party", "ns", "--role", "analyst"], env)
    users = json.loads(run(["user", "list", "--json"], fresh_env).stdout)
    assert [(u["username"], u["party"], u["role"]) for u in users] == [("ana", "ns", "analyst")]
    again = run(["user", "add", "ana", "--party", "ns"], env, check=False)
    assert again.returncode != 0
    assert "exists already" in again.stderr


def test_database_url_comes_from_the_environment(fresh_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    run(["db", "upgrade"], {**fresh_env, "PERRON_DATABASE_URL": url})
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "data" / "perron.db").exists()

"""Conventions every command keeps: it has working help, it is documented, its answer goes to
standard output and its messages to standard error; every setting is documented and read in
one place."""

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from perron.cli import app
from perron.config import Settings, env_name, get_settings

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "perron"
DOCS = ROOT / "docs"


def _walk(command, path=()):
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, (*path, name))


TREE = list(_walk(typer.main.get_command(app)))
COMMANDS = [" ".join(p) for p, c in TREE if p and not hasattr(c, "commands")]
GROUPS = [" ".join(p) for p, c in TREE if hasattr(c, "commands")]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_tree_is_walked():
    # a broken walk would make the tests below pass on nothing
    assert len(COMMANDS) > 100
    assert {"alerts rules check", "db upgrade", "incidents import", "serve"} <= set(COMMANDS)


@pytest.mark.parametrize("path", ["", *GROUPS[1:], *COMMANDS])
def test_help_of_every_command_runs(path):
    result = CliRunner().invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
    assert result.stderr == ""


def test_every_command_is_in_the_cli_reference_and_nothing_else():
    text = (DOCS / "cli.md").read_text()
    listed = set(re.findall(r"^\| `perron ([a-z0-9 -]+)` \|", text, flags=re.M))
    missing = sorted(set(COMMANDS) - listed)
    unknown = sorted(listed - set(COMMANDS))
    assert not missing, f"commands not in docs/cli.md: {missing}"
    assert not unknown, f"docs/cli.md lists commands that do not exist: {unknown}"


def test_every_setting_and_option_variable_is_documented():
    text = (DOCS / "settings.md").read_text()
    documented = set(re.findall(r"`(PERRON_[A-Z_]+)`", text))
    expected = set(Settings.environment_variables())
    assert {env_name(f.name) for f in fields(Settings)} <= expected
    option_vars = set()
    for _, command in TREE:
        for param in getattr(command, "params", []):
            envvar = getattr(param, "envvar", None)
            option_vars.update([envvar] if isinstance(envvar, str) else envvar or [])
    assert option_vars, "no option reads a variable: the walk found no parameters"
    assert not sorted(expected - documented), "settings missing in docs/settings.md"
    assert not sorted(option_vars - documented), "option variables missing in docs/settings.md"
    # and nothing documented that is not read
    assert not sorted(documented - expected - option_vars)


def test_the_environment_is_read_in_config_only():
    reads = re.compile(r"os\.environ\.get\(|os\.getenv\(|os\.environ\[")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in SRC.rglob("*.py")
        if path.name != "config.py" or path.parent != SRC
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if reads.search(line)
    ]
    assert not offenders, f"environment read outside perron.config: {offenders}"


def test_the_local_zone_is_defined_once():
    zone = re.compile(r"""ZoneInfo\(\s*["']Europe/Amsterdam["']|["']Europe/Amsterdam["']""")
    places = [
        str(path.relative_to(ROOT)) for path in SRC.rglob("*.py") if zone.search(path.read_text())
    ]
    assert places == ["src/perron/domain/local_time.py"]


def test_a_bad_setting_names_its_variable(monkeypatch):
    monkeypatch.setenv("PERRON_ALERT_TASKS_INTERVAL", "soon")
    with pytest.raises(ValueError, match="PERRON_ALERT_TASKS_INTERVAL"):
        Settings.from_env()
    monkeypatch.setenv("PERRON_ALERT_TASKS_INTERVAL", "-1")
    with pytest.raises(ValueError, match="PERRON_ALERT_TASKS_INTERVAL"):
        Settings.from_env()
    monkeypatch.setenv("PERRON_ALERT_TASKS_INTERVAL", "0")
    monkeypatch.setenv("PERRON_SECURE_COOKIES", "perhaps")
    with pytest.raises(ValueError, match="PERRON_SECURE_COOKIES"):
        Settings.from_env()
    monkeypatch.setenv("PERRON_SECURE_COOKIES", "on")
    monkeypatch.setenv("PERRON_FORECAST_DATA", "/some/file.csv")
    monkeypatch.setenv("PERRON_TRUSTED_PROXIES", "10.0.0.1, 127.0.0.0/8")
    s = Settings.from_env()
    assert (s.alert_tasks_interval, s.secure_cookies) == (0.0, True)
    assert s.forecast_data == Path("/some/file.csv") and s.monitor_population is None
    assert s.trusted_proxies == ("10.0.0.1", "127.0.0.0/8")


# ---------------------------------------------------------------- standard output and error


@pytest.fixture
def cli_env(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PERRON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PERRON_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_results_go_to_stdout_and_messages_to_stderr(cli_env):
    # a check's verdict is its answer: `perron alerts rules check > out` keeps it
    checked = _run("alerts", "rules", "check")
    assert checked.exit_code == 0, checked.output
    assert "rule(s) valid" in checked.stdout and checked.stderr == ""

    # the state after an action is the answer too
    current = _run("db", "current")
    assert current.exit_code == 0 and current.stdout.strip() and current.stderr == ""

    # a table of results: rows on stdout
    rules = _run("alerts", "response-times")
    assert rules.exit_code == 0, rules.output
    assert rules.stdout.strip() and rules.stderr == ""

    # progress on stderr, the JSON result alone on stdout
    loaded = _run("reference", "load", "--json")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)
    plain = _run("reference", "load")
    assert plain.exit_code == 0 and plain.stdout.strip()

    # a summary of data in the store
    summary = _run("incidents", "summary")
    assert summary.exit_code == 0, summary.output
    assert "incidents:" in summary.stdout and "incidents:" not in summary.stderr


def test_errors_go_to_stderr_and_leave_stdout_empty(cli_env, tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nid = "x"\nkind = "no-such-kind"\n')
    checked = _run("alerts", "rules", "check", str(bad))
    assert checked.exit_code != 0
    assert checked.stdout == ""
    assert str(bad.name) in _flat(checked.stderr) and "error" in checked.stderr

    missing = _run("alerts", "show", "999999")
    assert missing.exit_code != 0 and missing.stdout == "" and missing.stderr.strip()

"""CLI messages, results and usage errors are never broken into lines off a terminal."""

from __future__ import annotations

import io

from typer.testing import CliRunner

from perron.cli import app
from perron.cli.common import UNWRAPPED_WIDTH, UnwrappedConsole


def test_console_off_a_terminal_ignores_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    out = io.StringIO()
    console = UnwrappedConsole(file=out)
    assert not console.is_terminal and console.width == UNWRAPPED_WIDTH
    message = "error: " + "/tmp/" + "x" * 300 + "/bad.csv: row 3: field 'station': unknown"
    console.print(message)
    assert out.getvalue() == message + "\n"


def test_console_in_a_terminal_keeps_its_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    console = UnwrappedConsole(file=io.StringIO(), force_terminal=True)
    assert console.width == 40
    assert UnwrappedConsole(file=io.StringIO(), width=55).width == 55  # a given width holds


def test_errors_with_long_paths_stay_on_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    deep = tmp_path / ("d" * 120) / ("e" * 120)
    deep.mkdir(parents=True)
    missing = deep / "missing.csv"
    runner = CliRunner()
    # a usage error of Typer (the file argument must exist)
    r = runner.invoke(app, ["incidents", "import", str(missing), "--party", "ns"])
    assert r.exit_code == 2
    assert str(missing) in r.output
    # our own fail(): a profile that does not exist, named with its long path
    bad_profile = deep / "nope.toml"
    present = deep / "present.csv"
    present.write_text("a,b\n1,2\n")
    r = runner.invoke(
        app, ["incidents", "import", str(present), "--party", "ns", "--profile", str(bad_profile)]
    )
    assert r.exit_code == 2, r.output
    assert "error:" in r.output and str(bad_profile) in r.output


def test_help_off_a_terminal_splits_no_word(monkeypatch):
    monkeypatch.setenv("COLUMNS", "20")
    r = CliRunner().invoke(app, ["forecast", "week", "--help"])
    assert r.exit_code == 0
    for word in ("gradient_boosting", "empirical_bayes", "poisson_glm", "--model"):
        assert word in r.output

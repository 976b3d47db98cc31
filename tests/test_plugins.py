"""Extension points: a package installed beside Perron adds a rule kind and an export format, and
both are used through the command line and the API like Perron's own; a broken or missing
plugin is refused by its name.

The example package is installed into a directory on ``sys.path`` (its modules and a
``.dist-info`` with ``entry_points.txt``, as an installer writes them); nothing is added to a
registry by hand.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import registry_read_seed as seed_data
from perron import plugins
from perron.cli import app as cli_app
from perron.domain.events import Event
from perron.interop.exporters import EXPORTERS, alert_formats, table_formats
from perron.live.rules import RULE_KINDS, Correlator, RulesError, load_rules
from perron.live.sources import ADAPTERS
from perron.store.db import make_engine, transaction

EXAMPLE = Path(__file__).parent / "plugins" / "perron_example_plugin"
REGISTRIES = (RULE_KINDS, EXPORTERS, ADAPTERS)
runner = CliRunner()


def install(source: Path, site: Path) -> None:
    """Install the package at ``source`` into the directory ``site`` the way an installer does:
    its modules, and a ``.dist-info`` with METADATA and the ``entry_points.txt`` of its
    ``pyproject.toml``; ``importlib.metadata`` finds it like any installed distribution."""
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name, version = project["name"], project["version"]
    packages = source / "src" if (source / "src").is_dir() else source
    for pkg in packages.iterdir():
        if (pkg / "__init__.py").exists():
            shutil.copytree(pkg, site / pkg.name)
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    groups = project.get("entry-points", {})
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()) + "\n"
            for group, entries in groups.items()
        ),
        encoding="utf-8",
    )
    (info / "INSTALLER").write_text("tests\n", encoding="utf-8")


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    """A site directory on ``sys.path``; the registries read the entry points again."""
    site = tmp_path / "site"
    site.mkdir()
    sys.path.insert(0, str(site))
    for r in REGISTRIES:
        r.reset()
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.startswith(("perron_example_plugin", "broken_"))]:
            del sys.modules[name]
        for r in REGISTRIES:
            r.reset()


@pytest.fixture
def example(installed: Path) -> Path:
    install(EXAMPLE, installed)
    importlib.invalidate_caches()
    assert (installed / "perron_example_plugin-0.1.0.dist-info" / "entry_points.txt").exists()
    for r in REGISTRIES:
        r.reset()
    return installed


SURGE_RULES = """
version = 1

[[rules]]
id = "crowd_surge"
type = "surge"
title_nl = "Plotselinge drukte"
title_en = "Sudden crowd"
severity = "medium"
subcategory = "crowdRisk"
signals = ["crowd_count"]

[rules.params]
factor = 3
baseline = 3
"""


def _event(i: int, value: float, at: datetime) -> Event:
    return Event(
        id=f"e{i}",
        source="generic",
        kind="crowd",
        label="person",
        station_code="UT",
        zone="platform",
        occurred_at=at,
        received_at=at,
        value=value,
    )


def test_the_builtins_come_from_the_entry_points_of_perron():
    assert set(RULE_KINDS.names()) == {"combination", "dwell", "immediate", "repeat", "threshold"}
    assert table_formats() == ["csv", "geojson", "parquet"]
    assert alert_formats() == ["cap", "json", "ngsi-ld"]
    assert EXPORTERS.origin("csv") == "perron.registry.exports:CSV from perron"
    assert plugins.check_installed() >= 20


def test_a_rule_kind_of_a_plugin_is_checked_and_runs(example, tmp_path):
    assert "surge" in RULE_KINDS.names() and "tsv" in table_formats()
    assert "from perron-example-plugin" in RULE_KINDS.origin("surge")
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(SURGE_RULES, encoding="utf-8")

    res = runner.invoke(cli_app, ["alerts", "rules", "check", str(rules_file), "--json"])
    assert res.exit_code == 0, res.output
    [rule] = json.loads(res.stdout)
    assert rule["type"] == "surge" and rule["params"] == {"factor": 3, "baseline": 3}

    bad = tmp_path / "bad.toml"
    bad.write_text(SURGE_RULES.replace("factor = 3", "factor = 0.5"), encoding="utf-8")
    res = runner.invoke(cli_app, ["alerts", "rules", "check", str(bad)])
    assert res.exit_code == 1
    assert "rule 'crowd_surge'" in res.output and "params.factor" in res.output

    correlator = Correlator(load_rules(rules_file))
    t0 = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    changes = [
        c
        for i, v in enumerate([10, 12, 11, 14, 40])
        for c in correlator.feed(_event(i, v, t0 + timedelta(seconds=i)))
    ]
    assert [(c.action, c.rule_id, c.event_ids) for c in changes] == [
        ("open", "crowd_surge", ("e4",))
    ]
    assert changes[0].detail == {"value": 40, "mean_before": 11.75}


def test_an_unknown_rule_kind_names_the_rule_and_the_known_kinds(tmp_path):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(SURGE_RULES, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_file)
    text = str(err.value)
    assert "rule 'crowd_surge'" in text and "unknown rule type 'surge'" in text
    assert "combination, dwell, immediate, repeat, threshold" in text


def test_an_exporter_of_a_plugin_serves_cli_and_api(example, settings, tmp_path, client):
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        seed_data.seed(session)
    engine.dispose()

    out = tmp_path / "incidents.tsv"
    res = runner.invoke(
        cli_app, ["incidents", "export", "--party", "ns", "--format", "tsv", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    tsv = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")), delimiter="\t"))
    out_csv = tmp_path / "incidents.csv"
    res = runner.invoke(cli_app, ["incidents", "export", "--party", "ns", "-o", str(out_csv)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert len(tsv) == len(rows) == 9
    assert [r["id"] for r in tsv] == [r["id"] for r in rows]

    from perron.access import accounts

    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        user = accounts.create_user(session, "analist", "analyst-password-1", "ns", "analyst")
        token = accounts.create_api_token(session, user, "plugin test")
    engine.dispose()
    auth = {"Authorization": f"Bearer {token}"}
    r = client.get("/api/incidents/export.tsv", params={"purpose": "analysis"}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    assert r.headers["content-disposition"].endswith('.tsv"')
    assert r.text.splitlines()[0].split("\t")[0] == "id"

    r = client.get("/api/incidents/export.xlsx", params={"purpose": "analysis"}, headers=auth)
    assert r.status_code == 422
    assert "unknown export format 'xlsx'" in r.json()["detail"]
    assert "csv, geojson, parquet, tsv" in r.json()["detail"]


def _package(root: Path, name: str, entry: str, group: str, code: str) -> Path:
    src = root / name
    (src / name).mkdir(parents=True)
    (src / name / "__init__.py").write_text(code, encoding="utf-8")
    (src / "pyproject.toml").write_text(
        f'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{name.replace("_", "-")}"\nversion = "1.0"\n'
        f'[project.entry-points."{group}"]\n{entry}\n'
        f'[tool.setuptools]\npackages = ["{name}"]\n',
        encoding="utf-8",
    )
    return src


def test_a_broken_plugin_is_refused_by_its_name(installed, tmp_path, settings):
    src = _package(
        tmp_path / "src",
        "broken_exporter",
        'xml = "broken_exporter:XML"',
        "perron.exporters",
        "raise RuntimeError('the XML library is missing')\n",
    )
    install(src, installed)
    importlib.invalidate_caches()
    EXPORTERS.reset()
    with pytest.raises(plugins.PluginError) as err:
        table_formats()
    text = str(err.value)
    assert text.startswith("perron.exporters: plugin 'xml' (broken_exporter:XML from ")
    assert "RuntimeError: the XML library is missing" in text

    # through the command as it is installed: one line naming the plugin, no trace
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            "from perron.cli import main; main()",
            *("incidents", "export", "--party", "ns", "-o", str(tmp_path / "x.csv")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": f"{installed}"},  # the test's database (settings)
    )
    assert res.returncode == 1
    assert res.stderr.startswith("error: perron.exporters: plugin 'xml'"), res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "x.csv").exists()


def test_a_plugin_whose_module_is_gone_stops_the_app_at_start(installed, tmp_path, settings):
    src = _package(
        tmp_path / "src",
        "broken_rules",
        'ghost = "broken_rules.gone:Ghost"',
        "perron.rules",
        "",
    )
    install(src, installed)
    importlib.invalidate_caches()
    from perron.api.app import create_app

    with pytest.raises(plugins.PluginError, match=r"perron.rules: plugin 'ghost' \(broken_rules"):
        create_app(settings)

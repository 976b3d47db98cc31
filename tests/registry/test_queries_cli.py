"""`perron incidents list|show|aggregate|export|purge|erase` on a seeded database."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

import registry_read_seed as seed_data
from perron.cli import app
from perron.store.db import make_engine, transaction

runner = CliRunner()


def test_incident_commands(settings, tmp_path):
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        ids = seed_data.seed(session)
    engine.dispose()

    res = runner.invoke(
        app, ["incidents", "list", "--party", "ns", "--purpose", "analysis", "--json"]
    )
    assert res.exit_code == 0, res.output
    listed = json.loads(res.stdout)
    assert {i["owner_party"] for i in listed["items"]} == {"ns", "rdt"}

    res = runner.invoke(
        app, ["incidents", "show", ids["pol-agg-1"], "--party", "ns", "--purpose", "analysis"]
    )
    assert res.exit_code != 0 and "no incident" in res.output

    res = runner.invoke(app, ["incidents", "show", ids["ns-agg-1"], "--party", "ns", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["person_ref"] == seed_data.PERSON_A

    res = runner.invoke(app, ["incidents", "aggregate", "--party", "ns", "--by", "party", "--json"])
    cells = {c["party"]: c for c in json.loads(res.stdout)["cells"]}
    assert cells["ns"]["count"] == 8 and set(cells) == {"ns", "rdt"}

    out = tmp_path / "x.csv"
    res = runner.invoke(app, ["incidents", "export", "--party", "ns", "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert len(list(csv.DictReader(io.StringIO(out.read_text())))) == 9

    res = runner.invoke(app, ["incidents", "erase", seed_data.PERSON_B, "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout) == {"incidents": 4, "versions": 4}
    res = runner.invoke(app, ["incidents", "purge", "--dry-run", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["dry_run"] is True
    res = runner.invoke(app, ["audit", "verify", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["ok"]

"""The command line of alerts: `perron alerts list --json`, export, lifecycle, rules, units."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from typer.testing import CliRunner

from live.alertkit import change
from perron.cli import app
from perron.interop import cap, ngsi_ld
from perron.live.alerts import apply_changes
from perron.live.units import create_unit
from perron.store.db import make_engine, transaction

runner = CliRunner()


def _run(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_list_export_and_lifecycle(settings, db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        create_unit(s, code="NS-UT-A", name="A", party="ns", kind="security", lat=52.09, lng=5.11)
        (aid,) = apply_changes(s, [change()], now=datetime.now(UTC))
    engine.dispose()

    listed = json.loads(_run("alerts", "list", "--json").stdout)
    assert [(a["id"], a["state"], a["station"]) for a in listed] == [(aid, "new", "UT")]

    xml = _run("alerts", "export", str(aid), "--format", "cap").stdout
    cap.validate(xml)
    entity = json.loads(_run("alerts", "export", str(aid), "--format", "ngsi-ld").stdout)
    ngsi_ld.validate(entity)
    assert entity["id"] == f"urn:ngsi-ld:Alert:perron:{aid}"

    bad = _run("alerts", "arrive", str(aid), ok=False)
    assert bad.exit_code == 1 and "cannot move to 'on_scene'" in bad.output
    _run("alerts", "ack", str(aid), "--actor", "cli-test")
    out = json.loads(_run("alerts", "dispatch", str(aid), "--json").stdout)
    assert out["state"] == "dispatched"
    _run("alerts", "arrive", str(aid))
    _run("alerts", "resolve", str(aid), "--outcome", "true_alarm", "--note", "handled")
    shown = json.loads(_run("alerts", "show", str(aid), "--json").stdout)
    assert [t["to"] for t in shown["transitions"]] == [
        "new",
        "acknowledged",
        "dispatched",
        "on_scene",
        "resolved",
    ]
    assert shown["transitions"][1]["actor"] == "cli-test"
    units = json.loads(_run("units", "list", "--json").stdout)
    assert [(u["code"], u["status"]) for u in units] == [("NS-UT-A", "available")]
    rt = json.loads(_run("alerts", "response-times", "--by", "party", "--json").stdout)
    assert rt[0]["group"] == "ns" and rt[0]["resolve"]["n"] == 1
    missing = _run("alerts", "export", "999999", ok=False)
    assert missing.exit_code == 1 and "no alert 999999" in missing.output


def test_rules_check(tmp_path):
    out = _run("alerts", "rules", "check")
    assert "aggression" in out.output
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[rules]]\nid = "x1"\ntype = "repeat"\ntitle_nl = "a"\ntitle_en = "a"\n'
        'severity = "low"\nsubcategory = "assault"\nsignals = ["graffiti"]\n'
    )
    res = _run("alerts", "rules", "check", str(bad), ok=False)
    assert res.exit_code == 1
    assert "bad.toml" in res.output and "rule 'x1'" in res.output and "needs count" in res.output


def test_webhook_commands(settings):
    out = json.loads(
        _run(
            "alerts",
            "webhooks",
            "add",
            "--party",
            "ns",
            "--url",
            "http://127.0.0.1:9/h",
            "--format",
            "cap",
            "--json",
        ).stdout
    )
    assert out["format"] == "cap" and len(out["secret"]) > 20
    listed = json.loads(_run("alerts", "webhooks", "list", "--json").stdout)
    assert [(w["id"], w["party"], w["pending"]) for w in listed] == [(out["id"], "ns", 0)]
    assert "secret" not in listed[0]
    bad = _run("alerts", "webhooks", "add", "--party", "nope", "--url", "http://x", ok=False)
    assert bad.exit_code == 1 and "unknown party" in bad.output


def test_escalate_command(settings, db_url):
    from datetime import timedelta

    long_ago = datetime.now(UTC) - timedelta(hours=1)
    engine = make_engine(db_url)
    with transaction(engine) as s:
        (aid,) = apply_changes(s, [change(severity="low", at=long_ago)], now=long_ago)
    engine.dispose()
    assert json.loads(_run("alerts", "escalate", "--json").stdout) == {"escalated": [aid]}
    assert json.loads(_run("alerts", "escalate", "--json").stdout) == {"escalated": []}
    shown = json.loads(_run("alerts", "show", str(aid), "--json").stdout)
    assert shown["severity"] == "medium" and shown["escalation_level"] == 1
    assert shown["transitions"][-1]["actor"] == "system:escalation"


def test_events_list_is_for_the_installation_and_admins(settings, db_url):
    from perron.access import accounts

    engine = make_engine(db_url)
    with transaction(engine) as s:
        accounts.create_user(s, "ns-viewer", "a-long-password-1", "ns", "viewer")
    engine.dispose()
    assert json.loads(_run("events", "list", "--json").stdout) == []
    refused = _run("events", "list", "--user", "ns-viewer", ok=False)
    assert refused.exit_code == 1 and "listed to admins" in refused.stderr
    bad = _run("events", "list", "--limit", "0", ok=False)
    assert bad.exit_code == 1 and "limit must lie between" in bad.stderr

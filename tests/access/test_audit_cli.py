import json

from sqlalchemy import delete, update
from typer.testing import CliRunner

from perron.access import audit
from perron.cli import app
from perron.store.db import make_engine, transaction
from perron.store.tables.access import AuditEntry

runner = CliRunner()


def _fill(url, n=5):
    engine = make_engine(url)
    with transaction(engine) as session:
        for i in range(n):
            audit.record(
                session,
                actor="u",
                party="ns",
                purpose="analysis",
                action="incident.read",
                subject=f"incident/{i}",
            )
    return engine


def test_verify_ok_then_names_the_altered_entry(settings):
    engine = _fill(settings.database_url)
    ok = runner.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True
    with transaction(engine) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(subject="x"))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "entry 3" in bad.stdout and "altered" in bad.stdout
    engine.dispose()


def test_anchor_file_detects_truncation(settings):
    engine = _fill(settings.database_url)
    res = runner.invoke(app, ["audit", "anchor", "--json"])
    assert res.exit_code == 0, res.output
    mark = json.loads(res.stdout)
    assert mark["seq"] == 5 and len(mark["hash"]) == 64
    path = mark["file"]
    assert str(settings.data_dir / "anchors") in path
    assert runner.invoke(app, ["audit", "verify", "--anchor", path]).exit_code == 0
    with transaction(engine) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    res = runner.invoke(app, ["audit", "verify", "--anchor", path, "--json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["first_bad_seq"] == 5 and "truncated" in out["reason"]
    engine.dispose()


def test_agreements_commands_record_and_audit(settings):
    res = runner.invoke(
        app,
        [
            "agreements",
            "add",
            "--owner",
            "ns",
            "--grantee",
            "ilt",
            "--level",
            "detail",
            "--purpose",
            "accountability",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    made = json.loads(res.stdout)
    assert made["owner"] == "ns" and made["purposes"] == ["accountability"]
    bad = runner.invoke(
        app,
        ["agreements", "add", "--owner", "ns", "--grantee", "ilt", "--purpose", "curiosity"],
    )
    assert bad.exit_code == 2 and "unknown purpose" in bad.output
    listed = json.loads(runner.invoke(app, ["agreements", "list", "--json"]).stdout)
    assert [a["id"] for a in listed] == [made["id"]]
    log = json.loads(runner.invoke(app, ["audit", "log", "--json"]).stdout)
    assert [e["action"] for e in log] == ["agreement.create"]
    assert runner.invoke(app, ["agreements", "revoke", str(made["id"])]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["agreements", "list", "--json"]).stdout)
    assert listed[0]["revoked_at"] is not None


def test_verify_with_workers_checks_slices_in_processes(settings, monkeypatch):
    engine = _fill(settings.database_url, n=8)
    monkeypatch.setattr(audit, "PARALLEL_FROM", 1)
    slices = []
    real = audit._verify_parallel

    def counted(session, head, workers):
        slices.append(workers)
        return real(session, head, workers)

    monkeypatch.setattr(audit, "_verify_parallel", counted)
    ok = runner.invoke(app, ["audit", "verify", "--workers", "2", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["checked"] == 8
    assert slices == [2]
    with transaction(engine) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 6))
    bad = runner.invoke(app, ["audit", "verify", "--workers", "2"])
    assert bad.exit_code == 1 and "entry 6" in bad.stdout, bad.stdout
    engine.dispose()

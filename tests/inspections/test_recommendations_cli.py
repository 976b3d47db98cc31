"""The recommendations commands exactly as the acceptance checks use them: import a CSV, list
the overdue ones on a day as JSON; errors name file, row and field and nothing is written."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from perron.cli import app
from perron.inspections.recommendations import add_months, is_overdue, response_due

GOOD = (
    "ref,issuer,issued_on,addressee,title,responded_on,assessment,status\n"
    "R1,OvV,2024-05-15,ProRail,Robuuste afscherming,,,\n"
    "R2,OvV,2024-05-15,ProRail,Werkplek veilig bereikbaar,2024-10-01,partly,monitoring\n"
    "R3,OvV,2024-05-15,ProRail,Zelf zien of spoor in dienst is,2025-01-10,,\n"
    "R4,ILT,2024-09-01,NS,Hulpzuilen herstellen,,,open\n"
)


def _flat(text: str) -> str:
    """Messages on standard error as one line (Rich wraps them at the terminal's width)."""
    return " ".join(text.split())


def _run(*args: str):
    return CliRunner().invoke(app, ["recommendations", *args], catch_exceptions=False)


def test_import_then_list_overdue_as_of_a_day(settings, tmp_path):
    f = tmp_path / "recs.csv"
    f.write_text(GOOD)
    out = _run("import", str(f))
    assert out.exit_code == 0, out.output
    listed = json.loads(_run("list", "--json").stdout)
    assert [r["ref"] for r in listed] == ["R1", "R2", "R3", "R4"]
    assert listed[0]["response_due"] == "2024-11-15"  # six months after issue
    assert listed[0]["monitor_party"] == "ilt"  # OvV to ProRail: the inspectorate monitors

    def overdue(day: str) -> list[str]:
        result = _run("list", "--overdue", "--as-of", day, "--json")
        assert result.exit_code == 0, result.output
        return [r["ref"] for r in json.loads(result.stdout)]

    assert overdue("2024-11-15") == []  # the deadline day itself is not late
    assert overdue("2024-11-16") == ["R1", "R3"]  # R2 answered in time
    assert overdue("2025-01-10") == ["R1"]  # R3 answered on that day
    assert overdue("2025-03-02") == ["R1", "R4"]  # R4 (ILT, 1 Sep) due 1 March
    one = json.loads(_run("list", "--overdue", "--as-of", "2025-03-02", "--json").stdout)[0]
    assert one["overdue"] is True and one["days_overdue"] == 107


def test_a_bad_file_names_file_row_and_field_and_writes_nothing(settings, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ref,issuer,issued_on,addressee,title,responded_on,assessment,status\n"
        "R1,OvV,2024-05-15,ProRail,Goed,,,\n"
        "R2,OvV,15-05-2024,ProRail,Datum fout,,,\n"
        "R3,OvV,2024-05-15,,Geen geadresseerde,,meh,\n"
        "R4,OvV,2024-05-15,ProRail,Antwoord voor uitgifte,2024-01-01,,\n"
        "R1,OvV,2024-05-15,ProRail,Dubbel,,,\n"
        "R5,OvV,2024-05-15,ProRail,Dicht zonder bewijs,2024-06-01,fully,closed\n"
    )
    result = _run("import", str(bad), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {(e["row"], e["field"]) for e in report["errors"]} == {
        (3, "issued_on"),
        (4, "addressee"),
        (4, "assessment"),
        (5, "responded_on"),
        (6, "ref"),
        (7, "evidence"),
    }
    plain = _run("import", str(bad))
    assert plain.exit_code == 1
    assert f"{bad}: row 3, field issued_on" in _flat(plain.stderr)
    assert json.loads(_run("list", "--json").stdout) == []  # R1 was good, but nothing is kept


def test_missing_columns_and_a_missing_file(settings, tmp_path):
    f = tmp_path / "cols.csv"
    f.write_text("ref,issuer,title\nR1,OvV,x\n")
    report = json.loads(_run("import", str(f), "--json").stdout)
    assert {e["field"] for e in report["errors"]} == {"issued_on", "addressee"}
    gone = _run("import", str(tmp_path / "nope.csv"))
    assert gone.exit_code == 2


def test_reimport_updates_and_keeps_history(settings, tmp_path):
    f = tmp_path / "recs.csv"
    f.write_text(GOOD)
    _run("import", str(f))
    f.write_text(
        GOOD.replace(
            "R1,OvV,2024-05-15,ProRail,Robuuste afscherming,,,",
            "R1,OvV,2024-05-15,ProRail,Robuuste afscherming,2024-12-01,intent,",
        )
    )
    out = json.loads(_run("import", str(f), "--json").stdout)
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 1, 3)
    shown = json.loads(_run("show", "R1", "--json").stdout)
    assert shown["assessment"] == "intent"
    assert [h["event"] for h in shown["history"]] == ["imported", "updated"]


def test_closing_needs_the_monitoring_party_a_response_and_evidence(settings, tmp_path):
    f = tmp_path / "recs.csv"
    f.write_text(GOOD)
    _run("import", str(f))
    # ProRail, the addressee, may not close what ILT monitors
    refused = _run(
        "status", "R2", "closed", "--party", "prorail", "--evidence-url", "https://example.org/x"
    )
    assert refused.exit_code == 1 and "monitoring party" in _flat(refused.stderr)
    # ILT may not close without evidence
    no_ev = _run("status", "R2", "closed")
    assert no_ev.exit_code == 1 and "needs evidence" in _flat(no_ev.stderr)
    # nor without a response
    no_resp = _run("status", "R1", "closed", "--evidence-url", "https://example.org/x")
    assert no_resp.exit_code == 1 and "no recorded response" in _flat(no_resp.stderr)
    shown = json.loads(_run("show", "R2", "--json").stdout)
    assert shown["status"] == "monitoring"
    ok = _run(
        "status",
        "R2",
        "closed",
        "--reason",
        "maatregelen getoetst",
        "--evidence-url",
        "https://example.org/ilt-rapport.pdf",
        "--json",
    )
    assert ok.exit_code == 0, ok.output
    closed = json.loads(ok.stdout)
    assert closed["status"] == "closed"
    assert closed["evidence"][0]["url"] == "https://example.org/ilt-rapport.pdf"
    assert closed["history"][-1]["event"] == "closed"
    assert closed["history"][-1]["party"] == "ilt"


def test_the_register_is_kept_by_the_inspectorate_or_the_ministry(settings, tmp_path):
    f = tmp_path / "recs.csv"
    f.write_text(GOOD)
    out = _run("import", str(f), "--party", "ns")
    assert out.exit_code == 1 and "inspectorate or the ministry" in _flat(out.stderr)


def test_the_deadline_rule():
    assert response_due("OvV", date(2024, 5, 15)) == date(2024, 11, 15)
    assert response_due("Onderzoeksraad voor Veiligheid", date(2024, 8, 31)) == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert not is_overdue(date(2024, 11, 15), None, date(2024, 11, 15))
    assert is_overdue(date(2024, 11, 15), None, date(2024, 11, 16))
    assert is_overdue(date(2024, 11, 15), date(2025, 1, 1), date(2024, 12, 1))  # late, not yet
    assert not is_overdue(date(2024, 11, 15), date(2025, 1, 1), date(2025, 1, 1))


def test_a_closed_row_imports_only_with_evidence_and_by_the_monitoring_party(settings, tmp_path):
    f = tmp_path / "closed.csv"
    f.write_text(
        "ref,issuer,issued_on,addressee,title,responded_on,assessment,status,evidence\n"
        "C1,OvV,2023-01-10,ProRail,Afgerond,2023-06-01,fully,closed,https://example.org/ilt.pdf\n"
    )
    refused = _run("import", str(f), "--party", "ienw", "--json")
    assert refused.exit_code == 1
    assert [(e["row"], e["field"]) for e in json.loads(refused.stdout)["errors"]] == [(2, "status")]
    ok = _run("import", str(f), "--json")
    assert ok.exit_code == 0, ok.output
    shown = json.loads(_run("show", "C1", "--json").stdout)
    assert shown["status"] == "closed"
    assert shown["evidence"][0]["url"] == "https://example.org/ilt.pdf"
    assert json.loads(_run("import", str(f), "--json").stdout)["unchanged"] == 1
    assert len(json.loads(_run("show", "C1", "--json").stdout)["evidence"]) == 1

"""The incidents commands as the acceptance checks use them: JSON out, non-zero on rejection,
idempotent re-import, and a confirmed link counting once in the summary."""

import json

from typer.testing import CliRunner

from perron.cli import app

HEADER = "ref,category,occurred_at,station,zone,person_id\n"
ROWS = (
    "C1,aggression_staff_physical,2024-05-01T22:10:00,UT,platform,EMP-17\n"
    "C2,nuisance,2024-05-02T23:00:00,ASD,hall,\n"
)


def _run(*args: str):
    return CliRunner().invoke(app, ["incidents", *args], catch_exceptions=False)


def test_import_summary_and_links_through_the_cli(settings, tmp_path):
    ns = tmp_path / "ns.csv"
    ns.write_text(HEADER + ROWS)
    first = _run("import", str(ns), "--party", "ns", "--profile", "generic", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] == 2
    again = json.loads(
        _run("import", str(ns), "--party", "ns", "--profile", "generic", "--json").stdout
    )
    assert (again["created"], again["unchanged"]) == (0, 2)

    police = tmp_path / "politie.csv"
    police.write_text(HEADER + "P9,aggression_staff_physical,2024-05-01T22:16:00,UT,platform,\n")
    _run("import", str(police), "--party", "politie", "--profile", "generic", "--json")
    summary = json.loads(_run("summary", "--json").stdout)
    assert summary["total"] == 3
    assert summary["by_source"] == {"ns": 2, "politie": 1}
    assert summary["by_category"]["aggression_staff_physical"] == 2

    proposed = json.loads(_run("links", "propose", "--json").stdout)
    assert len(proposed) == 1
    links = json.loads(_run("links", "list", "--json").stdout)
    decided = json.loads(_run("links", "confirm", str(links[0]["id"]), "--json").stdout)
    assert decided["status"] == "confirmed"
    summary = json.loads(_run("summary", "--json").stdout)
    assert summary["total"] == 2
    assert summary["by_category"]["aggression_staff_physical"] == 1


def test_a_rejected_file_exits_non_zero_with_the_report_as_json(settings, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ROWS + "C3,nuisance,not-a-date,ZZZ,platform,\n")
    result = _run("import", str(bad), "--party", "ns", "--profile", "generic", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {(e["row"], e["field"]) for e in report["errors"]} == {
        (4, "occurred_at"),
        (4, "station"),
    }
    assert json.loads(_run("summary", "--json").stdout)["total"] == 0


def test_a_correction_through_the_cli_is_a_new_version_and_needs_a_reason(settings, tmp_path):
    ns = tmp_path / "ns.csv"
    ns.write_text(HEADER + ROWS)
    _run("import", str(ns), "--party", "ns", "--profile", "generic", "--json")
    refused = _run("correct", "1", "--set", "category=theft", "--reason", " ", "--json")
    assert refused.exit_code != 0
    done = _run("correct", "1", "--set", "category=theft", "--reason", "wrong category", "--json")
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["version"] == 2
    assert [v["category"] for v in out["history"]] == ["aggression_staff_physical", "theft"]
    assert out["history"][1]["reason"] == "wrong category"
    assert out["history"][1]["recorded_by"].startswith("cli:")


def test_a_party_may_send_the_generic_format_without_naming_it(settings, tmp_path):
    # NS has a profile of its own; a file in the generic columns still imports as generic
    f = tmp_path / "ns-generic.csv"
    f.write_text("ref,category,occurred_at,station\nG1,nuisance,2024-05-01T22:10:00+02:00,UT\n")
    done = _run("import", str(f), "--party", "ns", "--json")
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert (out["created"], out["profile"]) == (1, "generic")
    # a file in NS's own columns keeps NS's profile, and its errors name NS's columns
    bad = tmp_path / "ns-own.csv"
    bad.write_text("whatever,columns\n1,2\n")
    refused = _run("import", str(bad), "--party", "ns", "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["profile"] == "ns"

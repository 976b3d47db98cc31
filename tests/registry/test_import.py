import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from perron.registry import incidents
from perron.registry.importers import ImportRejected, import_file
from perron.registry.profiles import GENERIC, NS, PRORAIL
from perron.store.tables.registry import Incident, IncidentVersion

HEADER = "ref,category,severity,occurred_at,station,zone,victim_role,description,person_id\n"
GOOD = (
    "A1,aggression_staff_physical,high,2024-03-01T21:15:00,UT,platform,staff,Conducteur geslagen,EMP-991\n"
    "A2,nuisance,,2024-03-02 23:40,ASD,hall,,Groep maakt lawaai,\n"
    "A3,theft,medium,2024-03-03T08:00:00+01:00,NA,platform,traveller,Tas weg,\n"
)


def _count(session, model=Incident):
    return session.scalar(select(func.count()).select_from(model))


def _write(tmp_path: Path, name: str, text_: str) -> Path:
    path = tmp_path / name
    path.write_text(text_)
    return path


def test_a_good_csv_is_imported_with_versions_and_pseudonyms(session, tmp_path, settings):
    path = _write(tmp_path, "ns.csv", HEADER + GOOD)
    result = import_file(session, path, "ns", GENERIC, "tester")
    session.commit()
    assert (result.created, result.rows) == (3, 3)
    rows = {i.party_ref: i for i in session.scalars(select(Incident))}
    assert rows["A3"].station_code == "NA"
    assert rows["A1"].occurred_at.hour == 20  # 21:15 in Amsterdam in March is 20:15 UTC
    assert rows["A1"].person_ref.startswith("psn_")
    assert _count(session, IncidentVersion) == 3
    dump = " ".join(str(v) for r in session.execute(text("SELECT * FROM incident")) for v in r)
    assert "EMP-991" not in dump


def test_a_file_with_bad_rows_is_rejected_whole_with_a_report(session, tmp_path, settings):
    bad = (
        HEADER
        + GOOD
        + "B1,unicorn_attack,high,2024-03-01T10:00:00,UT,platform,,x,\n"
        + "B2,nuisance,urgent,yesterday,XXX,roof,,x,\n"
    )
    path = _write(tmp_path, "bad.csv", bad)
    with pytest.raises(ImportRejected) as exc:
        import_file(session, path, "ns", GENERIC, "tester")
    session.rollback()
    errors = {(e.row, e.field) for e in exc.value.result.errors}
    assert (5, "category") in errors
    assert {(6, "severity"), (6, "occurred_at"), (6, "station"), (6, "zone")} <= errors
    assert all(e.file == "bad.csv" and e.reason for e in exc.value.result.errors)
    assert _count(session) == 0


def test_reimport_changes_nothing_and_a_changed_row_becomes_a_correction(
    session, tmp_path, settings
):
    path = _write(tmp_path, "ns.csv", HEADER + GOOD)
    import_file(session, path, "ns", GENERIC, "tester")
    session.commit()
    again = import_file(session, path, "ns", GENERIC, "tester")
    session.commit()
    assert (again.created, again.corrected, again.unchanged) == (0, 0, 3)
    changed = _write(
        tmp_path, "ns-v2.csv", HEADER + GOOD.replace("Groep maakt lawaai", "Groep jongeren")
    )
    result = import_file(session, changed, "ns", GENERIC, "tester")
    session.commit()
    assert (result.created, result.corrected, result.unchanged) == (0, 1, 2)
    a2 = session.scalar(select(Incident).where(Incident.party_ref == "A2"))
    history = incidents.history(session, a2.id)
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["description"] == "Groep maakt lawaai"
    assert history[1]["reason"] == "re-import of ns-v2.csv"


def test_the_same_reference_twice_in_one_file_is_an_error(session, tmp_path, settings):
    path = _write(tmp_path, "dup.csv", HEADER + GOOD + GOOD.splitlines()[0] + "\n")
    with pytest.raises(ImportRejected) as exc:
        import_file(session, path, "ns", GENERIC, "tester")
    assert "appears again (first at row 2)" in str(exc.value.result.errors[0])


def test_xlsx_with_the_ns_profile(session, tmp_path, settings):
    book = Workbook()
    sheet = book.active
    sheet.append(list(NS.columns.values()))
    sheet.append(
        [
            "NS-1",
            "01-02-2024 22:10",
            "ut",
            "Perron",
            "Fysieke agressie tegen personeel",
            "Hoog",
            "Personeel",
            "Spugen",
            "12345",
        ]
    )
    sheet.append(
        [
            "NS-2",
            "02-02-2024 07:05",
            "GD",
            "Fietsenstalling",
            "Diefstal / zakkenrollerij",
            "Laag",
            "Reiziger",
            "Fiets weg",
            None,
        ]
    )
    path = tmp_path / "ns.xlsx"
    book.save(path)
    result = import_file(session, path, "ns", NS, "tester")
    session.commit()
    assert result.created == 2
    ns1 = session.scalar(select(Incident).where(Incident.party_ref == "NS-1"))
    assert (ns1.category, ns1.zone, ns1.severity, ns1.station_code) == (
        "aggression_staff_physical",
        "platform",
        "high",
        "UT",
    )


def test_json_import_and_prorail_rows_that_are_not_safety_related_are_skipped(
    session, tmp_path, settings
):
    items = [
        {
            "Incidentnummer": "P1",
            "Starttijd": "2024-05-01 03:00:00",
            "Oorzaak": "Vandalisme",
            "Stationscode": "UT",
        },
        {
            "Incidentnummer": "P2",
            "Starttijd": "2024-05-01 04:00:00",
            "Oorzaak": "Slijtage",
            "Baanvak": "Utrecht - Amersfoort",
        },
        {
            "Incidentnummer": "P3",
            "Starttijd": "2024-05-02 04:00:00",
            "Oorzaak": "Diefstal",
            "Baanvak": "Utrecht - Amersfoort",
        },
    ]
    path = tmp_path / "prorail.json"
    path.write_text(json.dumps({"incidents": items}))
    result = import_file(session, path, "prorail", PRORAIL, "tester")
    session.commit()
    assert (result.created, result.skipped) == (2, 1)
    p3 = session.scalar(select(Incident).where(Incident.party_ref == "P3"))
    assert (p3.category, p3.line_section, p3.station_code) == (
        "copper_theft",
        "Utrecht - Amersfoort",
        None,
    )


def test_corrections_are_versions_with_a_reason(session, tmp_path, settings):
    path = _write(tmp_path, "ns.csv", HEADER + GOOD)
    import_file(session, path, "ns", GENERIC, "tester")
    session.commit()
    a1 = session.scalar(select(Incident).where(Incident.party_ref == "A1"))
    with pytest.raises(incidents.RegistryError, match="needs a reason"):
        incidents.correct(session, a1.id, {"status": "retracted"}, "  ", "analyst")
    with pytest.raises(incidents.RegistryError, match="cannot correct"):
        incidents.correct(session, a1.id, {"party_code": "politie"}, "why not", "analyst")
    version = incidents.correct(
        session, a1.id, {"status": "retracted"}, "did not happen", "analyst"
    )
    session.commit()
    assert version == 2
    history = incidents.history(session, a1.id)
    assert [(v["status"], v["reason"]) for v in history] == [
        ("open", None),
        ("retracted", "did not happen"),
    ]

import pytest
from sqlalchemy import select

from perron.registry.disruptions import import_disruptions, severity_of
from perron.registry.importers import ImportRejected
from perron.store.tables.registry import Incident

HEADER = (
    "rdt_id,ns_lines,rdt_lines,rdt_lines_id,rdt_station_names,rdt_station_codes,cause_nl,"
    "cause_en,statistical_cause_nl,statistical_cause_en,cause_group,start_time,end_time,"
    "duration_minutes\n"
)
ROWS = [
    # station-coded, several stations: placed at the first, the others kept
    '1,Utrecht-Amersfoort,"Amersfoort - Utrecht",1,"Utrecht,Amersfoort","UT, AMF",aanrijding met een persoon,x,aanrijding met een persoon,x,accidents,2019-06-01 22:10:00,2019-06-02 00:10:00,120',
    # line-level only
    "2,Breda-Amsterdam C.,,,,,inzet van de politie,x,inzet van de politie,x,external,2022-01-03 18:00:00,2022-01-03 18:20:00,20",
    # NA is a real code; WR is a station abroad
    '3,Zwolle-Emmen,"Emmen - Zwolle",2,"Nieuw Amsterdam,Weener","NA, WR",koperdiefstal,x,koperdiefstal,x,external,2023-02-01 03:00:00,2023-02-01 09:00:00,360',
    # renamed cause from 2020 on
    '4,Gouda-Utrecht,"Gouda - Utrecht",3,Gouda,GD,aanrijding,x,aanrijding,x,accidents,2021-07-07 12:00:00,2021-07-07 13:00:00,60',
    # not safety related: skipped
    '5,Gouda-Utrecht,"Gouda - Utrecht",3,Gouda,GD,seinstoring,x,seinstoring,x,infrastructure,2021-07-07 12:00:00,2021-07-07 13:00:00,60',
]


def _file(tmp_path, rows):
    path = tmp_path / "disruptions.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_safety_related_disruptions_become_public_incidents(session, tmp_path, settings):
    result = import_disruptions(session, _file(tmp_path, ROWS))
    session.commit()
    assert (result.rows, result.created, result.skipped) == (5, 4, 1)
    got = {i.party_ref: i for i in session.scalars(select(Incident))}
    assert all(
        i.party_code == "rdt" and i.source == "public" and not i.synthetic for i in got.values()
    )
    assert (got["1"].station_code, got["1"].other_stations) == ("UT", "AMF")
    assert got["1"].category == "collision_person"
    assert got["1"].occurred_at.hour == 20  # 22:10 summer time is 20:10 UTC
    assert (got["2"].station_code, got["2"].line_section) == (None, "Breda-Amsterdam C.")
    assert got["2"].category == "police_deployment"
    assert (got["3"].station_code, got["3"].other_stations, got["3"].severity) == (
        "NA",
        "WR",
        "critical",
    )
    assert got["4"].category == "collision_unspecified"


def test_reimport_is_idempotent(session, tmp_path, settings):
    path = _file(tmp_path, ROWS)
    import_disruptions(session, path)
    session.commit()
    again = import_disruptions(session, path)
    session.commit()
    assert (again.created, again.unchanged) == (0, 4)


def test_an_unmapped_cause_rejects_the_file_naming_row_and_field(session, tmp_path, settings):
    bad = ROWS + [
        '6,a-b,"a - b",4,Gouda,GD,ufo,x,ufo,x,external,2021-07-07 12:00:00,2021-07-07 13:00:00,5'
    ]
    with pytest.raises(ImportRejected) as exc:
        import_disruptions(session, _file(tmp_path, bad))
    error = exc.value.result.errors[0]
    assert (error.row, error.field, error.value) == (7, "statistical_cause_nl", "ufo")
    session.rollback()
    assert session.scalars(select(Incident)).first() is None


@pytest.mark.parametrize(
    ("minutes", "severity"),
    [(5, "low"), (30, "medium"), (119, "medium"), (120, "high"), (400, "critical")],
)
def test_severity_follows_duration(minutes, severity):
    assert severity_of(minutes) == severity

"""Import (CSV/XLSX), idempotency, all-or-nothing, and generated data through the store."""

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from perron.access.actors import installation
from perron.monitor import scores as sc
from perron.monitor import service, store
from perron.monitor.generator import Targets
from perron.monitor.importer import ImportRejected, import_file
from perron.store.db import make_engine, transaction
from perron.store.tables.monitor import SurveyResponse

ACTOR = installation("cli:test")

HEADER = (
    "station,date,part_of_day,gender,age_band,frequency,"
    "safe_day,safe_evening,cleanliness,lighting,supervision,overall"
)
GOOD = [
    "UT,2024-03-01,avond,vrouw,16-24,dagelijks,8,5,7,6,,7",
    "ut,2024-03-02,morning,man,65+,weekly,9,8,8,8,7,8",
    "NA,01-04-2024,night,anders,35-49,rarely,7,,6,5,4,6",  # NA is Nieuw Amsterdam
]


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(SurveyResponse))


@pytest.fixture
def eng(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_csv_import_is_idempotent_and_keeps_missing_items(eng, tmp_path: Path):
    path = tmp_path / "wave1.csv"
    path.write_text("\n".join([HEADER, *GOOD]) + "\n")
    with transaction(eng) as s:
        report = import_file(s, path)
    assert (report.rows, report.inserted, report.replaced) == (3, 3, 0)
    with transaction(eng) as s:
        again = import_file(s, path)
        assert (again.inserted, again.replaced) == (3, 3)
        assert _count(s) == 3
        rows = s.scalars(select(SurveyResponse).order_by(SurveyResponse.response_date)).all()
    assert [r.station_code for r in rows] == ["UT", "UT", "NA"]
    assert rows[0].part_of_day == "evening" and rows[0].frequency == "daily"
    assert rows[0].supervision is None and rows[2].safe_evening is None
    assert not any(r.synthetic for r in rows) and rows[0].source == "file:wave1.csv"


def test_invalid_rows_are_reported_by_file_row_and_field_and_nothing_is_written(eng, tmp_path):
    path = tmp_path / "bad.csv"
    bad = [
        GOOD[0],
        "XXX,2024-03-01,avond,vrouw,16-24,dagelijks,8,5,7,6,,7",
        "UT,2024-13-01,avond,vrouw,16-24,dagelijks,8,5,7,6,,7",
        "UT,2024-03-01,avond,robot,16-24,dagelijks,8,11,7,6,,7.5",
    ]
    path.write_text("\n".join([HEADER, *bad]) + "\n")
    with pytest.raises(ImportRejected) as info, transaction(eng) as s:
        import_file(s, path)
    errors = {(e.row, e.field) for e in info.value.report.errors}
    assert errors == {
        (3, "station"),
        (4, "date"),
        (5, "gender"),
        (5, "safe_evening"),
        (5, "overall"),
    }
    assert "bad.csv, row 3, field 'station'" in str(info.value)
    with transaction(eng) as s:
        assert _count(s) == 0


def test_missing_column_is_reported(eng, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("station,date\nUT,2024-01-01\n")
    with pytest.raises(ImportRejected) as info, transaction(eng) as s:
        import_file(s, path)
    fields = {e.field for e in info.value.report.errors}
    assert {"part_of_day", "gender", "age_band", "frequency"} <= fields


def test_xlsx_import_with_respondent_refs(eng, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([*HEADER.split(","), "respondent_ref"])
    ws.append(["ASD", "2025-05-05", "avond", "vrouw", "25-34", "weekly", 7, 6, 6, 7, 5, 7, "r1"])
    ws.append(["ASD", "2025-05-06", "middag", "man", "50-64", "monthly", 8, 7, 6, 7, 6, 8, "r2"])
    path = tmp_path / "wave.xlsx"
    wb.save(path)
    with transaction(eng) as s:
        assert import_file(s, path, source="bureau-x").inserted == 2
    with transaction(eng) as s:
        import_file(s, path, source="bureau-x")
        refs = s.scalars(select(SurveyResponse.respondent_ref).order_by("respondent_ref")).all()
    assert refs == ["r1", "r2"]


SMALL = Targets(
    responses_per_year=6000,
    evening_national={2024: 6.9},
    below_threshold={2023: 3},
    overall_national={2023: 7.2},
    overall_range={},
)


def test_generate_replaces_synthetic_rows_keeps_imported_ones_and_scores_survive_the_store(
    eng, tmp_path
):
    path = tmp_path / "real.csv"
    path.write_text("\n".join([HEADER, *GOOD]) + "\n")
    with transaction(eng) as s:
        import_file(s, path)
        first = service.generate_into(s, ACTOR, 5, [2023, 2024], targets=SMALL)
    assert first["responses"] == 12000 and first["replaced"] == 0
    with transaction(eng) as s:
        again = service.generate_into(s, ACTOR, 5, [2023, 2024], targets=SMALL)
        assert again["replaced"] == 12000
        assert _count(s) == 12003
        frame = store.load_frame(s, years=[2023])
    assert len(frame) == 6000 and frame["synthetic"].all()
    assert sc.count_below(sc.add_weights(frame)) == 3  # the calibration holds after the store
    with transaction(eng) as s:
        report = service.below_threshold(s, ACTOR, "analysis", 2024)
        national = service.scores(s, ACTOR, "analysis", year=2024)["national"]
    assert report["previous_count"] == 3 and report["synthetic"] is None  # mixed with real rows
    assert national["mean"] == pytest.approx(6.9, abs=0.01)

"""Property tests of the importers: random bytes, encodings and shapes never crash them (a
refusal is a report naming file, row and field) and a refused import writes nothing."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from perron.monitor import importer as survey
from perron.registry import importers, profiles
from perron.store.tables.monitor import SurveyResponse
from perron.store.tables.registry import Incident, IncidentVersion

SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GENERIC = list(profiles.GENERIC.columns.values())
GOOD = {
    "ref": ["A1", "A2", "B-7", ""],
    "category": ["vandalism", "aggression_staff_physical", "nonsense", ""],
    "occurred_at": ["2024-01-10T21:00:00+01:00", "2024-01-10 21:00", "0001-01-01T00:00Z", "x"],
    "station": ["UT", "asd", "NOPE", ""],
    "level_crossing": ["1", "-1", "99999999999999999999999", ""],
    "lat": ["52.1", "91", "nan", "x"],
    "lng": ["5.1", "5,1", "inf", ""],
}
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252")
texts = st.text(max_size=30) | st.sampled_from(["=1+1", "@SUM(A1)", "a\x00b", "x" * 5000])


def _cells(column: str) -> st.SearchStrategy[str]:
    return st.sampled_from(GOOD[column]) | texts if column in GOOD else texts


@st.composite
def tables(draw) -> tuple[list[str], list[list[str]]]:
    header = draw(
        st.lists(st.sampled_from([*GENERIC, "extra", ""]) | st.text(max_size=8), max_size=10)
    )
    rows = draw(
        st.lists(
            st.lists(st.one_of(*(_cells(c) for c in header)) if header else texts, max_size=12),
            max_size=6,
        )
    )
    return header, rows


def _counts(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Incident)),
        session.scalar(select(func.count()).select_from(IncidentVersion)),
    )


def _import(session, name: str, data: bytes) -> None:
    """Import; a refusal must be a report naming the file, and must leave the store as it was."""
    before = _counts(session)
    try:
        result = importers.import_file(
            session, Path(name), "ns", profiles.GENERIC, "prop", data=data
        )
    except importers.ImportRejected as exc:
        assert exc.result.errors
        for e in exc.result.errors:
            assert e.file == name and isinstance(e.row, int) and e.row >= 0
            assert isinstance(e.field, str) and e.reason
            assert len(e.value) <= importers.SHOWN_VALUE + 1
        session.rollback()
        assert _counts(session) == before
        return
    assert result.ok
    session.rollback()


@pytest.mark.parametrize("suffix", [".csv", ".json", ".xlsx"])
def test_random_bytes_never_crash_an_import(session, suffix):
    @SETTINGS
    @given(data=st.binary(max_size=600))
    def run(data):
        if suffix == ".xlsx":
            data = b"PK\x03\x04" + data
        _import(session, "random" + suffix, data)

    run()


def test_random_csv_tables_in_any_encoding(session):
    @SETTINGS
    @given(table=tables(), encoding=st.sampled_from(ENCODINGS), delimiter=st.sampled_from(",;"))
    def run(table, encoding, delimiter):
        header, rows = table
        text = "\n".join(delimiter.join(r) for r in [header, *rows])
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8", "replace")
        _import(session, "table.csv", data)

    run()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | texts
    | st.sampled_from([v for vs in GOOD.values() for v in vs]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*GENERIC, "x"]) | st.text(max_size=5), children, max_size=6
        )
    ),
    max_leaves=20,
)


def test_random_json_shapes(session):
    @SETTINGS
    @given(doc=json_values | st.dictionaries(st.just("incidents"), json_values))
    def run(doc):
        _import(session, "doc.json", json.dumps(doc).encode())

    run()


cell_values = (
    st.none()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1))
    | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=20)
    | st.sampled_from([v for vs in GOOD.values() for v in vs if "\x00" not in v])
)


def test_random_xlsx_sheets(session):
    from openpyxl import Workbook

    @SETTINGS
    @given(
        header=st.lists(st.sampled_from([*GENERIC, "x"]) | st.none(), max_size=8),
        rows=st.lists(st.lists(cell_values, max_size=8), max_size=5),
    )
    def run(header, rows):
        book = Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        buf = io.BytesIO()
        book.save(buf)
        _import(session, "sheet.xlsx", buf.getvalue())

    run()


# ---- the survey importer of the monitor ----------------------------------------------------


def _survey(session, tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    before = session.scalar(select(func.count()).select_from(SurveyResponse))
    try:
        survey.import_file(session, path)
    except survey.ImportRejected as exc:
        assert exc.report.errors
        session.rollback()
        assert session.scalar(select(func.count()).select_from(SurveyResponse)) == before
        return
    except ValueError as exc:  # the file as a whole cannot be read: the message names it
        assert str(exc).startswith(name), exc
        session.rollback()
        assert session.scalar(select(func.count()).select_from(SurveyResponse)) == before
        return
    session.rollback()


SURVEY_COLUMNS = ["station", "date", "part_of_day", "gender", "age_band", "frequency", "x"]


def test_random_survey_files(session, tmp_path):
    @SETTINGS
    @given(
        raw=st.binary(max_size=400),
        header=st.lists(st.sampled_from(SURVEY_COLUMNS) | st.text(max_size=6), max_size=9),
        rows=st.lists(
            st.lists(texts | st.sampled_from(["UT", "2024-03-01", "1", "10"])), max_size=4
        ),
        kind=st.sampled_from(["bytes.csv", "table.csv", "bytes.xlsx"]),
    )
    def run(raw, header, rows, kind):
        if kind == "table.csv":
            raw = "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8", "replace")
        _survey(session, tmp_path, kind, raw)

    run()


def test_a_survey_header_with_a_column_twice_is_refused(session, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("station,date,station\nUT,2024-03-01,ASD\n")
    with pytest.raises(ValueError, match="'station' appears more than once"):
        survey.import_file(session, path)


def test_a_corrupt_survey_workbook_is_refused_by_name(session, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(ValueError, match="bad.xlsx: not a readable XLSX"):
        survey.import_file(session, path)

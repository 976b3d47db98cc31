"""The fast CSV path gives exactly what the row-by-row path gives, and steps aside for wrong
rows and re-imports."""

import random

import pytest
from sqlalchemy import func, select

from perron.registry import fastpath
from perron.registry.importers import ImportRejected, import_file
from perron.registry.incidents import FACT_FIELDS
from perron.registry.profiles import GENERIC
from perron.store.tables.registry import Incident, IncidentVersion

HEADER = (
    "ref,category,severity,occurred_at,reported_at,station,zone,line_section,lat,lng,"
    "victim_role,description,person_id,status\n"
)
TIMES = [
    "2024-03-01T21:15:00",
    "2024-03-31 02:30",  # does not exist in Amsterdam (clocks go forward)
    "2024-10-27 02:30:00",  # happens twice in Amsterdam (clocks go back)
    "2024-07-14T12:00:00+02:00",
    "2024-01-05T08:00:00Z",
    "2024-06-01T23:59:59.250",
]


def _rows(n: int, seed: int = 5) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        when = rng.choice(TIMES)
        kind = i % 4
        station = rng.choice(["UT", "ASD", "NA", "ut", "RTD"]) if kind != 1 else ""
        line = "Utrecht - Amersfoort" if kind == 1 else ""
        lat, lng = ("52.09", "5.11") if kind == 2 else ("", "")
        reported = "2024-12-31T10:00:00" if kind == 3 else ""
        lines.append(
            f"R{i},{rng.choice(['nuisance', 'theft', 'aggression_staff_physical'])},"
            f"{rng.choice(['', 'low', 'high'])},{when},{reported},{station},"
            f"{rng.choice(['', 'platform', 'hall'])},{line},{lat},{lng},"
            f"{rng.choice(['', 'staff', 'traveller'])},tekst {i},"
            f"{rng.choice(['', 'EMP-1', 'EMP-2'])},{rng.choice(['', 'closed'])}\n"
        )
    return "".join(lines)


def _facts(session, party):
    return {
        i.party_ref: tuple(getattr(i, k) for k in FACT_FIELDS)
        for i in session.scalars(select(Incident).where(Incident.party_code == party))
    }


def _spy_on_the_fast_path(monkeypatch) -> list:
    """What each call of the fast path answered (None: it stepped aside)."""
    answers = []
    real = fastpath.import_csv

    def spy(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(fastpath, "import_csv", spy)
    return answers


@pytest.fixture(autouse=True)
def small_files_take_the_fast_path(monkeypatch):
    monkeypatch.setattr(fastpath, "MIN_ROWS", 100)


def test_fast_and_row_by_row_paths_agree(session, settings, tmp_path, monkeypatch):
    n = 400
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _rows(n))
    answers = _spy_on_the_fast_path(monkeypatch)
    fast = import_file(session, path, "ns", GENERIC, "tester")
    assert answers and answers[0] is fast and fast.created == n
    monkeypatch.setattr(fastpath, "import_csv", lambda *a, **k: None)
    slow = import_file(session, path, "politie", GENERIC, "tester")
    session.commit()
    assert slow.created == n
    a, b = _facts(session, "ns"), _facts(session, "politie")
    assert len(a) == n and a == b
    versions = session.scalars(
        select(IncidentVersion)
        .join(Incident, Incident.id == IncidentVersion.incident_id)
        .where(Incident.party_code == "ns")
    ).all()
    assert len(versions) == n
    assert all(v.person_ref is None or v.person_ref.startswith("psn_") for v in versions)


def test_large_files_with_a_wrong_row_or_known_references_take_the_careful_path(
    session, settings, tmp_path
):
    n = 150
    good = HEADER + _rows(n)
    path = tmp_path / "big.csv"
    path.write_text(good + "X1,nuisance,,2024-13-01T10:00,,UT,,,,,,,,\n")
    with pytest.raises(ImportRejected) as exc:
        import_file(session, path, "ns", GENERIC, "tester")
    session.rollback()
    assert [(e.row, e.field) for e in exc.value.result.errors] == [(n + 2, "occurred_at")]
    assert session.scalar(select(Incident.id).limit(1)) is None
    path.write_text(good)
    assert import_file(session, path, "ns", GENERIC, "tester").created == n
    session.commit()
    again = import_file(session, path, "ns", GENERIC, "tester")
    assert (again.created, again.unchanged) == (0, n)


def test_a_fast_import_into_an_empty_registry_keeps_every_index(session, settings, tmp_path):
    from sqlalchemy import inspect

    def indexes():
        found = {}
        for table in ("incident", "incident_version"):
            for ix in inspect(session.connection()).get_indexes(table):
                found[ix["name"]] = (table, tuple(ix["column_names"]), bool(ix["unique"]))
        return found

    before = indexes()
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _rows(300))
    assert import_file(session, path, "ns", GENERIC, "tester").created == 300
    session.commit()
    assert indexes() == before
    versions = session.execute(
        select(IncidentVersion.incident_id, IncidentVersion.version, IncidentVersion.recorded_by)
    ).all()
    ids = session.scalars(select(Incident.id)).all()
    assert sorted(versions) == [(i, 1, "tester") for i in sorted(ids)]


def test_quoted_values_bom_semicolons_and_crlf_read_the_same_both_ways(
    session, settings, tmp_path, monkeypatch
):
    lines = ["ref;category;occurred_at;station;description;person_id"]
    for i in range(150):
        text = f'"regel {i}; met ""quotes""\r\nen een tweede regel"' if i % 3 == 0 else f"t{i}"
        lines.append(f"00{i};theft;2024-05-0{1 + i % 9} 10:{i % 60:02d};ut;{text};EMP-{i % 7}")
    path = tmp_path / "quoted.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    answers = _spy_on_the_fast_path(monkeypatch)
    assert import_file(session, path, "ns", GENERIC, "tester").created == 150
    assert answers[0] is not None
    monkeypatch.setattr(fastpath, "import_csv", lambda *a, **k: None)
    assert import_file(session, path, "politie", GENERIC, "tester").created == 150
    session.commit()
    a, b = _facts(session, "ns"), _facts(session, "politie")
    assert a == b and "000" in a and "regel 0" in a["000"][FACT_FIELDS.index("description")]


def test_an_import_failing_after_the_indexes_were_dropped_leaves_everything_as_it_was(
    session, settings, tmp_path
):
    from sqlalchemy import inspect

    def indexes():
        conn = session.connection()
        return {
            table: sorted(ix["name"] for ix in inspect(conn).get_indexes(table))
            for table in ("incident", "incident_version")
        }

    before = indexes()
    session.rollback()
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _rows(300))

    def progress(stage, done, total):
        if stage == "writing versions":
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_file(session, path, "ns", GENERIC, "tester", progress=progress)
    session.rollback()
    assert indexes() == before
    assert session.scalar(select(Incident.id).limit(1)) is None


def test_a_party_code_with_a_quote_and_a_percent_sign_is_written_as_it_is(
    session, settings, tmp_path
):
    from perron.store.tables.accounts import Party

    code = "o'%s%"
    session.add(Party(code=code, name="Odd", kind="municipality"))
    session.commit()
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _rows(200))
    assert import_file(session, path, code, GENERIC, "tester").created == 200
    session.commit()
    assert len(_facts(session, code)) == 200
    assert session.scalar(select(func.count()).select_from(IncidentVersion)) == 200


def test_the_rollup_counts_what_a_fast_import_wrote(session, settings, tmp_path):
    from datetime import date

    from perron.access import agreements
    from perron.registry import queries

    viewer = agreements.viewer_for(session, "ns", "analyst", "ns-analyst")

    def counts(since):
        agg = queries.aggregate(
            session, viewer, "analysis", ("station",), queries.Filters(since=since)
        )
        return {c["station"]: c["count"] for c in agg.cells}

    assert counts(date(2024, 1, 1)) == {}  # builds the rollup of the empty registry
    session.commit()
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _rows(300))
    assert import_file(session, path, "ns", GENERIC, "tester").created == 300
    session.commit()
    whole_months, from_records = counts(date(2024, 1, 1)), counts(date(2024, 1, 2))
    assert whole_months == from_records and sum(whole_months.values()) == 300


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_large_import_on_postgresql_leaves_planner_statistics(
    session, settings, tmp_path, monkeypatch
):
    from sqlalchemy import text

    def reltuples(table):
        return session.scalar(
            text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}
        )

    monkeypatch.setattr(fastpath, "ANALYZE_MIN_ROWS", 200)
    assert reltuples("incident") < 0  # never analysed
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _rows(300))
    assert import_file(session, path, "ns", GENERIC, "tester").created == 300
    session.commit()
    assert reltuples("incident") == 300
    assert reltuples("incident_version") == 300

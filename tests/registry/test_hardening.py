"""Findings of an attack on the running registry, each closed: formula cells in exports,
profiles by path, corrections that store a real person identifier, agreements that accept
anything, 403s that name a record's category, unbounded or NUL-carrying fields, duplicated
headers, and inputs that answered 500."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import registry_read_seed as seed_data
from perron.access import accounts, agreements
from perron.access.pseudonym import is_pseudonym
from perron.domain.incidents import TEXT_LIMITS, IncidentFacts
from perron.domain.parties import Role
from perron.registry import exports, importers, incidents, profiles, queries
from perron.registry import service as registry_service
from perron.store.db import make_engine, transaction
from perron.store.tables.registry import Incident, IncidentVersion

PASSWORD = "a-long-and-unusual-passphrase-42"


# ---- CSV exports ------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(lead):
    body = exports.to_csv(
        [{"description": f'{lead}HYPERLINK("http://x")', "n": -3, "lat": 52.1}],
        ["description", "n", "lat"],
    )
    row = next(csv.DictReader(io.StringIO(body.decode())))
    assert row["description"] == "'" + f'{lead}HYPERLINK("http://x")'
    assert row["n"] == "-3"  # numbers are no formulas: left as they are
    assert row["lat"] == "52.1"


def test_a_detail_export_of_a_formula_description_is_neutralised(session):
    seed_data.add_one(session, "ns", seed_data.VANDALISM, "UT", 1, description="=1+1")
    session.commit()
    v = agreements.viewer_for(session, "ns", "analyst", "a")
    body, _ = queries.export(session, v, "analysis", "csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [r["description"] for r in rows] == ["'=1+1"]


# ---- profiles only by name ----------------------------------------------------------------------


def test_profiles_are_chosen_by_name_only(tmp_path):
    toml = tmp_path / "mine.toml"
    toml.write_text('[columns]\nparty_ref = "a"\ncategory = "b"\noccurred_at = "c"\n')
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.load_profile(str(toml), "ns")
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.load_profile("/etc/passwd", "ns")
    assert profiles.load_profile("prorail", "ns").name == "prorail"
    # a file of one's own is read only when asked for explicitly (the command line)
    assert profiles.load_profile_file(toml).columns["category"] == "b"


def test_the_import_form_refuses_a_profile_path(client, db_url, tmp_path):
    _user(db_url, "ns", "operator")
    _login(client, "ns-operator")
    secret = tmp_path / "secret.toml"
    secret.write_text('[columns]\nparty_ref = "x"\ncategory = "y"\noccurred_at = "z"\n')
    r = client.post(
        "/incidents/import",
        files={"file": ("a.csv", b"ref,category,occurred_at\n", "text/csv")},
        data={"profile": str(secret)},
    )
    assert r.status_code == 200
    assert "unknown profile" in r.text


# ---- corrections pseudonymise ----------------------------------------------------------------


def test_a_correction_pseudonymises_the_person(session):
    iid = seed_data.add_one(session, "ns", seed_data.VANDALISM, "UT", 1)
    session.commit()
    operator = accounts.Principal(0, "op", "op", "ns", Role.OPERATOR)
    registry_service.correct_incident(
        session, operator, iid, {"person_ref": "Jan Jansen 1970-01-01"}, "named later"
    )
    session.commit()
    stored = session.scalar(select(Incident.person_ref).where(Incident.id == int(iid)))
    versions = session.scalars(
        select(IncidentVersion.person_ref).where(IncidentVersion.incident_id == int(iid))
    ).all()
    assert is_pseudonym(stored)
    assert "Jansen" not in "".join(p or "" for p in versions)
    # the same person gets the pseudonym an import would give
    from perron.access.pseudonym import pseudonymise
    from perron.config import get_settings

    key = get_settings().secret("pseudonym_key")
    assert stored == pseudonymise("Jan Jansen 1970-01-01", key)


# ---- agreements -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"categories": ["no_such_category"]}, "categories"),
        ({"valid_until": datetime(2000, 1, 1, tzinfo=UTC)}, "valid_until"),
        ({"valid_until": datetime(2099, 1, 1)}, "valid_until"),
    ],
)
def test_agreements_are_validated(session, changes, field):
    kwargs = {"owner": "ns", "grantee": "ilt", "level": "detail", "purposes": ["analysis"]}
    with pytest.raises(agreements.AgreementError, match=field):
        agreements.create(session, **kwargs, **changes)


def test_the_agreement_api_answers_422_naming_the_field(client, db_url):
    _user(db_url, "ns", "admin")
    _login(client, "ns-admin")
    base = {"grantee": "ilt", "level": "detail", "purposes": ["analysis"]}
    for extra, field in (
        ({"valid_until": "2099-01-01T00:00:00"}, "valid_until"),
        ({"valid_until": "2001-01-01T00:00:00Z"}, "valid_until"),
        ({"categories": ["nonsense"]}, "categories"),
    ):
        r = client.post("/api/agreements", json={**base, **extra})
        assert r.status_code == 422, r.text
        assert field in r.json()["detail"]
    ok = client.post("/api/agreements", json={**base, "categories": ["social_safety"]})
    assert ok.status_code == 201, ok.text


# ---- 403 and 404 reveal nothing --------------------------------------------------------------


def test_a_refused_incident_looks_like_a_missing_one(client, db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        hidden = seed_data.add_one(s, "politie", seed_data.AGGRESSION, "UT", 1)
    engine.dispose()
    _user(db_url, "ienw", "analyst")
    _login(client, "ienw-analyst")
    refused = client.get(f"/api/incidents/{hidden}", params={"purpose": "analysis"})
    missing = client.get("/api/incidents/99999999", params={"purpose": "analysis"})
    assert refused.status_code == missing.status_code == 404
    assert seed_data.AGGRESSION not in refused.text and "social_safety" not in refused.text
    assert "category" not in refused.json()
    assert set(refused.json()) == set(missing.json())
    links = client.get(f"/api/incidents/{hidden}/links", params={"purpose": "analysis"})
    assert links.status_code == 404 and seed_data.AGGRESSION not in links.text


# ---- bounded fields, NUL, duplicate headers ---------------------------------------------------


def test_every_text_field_is_bounded():
    for name, limit in TEXT_LIMITS.items():
        facts = IncidentFacts(
            category=seed_data.VANDALISM,
            occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
            station_code="UT",
            **{name: "x" * (limit + 1)},
        )
        with pytest.raises(ValueError, match=name):
            facts.validate()


def test_nul_bytes_are_refused_naming_row_and_field(session, tmp_path):
    data = b"ref,category,occurred_at,station,description\nA1,vandalism,2024-01-01T10:00Z,UT,ok\n"
    data += b"A2,vandalism,2024-01-01T10:00Z,UT,bad\x00byte\n"
    with pytest.raises(importers.ImportRejected) as exc:
        importers.import_file(session, Path("nul.csv"), "ns", profiles.GENERIC, "t", data=data)
    errors = exc.value.result.errors
    assert [(e.row, e.field) for e in errors] == [(3, "description")]
    assert "NUL" in errors[0].reason
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Incident)) == 0


def test_a_huge_field_is_refused_not_truncated(session):
    big = "x" * (128 * 1024 + 1)
    data = (
        f"ref,category,occurred_at,station,description\nA1,vandalism,2024-01-01T10:00Z,UT,{big}\n"
    )
    with pytest.raises(importers.ImportRejected) as exc:
        importers.import_file(
            session, Path("big.csv"), "ns", profiles.GENERIC, "t", data=data.encode()
        )
    assert exc.value.result.errors[0].field == "description"
    long_ref = "R" * 81
    data = f"ref,category,occurred_at,station\n{long_ref},vandalism,2024-01-01T10:00Z,UT\n"
    with pytest.raises(importers.ImportRejected) as exc:
        importers.import_file(
            session, Path("ref.csv"), "ns", profiles.GENERIC, "t", data=data.encode()
        )
    assert exc.value.result.errors[0].field == "ref"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_duplicated_headers_are_refused_naming_the_header(session, suffix, tmp_path):
    header = ["ref", "category", "occurred_at", "station", "station"]
    values = ["A1", "vandalism", "2024-01-01T10:00Z", "UT", "ASD"]
    if suffix == ".csv":
        data = (",".join(header) + "\n" + ",".join(values) + "\n").encode()
    else:
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(header)
        book.active.append(values)
        buf = io.BytesIO()
        book.save(buf)
        data = buf.getvalue()
    with pytest.raises(importers.ImportRejected) as exc:
        importers.import_file(session, Path("dup" + suffix), "ns", profiles.GENERIC, "t", data=data)
    assert "station" in str(exc.value.result.errors[0])
    assert "more than once" in exc.value.result.errors[0].reason
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Incident)) == 0


def test_a_corrupt_xlsx_is_a_clean_refusal(session):
    with pytest.raises(importers.ImportRejected) as exc:
        importers.import_file(
            session, Path("bad.xlsx"), "ns", profiles.GENERIC, "t", data=b"PK\x03\x04garbage"
        )
    assert "cannot read" in exc.value.result.errors[0].reason


def test_deeply_nested_json_is_a_clean_refusal(session):
    data = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(importers.ImportRejected) as exc:
        importers.import_file(session, Path("deep.json"), "ns", profiles.GENERIC, "t", data=data)
    assert "cannot read" in exc.value.result.errors[0].reason


# ---- corrections: every field through the API, bad values as 422 -----------------------------


def test_corrections_through_the_api(client, db_url):
    engine = make_engine(db_url)
    with transaction(engine) as s:
        iid = seed_data.add_one(s, "ns", seed_data.VANDALISM, "UT", 1)
    engine.dispose()
    _user(db_url, "ns", "operator")
    _login(client, "ns-operator")
    url = f"/api/incidents/{iid}/corrections"
    ok = client.post(
        url, json={"reason": "wrong hour", "changes": {"occurred_at": "2024-01-10T22:45:00+01:00"}}
    )
    assert ok.status_code == 201, ok.text
    for changes, field in (
        ({"occurred_at": "0001-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "2024-01-10T21:30:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"station_code": "NOPE"}, "station_code"),
        ({"level_crossing_id": -1}, "level_crossing_id"),
        ({"level_crossing_id": 2**70}, "level_crossing_id"),
        ({"lat": "north"}, "lat"),
        ({"description": "x" * (128 * 1024 + 1)}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"severity": ["high"]}, "severity"),
    ):
        r = client.post(url, json={"reason": "attack", "changes": changes})
        assert r.status_code == 422, (changes, r.text)
        assert field in r.json()["detail"], (changes, r.text)
    huge = client.post(url, json={"reason": "x" * (128 * 1024 + 1), "changes": {"zone": "hall"}})
    assert huge.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/api/incidents/99999999999999999999999",
        "/api/incidents/-99999999999999999999999/links",
        "/api/agreements/99999999999999999999999",
    ],
)
def test_oversized_ids_are_not_found_not_500(client, db_url, path):
    _user(db_url, "ns", "admin")
    _login(client, "ns-admin")
    method = client.delete if path.startswith("/api/agreements") else client.get
    r = method(path, params={"purpose": "analysis"})
    assert r.status_code in (404, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_correction_of_an_oversized_id_is_not_found(client, db_url):
    _user(db_url, "ns", "admin")
    _login(client, "ns-admin")
    r = client.post(
        f"/api/incidents/{2**64}/corrections", json={"reason": "nope", "changes": {"zone": "hall"}}
    )
    assert r.status_code == 404, r.text


def test_the_service_refuses_wrong_types_in_corrections(session):
    iid = seed_data.add_one(session, "ns", seed_data.VANDALISM, "UT", 1)
    with pytest.raises(incidents.RegistryError, match="occurred_at"):
        incidents.correct(session, int(iid), {"occurred_at": 5}, "why", "t")


# ---- helpers ----------------------------------------------------------------------------------


def _user(db_url: str, party: str, role: str) -> str:
    engine = make_engine(db_url)
    name = f"{party}-{role}"
    with transaction(engine) as s:
        accounts.create_user(s, name, PASSWORD, party, role, name)
    engine.dispose()
    return name


def _login(client, username: str) -> None:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # as a page would send it


# ---- the other inputs that answered 500 -----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [({"count": 2**63}, "count"), ({"occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at")],
)
def test_events_with_absurd_values_are_refused_naming_the_field(change, field):
    from perron.live.sources.generic import GenericError, to_event

    raw = {
        "id": "e1",
        "kind": "crowd",
        "station": "UT",
        "count": 5,
        "occurred_at": "2026-11-20T21:03:11Z",
        **change,
    }
    with pytest.raises(GenericError) as exc:
        to_event(raw, {"UT"}, datetime.now(UTC), 0)
    assert [f for _i, f, _m in exc.value.errors] == [field]


def test_a_monitor_year_out_of_range_is_422(client, db_url):
    _user(db_url, "ns", "analyst")
    _login(client, "ns-analyst")
    for path in ("/api/monitor/scores", "/api/monitor/map", "/api/monitor/below-threshold"):
        r = client.get(path, params={"year": 0})
        assert r.status_code == 422, (path, r.text)
        assert "year" in r.json()["detail"]


def test_a_forecast_for_a_day_outside_the_data_is_refused(tmp_path):
    from perron.forecast.data import DataError
    from perron.forecast.service import forecast_cells

    data = tmp_path / "disruptions.csv"
    data.write_text("rdt_id,start_time\n1,2015-01-01 10:00:00\n2,2023-12-31 10:00:00\n")
    with pytest.raises(DataError, match="date: 2000-01-01 lies outside"):
        forecast_cells(data, "2000-01-01", 1)


def test_an_unexpected_error_is_a_problem_document_without_a_trace(app):
    from fastapi.testclient import TestClient

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/boom")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "secret" not in r.text and "Traceback" not in r.text


def test_a_page_beyond_any_database_is_refused(client, db_url, session):
    _user(db_url, "ns", "analyst")
    _login(client, "ns-analyst")
    r = client.get("/api/incidents", params={"purpose": "analysis", "page": 2**70})
    assert r.status_code == 422 and "page" in r.json()["detail"]
    v = agreements.viewer_for(session, "ns", "analyst", "a")
    with pytest.raises(queries.QueryError, match="page"):
        queries.list_incidents(session, v, "analysis", page=2**62)

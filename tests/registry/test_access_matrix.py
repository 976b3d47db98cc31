"""Every role × party × endpoint × purpose against one seeded data set per database, asserting
exactly which incidents (and which protected fields) come back — no more, no less.

The expectations below are written out by hand from the agreements of the fixture and the
policy table in docs/registry.md; they do not call the policy code under test.
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import uuid
import warnings
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

import registry_read_seed as registry_seed
from perron.access import accounts, agreements
from perron.access import audit as audit_trail
from perron.config import Settings
from perron.domain import taxonomy
from perron.domain.parties import Role
from perron.store.db import make_engine, transaction
from perron.store.tables.accounts import User

PARTIES = ("ns", "prorail", "politie", "ilt", "ienw")
ROLES = ("admin", "analyst", "operator", "field_unit", "viewer")
PURPOSES = ("operational", "analysis", "accountability")

# Role rules (docs/registry.md): purposes allowed and whether records (detail) may be seen.
ROLE_PURPOSES = {
    "admin": {"operational", "analysis", "accountability"},
    "analyst": {"analysis", "accountability"},
    "operator": {"operational"},
    "field_unit": {"operational"},
    "viewer": {"analysis", "accountability"},
}
ROLE_DETAIL = {
    "admin": True,
    "analyst": True,
    "operator": True,
    "field_unit": True,
    "viewer": False,
}

# The seeded incidents by label (see registry_seed.INCIDENTS): groups of labels.
NS = {"ns-agg-1", "ns-agg-2", "ns-agg-3", "ns-agg-4", "ns-agg-5", "ns-agg-6", "ns-cu-1", "ns-cu-2"}
PRORAIL = {"pr-van-1", "pr-van-2", "pr-van-3", "pr-track-1"}
POLITIE = {"pol-agg-1", "pol-agg-2", "pol-agg-3"}
PUBLIC = {"rdt-1"}

# Agreements of the fixture:
#   prorail → ns       detail    operational, analysis   all categories   + description
#   politie → prorail  detail    operational             social_safety
#   ns      → ilt      detail    accountability          all
#   ns      → ienw     aggregate analysis, accountability all
#   politie → ns       aggregate analysis                all
DETAIL = {
    ("ns", "operational"): NS | PRORAIL | PUBLIC,
    ("ns", "analysis"): NS | PRORAIL | PUBLIC,
    ("ns", "accountability"): NS | PUBLIC,
    ("prorail", "operational"): PRORAIL | POLITIE | PUBLIC,
    ("prorail", "analysis"): PRORAIL | PUBLIC,
    ("prorail", "accountability"): PRORAIL | PUBLIC,
    ("politie", "operational"): POLITIE | PUBLIC,
    ("politie", "analysis"): POLITIE | PUBLIC,
    ("politie", "accountability"): POLITIE | PUBLIC,
    ("ilt", "operational"): PUBLIC,
    ("ilt", "analysis"): PUBLIC,
    ("ilt", "accountability"): NS | PUBLIC,
    ("ienw", "operational"): PUBLIC,
    ("ienw", "analysis"): PUBLIC,
    ("ienw", "accountability"): PUBLIC,
}
AGGREGATE_ONLY = {
    ("ns", "analysis"): POLITIE,
    ("ienw", "analysis"): NS,
    ("ienw", "accountability"): NS,
}
# Protected fields each party sees on others' records (its own records: all of them).
PROTECTED = {("ns", "prorail"): {"description"}}
OWN = {"ns": NS, "prorail": PRORAIL, "politie": POLITIE}
SAMPLES = ("ns-agg-1", "pr-van-1", "pol-agg-1", "rdt-1", "ns-cu-1")


def _owner(label: str) -> str:
    return {"ns": "ns", "pr": "prorail", "pol": "politie", "rdt": "rdt"}[label.split("-")[0]]


def _status(role: str, purpose: str, detail: bool) -> int:
    if purpose not in ROLE_PURPOSES[role]:
        return 403
    if detail and not ROLE_DETAIL[role]:
        return 403
    return 200


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(request, tmp_path_factory):
    """One seeded database per backend, with a user and token for every party × role."""
    tmp = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        target = tmp / "perron.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
        url, cleanup = f"sqlite:///{target}", None
    else:
        server = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("_pg_template")
        name = f"perron_m_{uuid.uuid4().hex[:8]}"
        admin = make_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = server.rsplit("/", 1)[0] + "/" + name

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    engine = make_engine(url)
    tokens: dict[tuple[str, str], str] = {}
    with transaction(engine) as session:
        ids = registry_seed.seed(session)
        for owner, grantee, level, purposes, cats, fields in (
            ("prorail", "ns", "detail", ["operational", "analysis"], None, ["description"]),
            ("politie", "prorail", "detail", ["operational"], ["social_safety"], []),
            ("ns", "ilt", "detail", ["accountability"], None, []),
            ("ns", "ienw", "aggregate", ["analysis", "accountability"], None, []),
            ("politie", "ns", "aggregate", ["analysis"], None, []),
        ):
            agreements.create(
                session,
                owner=owner,
                grantee=grantee,
                level=level,
                purposes=purposes,
                categories=cats,
                fields=fields,
            )
        now = datetime.now(UTC)
        for party, role in itertools.product(PARTIES, ROLES):
            # API tokens only: no password (and no slow password hashing) needed
            user = User(
                username=f"{party}-{role}",
                display_name=f"{party} {role}",
                party_code=party,
                role=role,
                password_hash="!",
                active=True,
                created_at=now,
            )
            session.add(user)
            session.flush()
            principal = accounts.Principal(user.id, user.username, user.username, party, Role(role))
            tokens[(party, role)] = accounts.create_api_token(session, principal, "matrix")
    engine.dispose()
    from perron.api.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    app = create_app(Settings(data_dir=tmp / "data", database_url=url), web=False)
    with TestClient(app) as client:
        yield {
            "client": client,
            "tokens": tokens,
            "ids": ids,
            "labels": {v: k for k, v in ids.items()},
            "url": url,
        }
    if cleanup:
        cleanup()


CASES = list(itertools.product(PARTIES, ROLES, PURPOSES))


def _get(world, party, role, path, **params):
    headers = {"Authorization": f"Bearer {world['tokens'][(party, role)]}"}
    return world["client"].get(path, params=params, headers=headers)


@pytest.mark.parametrize(("party", "role", "purpose"), CASES)
def test_list_shows_exactly_the_permitted_records(world, party, role, purpose):
    r = _get(world, party, role, "/api/incidents", purpose=purpose, page_size=500)
    expected_status = _status(role, purpose, detail=True)
    assert r.status_code == expected_status, r.text
    if expected_status != 200:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"]
        return
    items = r.json()["items"]
    labels = {world["labels"][i["id"]] for i in items}
    assert labels == DETAIL[(party, purpose)]
    for item in items:
        owner = item["owner_party"]
        granted = (
            {"description", "person_ref"}
            if owner == party
            else PROTECTED.get((party, owner), set())
        )
        for f in ("description", "person_ref"):
            if f not in granted:
                assert item[f] is None, (f, item)
        seeded = registry_seed.INCIDENTS[world["labels"][item["id"]]]
        if "description" in granted:
            assert item["description"] == seeded[4]
        if "person_ref" in granted:
            assert item["person_ref"] == seeded[5]


@pytest.mark.parametrize(("party", "role", "purpose"), CASES)
def test_detail_is_given_or_refused_per_record(world, party, role, purpose):
    for label in SAMPLES:
        r = _get(world, party, role, f"/api/incidents/{world['ids'][label]}", purpose=purpose)
        role_status = _status(role, purpose, detail=True)
        expected = (
            role_status
            if role_status != 200
            else (200 if label in DETAIL[(party, purpose)] else 404)
        )
        assert r.status_code == expected, (label, r.text)
        if expected == 403:
            assert r.json()["detail"]
        if expected == 404:
            # a record not shown is answered as a missing one: nothing about it is told
            assert registry_seed.CATEGORY_OF[label] not in r.text
            assert _owner(label) not in r.json()["detail"].replace(party, "")
        if expected == 200:
            body = r.json()
            assert body["versions"] and body["category"]
            owner = _owner(label)
            if owner != party and "person_ref" not in PROTECTED.get((party, owner), set()):
                assert body["person_ref"] is None
                assert all(v["person_ref"] is None for v in body["versions"])


def _grid(party: str, role: str, purpose: str) -> bool:
    """Whether the answer includes records the viewer may not see in detail (and so is
    counted on the fixed grid): aggregate-only agreements, or a viewer's role."""
    return (party, purpose) in AGGREGATE_ONLY or not ROLE_DETAIL[role]


@pytest.mark.parametrize(("party", "role", "purpose"), CASES)
def test_aggregates_count_what_may_be_seen_and_suppress_small_cells(world, party, role, purpose):
    grid = ROLE_PURPOSES[role] >= {purpose} and _grid(party, role, purpose)
    by = ["party", "group"] if grid else ["party", "category"]
    r = _get(world, party, role, "/api/incidents/aggregate", purpose=purpose, by=by)
    expected_status = _status(role, purpose, detail=False)
    assert r.status_code == expected_status, r.text
    if expected_status != 200:
        return
    assert r.json()["grid"] is grid
    visible = DETAIL[(party, purpose)] | AGGREGATE_ONLY.get((party, purpose), set())
    listable = DETAIL[(party, purpose)] if ROLE_DETAIL[role] else set()
    if grid:
        # every label group of the seed shares one station and month: one grid cell each
        def key(label):
            return (_owner(label), taxonomy.group_of(registry_seed.CATEGORY_OF[label]))
    else:

        def key(label):
            return (_owner(label), registry_seed.CATEGORY_OF[label])

    cells = Counter(key(label) for label in visible)
    exact = Counter(key(label) for label in listable)
    got = {(c["party"], c[by[1]]): c for c in r.json()["cells"]}
    assert set(got) == set(cells)
    for k, n in cells.items():
        hidden = 0 < n - exact[k] < 5
        shown = exact[k] if hidden else n
        assert got[k]["suppressed"] is hidden, k
        assert got[k]["count"] == (None if hidden and shown < 5 else shown), k


def test_aggregate_only_parties_may_not_cut_the_grid(world):
    for params in (
        {"by": ["category"]},
        {"since": "2024-01-15"},
        {"category": registry_seed.AGGRESSION},
    ):
        r = _get(world, "ienw", "analyst", "/api/incidents/aggregate", purpose="analysis", **params)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("party", "role", "purpose"), CASES)
def test_csv_export_matches_the_list(world, party, role, purpose):
    r = _get(world, party, role, "/api/incidents/export.csv", purpose=purpose)
    expected_status = _status(role, purpose, detail=True)
    assert r.status_code == expected_status
    if expected_status != 200:
        return
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {world["labels"][row["id"]] for row in rows} == DETAIL[(party, purpose)]
    if not any(owner == party for owner in (_owner(world["labels"][row["id"]]) for row in rows)):
        assert "person_ref" not in rows[0] if rows else True


def test_detail_reads_are_audited_and_the_chain_holds(world):
    engine = make_engine(world["url"])
    with transaction(engine) as session:
        before = audit_trail.anchor(session)["seq"]
    r = _get(
        world, "ns", "analyst", f"/api/incidents/{world['ids']['pr-van-1']}", purpose="analysis"
    )
    assert r.status_code == 200
    with transaction(engine) as session:
        rows = audit_trail.entries(session, since_seq=before)
        result = audit_trail.verify(session)
    engine.dispose()
    assert [(e["actor"], e["party"], e["purpose"], e["action"]) for e in rows] == [
        ("ns-analyst", "ns", "analysis", "incident.read")
    ]
    assert rows[0]["subject"] == f"incident/{world['ids']['pr-van-1']}"
    assert result.ok


def test_the_matrix_covers_every_combination():
    assert len(CASES) == len(PARTIES) * len(ROLES) * len(PURPOSES) == 75
    assert set(DETAIL) == set(itertools.product(PARTIES, PURPOSES))
    assert Path(registry_seed.__file__).exists()

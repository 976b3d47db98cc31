import pytest
from sqlalchemy import func, select

from perron.store.db import make_engine
from perron.store.tables.registry import Incident

HEADER = "ref,category,occurred_at,station,zone\n"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The page runs the same import as the CLI and API, tested on both databases there."""
    return sqlite_url


def _count(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Incident))
    engine.dispose()
    return n


def test_the_import_page_shows_every_wrong_row_and_writes_nothing(web_client, db_url):
    page = web_client.get("/incidents/import")
    assert page.status_code == 200 and "Incidenten importeren" in page.text
    bad = HEADER + "R1,nuisance,2024-01-01T22:00:00,UT,platform\nR2,ufo,gisteren,ZZZ,dak\n"
    r = web_client.post(
        "/incidents/import",
        files={"file": ("prorail.csv", bad, "text/csv")},
        data={"profile": "generic"},
    )
    assert r.status_code == 200
    assert 'data-testid="import-rejected"' in r.text
    for field in ("category", "occurred_at", "station", "zone"):
        assert f"<td>{field}</td>" in r.text
    assert _count(db_url) == 0


def test_a_good_upload_is_imported_for_the_users_party(web_client, db_url):
    good = HEADER + "R1,nuisance,2024-01-01T22:00:00,UT,platform\n"
    r = web_client.post(
        "/incidents/import?lang=en",
        files={"file": ("mine.csv", good, "text/csv")},
        data={"profile": "generic"},
    )
    assert 'data-testid="import-result"' in r.text
    assert "1 new" in r.text
    engine = make_engine(db_url)
    with engine.connect() as conn:
        owner = conn.scalar(select(Incident.party_code))
    engine.dispose()
    assert owner == "prorail"

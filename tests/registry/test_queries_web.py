"""The incident browser, the incident page, the station fragment and the API's refusals."""

from __future__ import annotations

import pytest

import registry_read_seed as seed_data
from perron.access import accounts, agreements
from perron.store.db import make_engine, transaction

# starlette's test client warns about its HTTP library at import; not a failure of these pages
pytestmark = pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")


@pytest.fixture
def world(settings):
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        ids = seed_data.seed(session)
        agreements.create(
            session, owner="prorail", grantee="ns", level="detail", purposes=["analysis"]
        )
        user = accounts.create_user(session, "ana", "analyst-password-1", "ns", "analyst")
        token = accounts.create_api_token(session, user, "t")
    engine.dispose()
    return {"ids": ids, "token": token}


def _login(client):
    r = client.post(
        "/login",
        data={"username": "ana", "password": "analyst-password-1", "next": "/incidents"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def _api_requires_a_purpose(client, world):
    r = client.get("/api/incidents", headers={"Authorization": f"Bearer {world['token']}"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "purpose" in r.json()["detail"]


def _api_explains_a_refusal(client, world):
    r = client.get(
        f"/api/incidents/{world['ids']['pol-agg-1']}",
        params={"purpose": "analysis"},
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    # a record not shown is answered as a missing one: neither owner nor category is told
    assert r.status_code == 404
    body = r.json()
    assert "no agreement" in body["detail"] and "politie" not in body["detail"]
    assert "missing" not in body and seed_data.AGGRESSION not in r.text


def _pages_need_a_login(client, world):
    r = client.get("/incidents", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def _browser_lists_filters_and_maps(client, world):
    r = client.get("/incidents", params={"purpose": "analysis", "station": "asd"})
    assert r.status_code == 200
    html = r.text
    assert 'id="incident-map"' in html and "/api/municipalities" in html
    assert html.count('href="/incidents/') == 3  # ns-cu-1, ns-cu-2, pr-track-1
    assert "synthetisch" in html
    en = client.get("/incidents", params={"purpose": "analysis", "lang": "en"})
    assert "Incidents" in en.text and "synthetic" in en.text


def _incident_page_shows_history_links_and_refusals(client, world):
    r = client.get(f"/incidents/{world['ids']['ns-agg-1']}", params={"purpose": "analysis"})
    assert r.status_code == 200
    assert 'data-testid="incident-history"' in r.text
    assert "politie" in r.text  # the link to the police record, shown without its content
    refused = client.get(f"/incidents/{world['ids']['pol-agg-1']}", params={"purpose": "analysis"})
    assert refused.status_code == 404
    assert client.get("/incidents/999999").status_code == 404


def _station_fragment_counts_by_category(client, world):
    r = client.get("/incidents/stations/ut/fragment", params={"lang": "nl"})
    assert r.status_code == 200
    assert "Fysieke agressie tegen personeel" in r.text and "Vandalisme" in r.text
    assert client.get("/incidents/stations/NOPE/fragment").status_code == 404


def _corrections_are_new_versions_by_the_owner_only(client, world):
    auth = {"Authorization": f"Bearer {world['token']}"}
    own = world["ids"]["ns-agg-2"]
    r = client.post(
        f"/api/incidents/{own}/corrections",
        json={"reason": "wrong station in the report", "changes": {"station_code": "ASD"}},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2
    detail = client.get(f"/api/incidents/{own}", params={"purpose": "analysis"}, headers=auth)
    versions = detail.json()["versions"]
    assert [(v["version"], v["station_code"]) for v in versions] == [(1, "UT"), (2, "ASD")]
    assert versions[1]["reason"] == "wrong station in the report"
    other = world["ids"]["pr-van-1"]
    r = client.post(
        f"/api/incidents/{other}/corrections",
        json={"reason": "not ours", "changes": {"severity": "high"}},
        headers=auth,
    )
    # another party's record is answered as a missing one (its owner is not told)
    assert r.status_code == 404 and "of your party" in r.json()["detail"]
    assert "prorail" not in r.json()["detail"]
    r = client.get(f"/api/incidents/{own}/links", params={"purpose": "analysis"}, headers=auth)
    assert r.status_code == 200 and [lk["owner_party"] for lk in r.json()] == ["prorail"]


def test_the_api_requires_a_purpose_and_explains_refusals(client, world):
    _api_requires_a_purpose(client, world)
    _api_explains_a_refusal(client, world)
    _corrections_are_new_versions_by_the_owner_only(client, world)


def test_pages(client, world):
    _pages_need_a_login(client, world)
    _login(client)
    _browser_lists_filters_and_maps(client, world)
    _incident_page_shows_history_links_and_refusals(client, world)
    _station_fragment_counts_by_category(client, world)

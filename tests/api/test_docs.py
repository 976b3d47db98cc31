"""The API documentation page works offline: every file it loads is served by Perron itself."""

from __future__ import annotations

import re

from perron.api.docs import ASSETS


def _references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']""", html)


def test_docs_page_references_no_other_host_and_its_files_answer(client):
    r = client.get("/docs")
    assert r.status_code == 200
    html = r.text
    assert "SwaggerUIBundle" in html
    assert not re.search(r"https?://|//cdn|jsdelivr|unpkg|fastapi\.tiangolo", html), html
    refs = [a or b for a, b in _references(html)]
    assert len(refs) >= 3, refs  # the script, the style sheet, the icon (and the OpenAPI file)
    for ref in refs:
        assert ref.startswith("/"), ref
        answer = client.get(ref)
        assert answer.status_code == 200, ref
        assert len(answer.content) > 100, ref
    assert "/openapi.json" in html and client.get("/openapi.json").status_code == 200


def test_the_assets_are_the_npm_ones_with_their_licence():
    bundle = (ASSETS / "swagger-ui-bundle.js").read_text(encoding="utf-8", errors="replace")
    assert "SwaggerUIBundle" in bundle
    assert (ASSETS / "LICENSE").exists()


def test_redoc_from_a_cdn_is_gone(client):
    assert client.get("/redoc").status_code == 404

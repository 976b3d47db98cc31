"""Security headers, cookie flags, CSRF tokens on every form post and cookie-authenticated API
call, and no inline script without the page's nonce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import WEB_USER, create_web_user
from perron.web.security import csrf_token_for

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "perron" / "web" / "templates"


def _form_login(client: TestClient) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": WEB_USER[0], "password": WEB_USER[1], "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_token_for(client.cookies["perron_session"])


def test_pages_send_the_security_headers(client: TestClient, db_url: str) -> None:
    create_web_user(db_url)
    _form_login(client)
    r = client.get("/incidents")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", r.text)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert client.get("/api/alerts").headers["cache-control"] == "no-store"
    assert client.get("/api/auth/me").headers["cache-control"] == "no-store"
    static = client.get("/static/perron.css")
    assert "no-store" not in static.headers.get("cache-control", "")
    assert static.headers["x-content-type-options"] == "nosniff"


def test_templates_have_no_inline_event_handlers_and_every_inline_script_a_nonce() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"\son[a-z]+\s*=\s*\"", text), path
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            if "application/json" in attrs:
                continue
            assert "nonce=" in attrs, (path, attrs)


def test_form_posts_need_the_csrf_token(client: TestClient, db_url: str) -> None:
    create_web_user(db_url)
    client.get("/login")  # the browser now holds the pre-session cookie
    r = client.post("/login", data={"username": WEB_USER[0], "password": WEB_USER[1]})
    assert r.status_code == 403
    token = _form_login(client)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/api/auth/me").status_code == 200  # still logged in
    bad = client.post("/logout", data={"csrf_token": "x" + token[1:]}, follow_redirects=False)
    assert bad.status_code == 403
    # a page hands the token to its forms and to htmx
    page = client.get("/")
    assert f'name="csrf_token" value="{token}"' in page.text
    assert f'"X-CSRF-Token": "{token}"' in page.text.replace("&#34;", '"').replace("&quot;", '"')
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/auth/me").status_code == 401


def test_cookie_authenticated_api_calls_need_the_header_but_tokens_do_not(
    client: TestClient, db_url: str
) -> None:
    create_web_user(db_url)
    r = client.post("/api/auth/login", json={"username": WEB_USER[0], "password": WEB_USER[1]})
    assert r.status_code == 200
    token = r.json()["csrf_token"]
    assert token == csrf_token_for(client.cookies["perron_session"])
    assert client.post("/api/auth/tokens", json={"name": "x"}).status_code == 403
    made = client.post("/api/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 200
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.delete(f"/api/auth/tokens/{made.json()['id']}", headers=bearer).status_code == 200


def test_a_cross_origin_post_is_refused(client: TestClient, db_url: str) -> None:
    create_web_user(db_url)
    r = client.post(
        "/api/auth/login",
        json={"username": WEB_USER[0], "password": WEB_USER[1]},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    r = client.post(
        "/login",
        data={"username": WEB_USER[0], "password": WEB_USER[1]},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    same = client.post(
        "/api/auth/login",
        json={"username": WEB_USER[0], "password": WEB_USER[1]},
        headers={"Origin": "http://testserver"},
    )
    assert same.status_code == 200


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_secure_cookies_when_configured(settings, db_url: str) -> None:
    from perron.api.app import create_app
    from perron.config import Settings

    create_web_user(db_url)
    plain = TestClient(create_app(settings))
    r = plain.post("/api/auth/login", json={"username": WEB_USER[0], "password": WEB_USER[1]})
    assert "secure" not in r.headers["set-cookie"].lower()
    secure = TestClient(create_app(Settings(**{**settings.__dict__, "secure_cookies": True})))
    r = secure.post("/api/auth/login", json={"username": WEB_USER[0], "password": WEB_USER[1]})
    assert "; secure" in r.headers["set-cookie"].lower()
    page = secure.get("/login")
    assert all("; secure" in c.lower() for c in page.headers.get_list("set-cookie"))


def test_a_multipart_form_carries_its_token_in_the_field(web_client: TestClient) -> None:
    token = web_client.headers.pop("X-CSRF-Token")
    files = {"file": ("x.csv", b"not,an,incident\n", "text/csv")}
    refused = web_client.post("/incidents/import", files=files, data={"profile": ""})
    assert refused.status_code == 403
    r = web_client.post("/incidents/import", files=files, data={"profile": "", "csrf_token": token})
    assert r.status_code != 403, r.text
    assert r.headers["content-type"].startswith("text/html")

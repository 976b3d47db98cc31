"""Security headers, cookie flags and CSRF protection for every response of the app.

One ASGI middleware (:class:`SecurityMiddleware`, installed by :func:`perron.api.app.create_app`):

* **Content Security Policy**: scripts only from this site or inline with the page's nonce
  (``request.state.csp_nonce``, ``{{ csp_nonce }}`` in templates), no plugins, no framing
  (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), forms only to this site; styles may
  be inline (Leaflet and Vega set element styles; style injection cannot run script).
* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` on everything.
* ``Cache-Control: no-store`` on every response that did not choose its own caching: pages, API
  answers, exports and fragments may hold personal or another party's data. Static files and the
  public reference data (stations) set their own caching.
* **CSRF**: a request that changes something (POST, PUT, PATCH, DELETE) and carries the session
  cookie or the pre-session cookie of the login form must carry the matching token, in the form
  field ``csrf_token`` or the header ``X-CSRF-Token``. The token is derived from that cookie
  (:func:`csrf_token_for`), so it is bound to the session and changes at every login. Requests
  authenticated by an API token (``Authorization: Bearer``) carry no ambient credential and need
  none. A cross-site ``Origin`` (or, without ``Origin``, ``Referer``) is refused for every
  changing request, the JSON login included.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SecurityMiddleware",
    "csrf_token_for",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SESSION_COOKIE = "perron_session"
CSRF_COOKIE = "perron_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: changing requests that need no token (the Origin check still applies): the JSON login of
#: API clients, which holds no credential before it answers
TOKEN_EXEMPT = frozenset({"/api/auth/login"})
#: the largest form body read to find the token (the registry import takes up to 50 MiB)
MAX_FORM_BYTES = 64 * 1024 * 1024
#: pages whose own scripts are inline and fixed (the OpenAPI viewers); they show no data
DOCS_PATHS = ("/docs", "/redoc")


def csrf_token_for(cookie_value: str) -> str:
    """The CSRF token that goes with a session (or pre-session) cookie: a one-way function of
    the secret cookie, which a page of another site can neither read nor compute."""
    return hmac.new(cookie_value.encode(), b"perron-csrf-v1", hashlib.sha256).hexdigest()


def _csp(nonce: str, allow_eval: bool = False) -> str:
    # Vega compiles its chart expressions with Function(): pages with charts allow eval, and
    # only they (render(..., vega=True) sets request.state.csp_allow_eval)
    evaluate = " 'unsafe-eval'" if allow_eval else ""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'{evaluate}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


#: /docs: Swagger UI from this site's own files, with its fixed inline start-up script
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _cookies(headers: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in headers.getlist("cookie"):
        for part in raw.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name not in out:
                out[name] = value.strip('"')
    return out


def _own_origin(scope: Scope, headers: Headers) -> str:
    scheme = scope.get("scheme", "http")
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
    return f"{scheme}://{host}".lower()


def _cross_site(scope: Scope, headers: Headers) -> bool:
    own = _own_origin(scope, headers)
    origin = headers.get("origin")
    if origin is not None:
        return origin.lower().rstrip("/") != own
    referer = headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower() != own
    return False


class SecurityMiddleware:
    """See the module documentation. ``secure_cookies`` adds ``Secure`` to the cookies it sets
    and is what the login routes read from the settings too."""

    def __init__(self, app: Callable[..., Awaitable[None]], secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        session = cookies.get(SESSION_COOKIE)
        pre = cookies.get(CSRF_COOKIE)
        new_pre = None
        if not session and not pre:
            new_pre = secrets.token_urlsafe(32)
        bound = session or pre or new_pre
        assert bound is not None
        token = csrf_token_for(bound)
        nonce = secrets.token_urlsafe(16)
        state = scope.setdefault("state", {})
        state["csp_nonce"] = nonce
        state["csrf_token"] = token
        path: str = scope.get("path", "")

        if scope["method"] not in SAFE_METHODS:
            if _cross_site(scope, headers):
                await _refuse(scope, receive, send, "cross-site request refused")
                return
            bearer = headers.get("authorization", "").lower().startswith("bearer ")
            if (session or pre) and not bearer and path not in TOKEN_EXEMPT:
                supplied = headers.get(CSRF_HEADER)
                if supplied is None:
                    supplied, receive = await _form_token(scope, headers, receive)
                if supplied is None or not hmac.compare_digest(supplied, token):
                    await _refuse(
                        scope,
                        receive,
                        send,
                        "missing or wrong CSRF token: reload the page and try again",
                    )
                    return

        secure = self.secure_cookies

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = message.setdefault("headers", [])
                names = {k.lower() for k, _ in h}
                ctype = next((v for k, v in h if k.lower() == b"content-type"), b"")
                if path.startswith(DOCS_PATHS):
                    csp = DOCS_CSP
                elif ctype.startswith(b"text/html"):
                    csp = _csp(nonce, bool(state.get("csp_allow_eval")))
                else:
                    csp = API_CSP
                extra = [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if b"cache-control" not in names and not path.startswith("/static/"):
                    extra.append((b"cache-control", b"no-store"))
                if new_pre is not None and ctype.startswith(b"text/html"):
                    flags = "; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
                    extra.append((b"set-cookie", f"{CSRF_COOKIE}={new_pre}{flags}".encode()))
                h.extend(x for x in extra if x[0] not in names)
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _form_token(
    scope: Scope, headers: Headers, receive: Receive
) -> tuple[str | None, Receive]:
    """The ``csrf_token`` field of a form body, and a ``receive`` that replays the body."""
    ctype = headers.get("content-type", "")
    if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None, receive
    body = await _read_body(receive, MAX_FORM_BYTES)
    if body is None:
        return None, receive
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    value: str | None = None
    if ctype.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
        value = values[0] if values else None
    else:
        once = False

        async def feed() -> Message:
            nonlocal once
            if not once:
                once = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        try:
            form = await Request(scope, feed).form()
            got = form.get(CSRF_FIELD)
            value = got if isinstance(got, str) else None
            await form.close()
        except Exception:  # a malformed body: no token; the route reports the body itself
            value = None
    return value, replay


async def _refuse(scope: Scope, receive: Receive, send: Send, detail: str) -> None:
    import json

    body = json.dumps(
        {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
                (b"content-security-policy", API_CSP.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

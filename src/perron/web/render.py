"""Rendering pages: the Jinja2 environment with translations, the user, the navigation and
the data attributions in every template's context."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from perron.domain.parties import NATIONAL_PARTIES
from perron.web import i18n
from perron.web.nav import nav_items
from perron.web.users import OptionalPageUser, PageUser, optional_page_user, require_user

__all__ = [
    "ATTRIBUTIONS",
    "OptionalPageUser",
    "PageUser",
    "optional_page_user",
    "render",
    "require_user",
    "templates",
]

TEMPLATES = Path(__file__).parent / "templates"

# Catalogue keys of the lines every page shows in its footer (licence terms of the data).
ATTRIBUTIONS = ("attribution.rdt", "attribution.cbs", "attribution.prorail")

templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.globals["format_number"] = i18n.format_number
templates.env.globals["format_date"] = i18n.format_date
templates.env.globals["format_datetime"] = i18n.format_datetime

_PARTY_NAMES = {p.code: p.name for p in NATIONAL_PARTIES}


def party_name(code: str) -> str:
    """The name of a national party, or the code in capitals (municipalities: ``GM0344``)."""
    return _PARTY_NAMES.get(code, code.upper())


templates.env.globals["party_name"] = party_name


def _lang_url(request: Request, lang: str, keep: dict[str, str] | None = None) -> str:
    params = {**(keep or {}), **dict(request.query_params)}
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def page_context(request: Request, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context every template gets, updated with ``context``."""
    lang = i18n.language_of(request)
    t = i18n.translator(lang)
    user = getattr(request.state, "user", None)
    base: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "t": t,
        "user": user,
        "nav": nav_items(request.url.path, t),
        "attributions": [t(k) for k in ATTRIBUTIONS],
        "lang_urls": {code: _lang_url(request, code) for code in i18n.LANGUAGES},
        # format helpers bound to the page's language
        "num": lambda v, digits=0: i18n.format_number(v, lang, digits),
        "fdate": lambda v: i18n.format_date(v, lang),
        "fdatetime": lambda v, seconds=False: i18n.format_datetime(v, lang, seconds),
        "leaflet": False,
        "vega": False,
        # see perron.web.security: the nonce of inline scripts, the token of changing requests
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "csrf_token": getattr(request.state, "csrf_token", ""),
    }
    base.update(context or {})
    if request.method != "GET" and base.get("next"):
        # a page answering a form (the login page after a failure) keeps where to go next
        keep = {"next": str(base["next"])}
        base["lang_urls"] = {code: _lang_url(request, code, keep) for code in i18n.LANGUAGES}
    return base


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the page context; remembers a ``?lang=`` choice in a cookie.

    Pass ``leaflet=True`` or ``vega=True`` in ``context`` to load those libraries.
    """
    if context and context.get("vega"):
        request.state.csp_allow_eval = True  # Vega's expression compiler (perron.web.security)
    response = templates.TemplateResponse(
        request, template, page_context(request, context), status_code=status_code, headers=headers
    )
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANG_COOKIE,
            asked,
            max_age=365 * 24 * 3600,
            samesite="lax",
            httponly=False,
            secure=request.app.state.settings.secure_cookies,
        )
    return response

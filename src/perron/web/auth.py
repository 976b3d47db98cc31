"""Logging in and out of the web pages (the page dependencies that need a user are
:mod:`perron.web.users`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from perron.access import accounts
from perron.http.deps import SESSION_COOKIE, DbSession, remote_of
from perron.web.render import render
from perron.web.users import (  # noqa: F401  (kept importable from here)
    OptionalPageUser,
    PageUser,
    login_url,
    optional_page_user,
    require_user,
)

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only paths on this site are followed after logging in (no open redirect)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    if value.startswith("/login") or value.startswith("/logout"):
        return "/"
    return value


@router.get("/login")
def login_form(request: Request, user: OptionalPageUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
def login_submit(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = safe_next(next)
    context = {"next": target, "username": username}
    username = username.strip()
    if not username or not password:
        return render(
            request, "login.html", {**context, "error": "login.error.empty"}, status_code=400
        )
    try:
        principal = accounts.authenticate(db, username, password, remote_of(request))
    except accounts.TooManyAttempts as exc:
        db.commit()
        minutes = max(1, (exc.retry_after + 59) // 60)
        return render(
            request,
            "login.html",
            {**context, "error": "login.error.rate", "minutes": minutes},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except accounts.InvalidCredentials:
        db.commit()
        return render(
            request, "login.html", {**context, "error": "login.error.invalid"}, status_code=401
        )
    token = accounts.start_session(db, principal)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.end_session(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

"""Logging in and out of the web pages, and the page dependencies that need a user."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from perron.access import accounts
from perron.access.accounts import Principal
from perron.api.deps import SESSION_COOKIE, DbSession

router = APIRouter(include_in_schema=False)


def optional_page_user(request: Request, db: DbSession) -> Principal | None:
    """The user of the session cookie, or None; kept on ``request.state.user`` for templates."""
    token = request.cookies.get(SESSION_COOKIE)
    user = accounts.principal_for_session(db, token) if token else None
    request.state.user = user
    return user


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def require_user(request: Request, db: DbSession) -> Principal:
    """The logged-in user; without one, answer 303 to the login page (back here afterwards)."""
    user = optional_page_user(request, db)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "log in first", headers={"Location": login_url(target)})
    return user


PageUser = Annotated[Principal, Depends(require_user)]
OptionalPageUser = Annotated[Principal | None, Depends(optional_page_user)]


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


def _remote(request: Request) -> str:
    from perron.api.auth import remote_of

    return remote_of(request)


@router.get("/login")
def login_form(request: Request, user: OptionalPageUser, next: str = "/") -> Response:
    from perron.web.render import render

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
    from perron.web.render import render

    target = safe_next(next)
    context = {"next": target, "username": username}
    username = username.strip()
    if not username or not password:
        return render(
            request, "login.html", {**context, "error": "login.error.empty"}, status_code=400
        )
    try:
        principal = accounts.authenticate(db, username, password, _remote(request))
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

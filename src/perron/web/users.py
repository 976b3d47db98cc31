"""The page dependencies that need a user: the user of the session cookie, or a redirect to the
login page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from perron.access import accounts
from perron.access.accounts import Principal
from perron.http.deps import SESSION_COOKIE, DbSession


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

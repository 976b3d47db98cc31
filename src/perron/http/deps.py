"""Typed dependencies shared by the routers: database session and the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from perron.access import accounts
from perron.access.accounts import Principal, principal_for_session, principal_for_token
from perron.config import Settings
from perron.http.problems import Problem

SESSION_COOKIE = "perron_session"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """A session per request, committed when the handler returns without error."""
    session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


def optional_user(request: Request, db: DbSession) -> Principal | None:
    """The user of a Bearer token or of the session cookie, or None."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        principal = principal_for_token(db, auth[7:].strip())
        if principal is None:
            raise Problem(
                401,
                "Unauthorized",
                "the API token is unknown or expired",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return principal_for_session(db, cookie)
    return None


OptionalUser = Annotated[Principal | None, Depends(optional_user)]


def current_user(user: OptionalUser) -> Principal:
    if user is None:
        raise Problem(
            401,
            "Unauthorized",
            "log in, or send an API token as 'Authorization: Bearer …'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]


def remote_of(request: Request) -> str:
    """The client's address for login throttling (X-Forwarded-For only from a trusted proxy)."""
    peer = request.client.host if request.client else "-"
    trusted = getattr(request.app.state.settings, "trusted_proxies", ())
    return accounts.client_address(peer, request.headers.get("x-forwarded-for"), trusted)

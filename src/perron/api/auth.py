"""Log in and out, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from perron.access import accounts
from perron.api.deps import SESSION_COOKIE, CurrentUser, DbSession
from perron.api.problems import PROBLEM_SCHEMA, Problem

router = APIRouter(prefix="/api/auth", tags=["accounts"])


class Credentials(BaseModel):
    username: str
    password: str


class Me(BaseModel):
    username: str
    display_name: str
    party: str
    role: str


def remote_of(request: Request) -> str:
    return request.client.host if request.client else "-"


@router.post("/login", response_model=Me, responses={401: PROBLEM_SCHEMA, 429: PROBLEM_SCHEMA})
def login(
    creds: Credentials, request: Request, response: Response, db: DbSession
) -> dict[str, Any]:
    """Check the password and set a session cookie."""
    try:
        principal = accounts.authenticate(db, creds.username, creds.password, remote_of(request))
    except accounts.TooManyAttempts as exc:
        db.commit()
        raise Problem(
            429, "Too many login attempts", str(exc), headers={"Retry-After": str(exc.retry_after)}
        ) from exc
    except accounts.InvalidCredentials as exc:
        db.commit()
        raise Problem(401, "Login failed", str(exc)) from exc
    token = accounts.start_session(db, principal)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    return {
        "username": principal.username,
        "display_name": principal.display_name,
        "party": principal.party_code,
        "role": principal.role.value,
    }


class TokenOut(BaseModel):
    token: str
    name: str


class TokenRequest(BaseModel):
    name: str = "api"


@router.post("/tokens", response_model=TokenOut, responses={401: PROBLEM_SCHEMA})
def new_token(body: TokenRequest, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """Create an API token for the logged-in user; it is shown once."""
    return {"token": accounts.create_api_token(db, user, body.name), "name": body.name}


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.end_session(db, token)
    response.delete_cookie(SESSION_COOKIE)
    response.status_code = 204
    return response


@router.get("/me", response_model=Me, responses={401: PROBLEM_SCHEMA})
def me(user: CurrentUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "party": user.party_code,
        "role": user.role.value,
    }

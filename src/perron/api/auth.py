"""Log in and out, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from perron.access import accounts
from perron.api.deps import SESSION_COOKIE, AppSettings, CurrentUser, DbSession
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


class LoggedIn(Me):
    csrf_token: str = Field(
        description="send as X-CSRF-Token with changing requests that use the session cookie"
    )


def remote_of(request: Request) -> str:
    """The client's address for login throttling (X-Forwarded-For only from a trusted proxy)."""
    peer = request.client.host if request.client else "-"
    trusted = request.app.state.settings.trusted_proxies
    return accounts.client_address(peer, request.headers.get("x-forwarded-for"), trusted)


@router.post(
    "/login", response_model=LoggedIn, responses={401: PROBLEM_SCHEMA, 429: PROBLEM_SCHEMA}
)
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
        secure=request.app.state.settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    from perron.web.security import csrf_token_for

    return {
        "username": principal.username,
        "display_name": principal.display_name,
        "party": principal.party_code,
        "role": principal.role.value,
        "csrf_token": csrf_token_for(token),
    }


class TokenOut(BaseModel):
    token: str = Field(description="the secret, shown only now")
    id: int
    name: str
    created_at: str
    expires_at: str


class TokenRequest(BaseModel):
    name: str = Field("api", max_length=80)
    days: int | None = Field(None, description="lifetime in days (default and maximum: settings)")


@router.post(
    "/tokens",
    response_model=TokenOut,
    responses={401: PROBLEM_SCHEMA, 403: PROBLEM_SCHEMA, 422: PROBLEM_SCHEMA},
)
def new_token(
    body: TokenRequest, user: CurrentUser, db: DbSession, settings: AppSettings
) -> dict[str, Any]:
    """Create an API token for the logged-in user (from a web session only; a token cannot
    mint tokens); the secret is shown once. Every token expires."""
    try:
        secret, info = accounts.mint_token(
            db,
            user,
            body.name,
            body.days,
            default_days=settings.token_lifetime_days,
            max_days=settings.token_max_lifetime_days,
        )
    except accounts.TokenForbidden as exc:
        raise Problem(403, "Forbidden", str(exc)) from None
    except accounts.TokenError as exc:
        raise Problem(422, "Invalid token request", str(exc)) from None
    out = info.as_dict()
    return {"token": secret, **{k: out[k] for k in ("id", "name", "created_at", "expires_at")}}


@router.get("/tokens", responses={401: PROBLEM_SCHEMA})
def my_tokens(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """The user's API tokens (never their secrets), active, expired and revoked."""
    return {"tokens": [t.as_dict() for t in accounts.list_tokens(db, user)]}


@router.delete("/tokens/{token_id}", responses={401: PROBLEM_SCHEMA, 404: PROBLEM_SCHEMA})
def revoke_token(token_id: int, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """Revoke one of the user's API tokens; it stops working at once."""
    try:
        return accounts.revoke_token(db, token_id, user).as_dict()
    except accounts.TokenNotFound as exc:
        raise Problem(404, "Not Found", str(exc)) from None


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

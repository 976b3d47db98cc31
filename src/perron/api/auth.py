"""Log in and out, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from perron.access import accounts
from perron.access import service as access_service
from perron.api.problems import Problem, problem_responses
from perron.api.schemas import Out, Timestamp
from perron.http.deps import SESSION_COOKIE, AppSettings, CurrentUser, DbSession, remote_of
from perron.http.security import csrf_token_for

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


@router.post("/login", response_model=LoggedIn, responses=problem_responses(401, 422, 429))
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
    responses=problem_responses(401, 403, 422),
)
def new_token(
    body: TokenRequest, user: CurrentUser, db: DbSession, settings: AppSettings
) -> dict[str, Any]:
    """Create an API token for the logged-in user (from a web session only; a token cannot
    mint tokens); the secret is shown once. Every token expires."""
    secret, info = access_service.mint_token(
        db,
        user,
        name=body.name,
        days=body.days,
        default_days=settings.token_lifetime_days,
        max_days=settings.token_max_lifetime_days,
    )
    out = info.as_dict()
    return {"token": secret, **{k: out[k] for k in ("id", "name", "created_at", "expires_at")}}


class TokenInfo(Out):
    """An API token as listed: never its secret."""

    id: int
    user: str
    party: str
    name: str
    created_at: Timestamp
    expires_at: Timestamp | None
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None
    active: bool


class TokenList(Out):
    tokens: list[TokenInfo]


@router.get("/tokens", response_model=TokenList, responses=problem_responses(401))
def my_tokens(user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """The user's API tokens (never their secrets), active, expired and revoked."""
    return {"tokens": [t.as_dict() for t in access_service.list_tokens(db, user)]}


@router.delete(
    "/tokens/{token_id}", response_model=TokenInfo, responses=problem_responses(401, 404, 422)
)
def revoke_token(token_id: int, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    """Revoke one of the user's API tokens; it stops working at once."""
    return access_service.revoke_token(db, user, token_id).as_dict()


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Logged out; the session cookie is removed"}},
)
def logout(request: Request, response: Response, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.end_session(db, token)
    response.delete_cookie(SESSION_COOKIE)
    response.status_code = 204
    return response


@router.get("/me", response_model=Me, responses=problem_responses(401))
def me(user: CurrentUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "party": user.party_code,
        "role": user.role.value,
    }

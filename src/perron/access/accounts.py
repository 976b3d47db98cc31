"""Accounts: users of a party with a role, argon2 passwords, web sessions, API tokens and
rate-limited logins."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from perron.domain.parties import Role
from perron.store.tables.accounts import ApiToken, LoginAttempt, Party, User, WebSession

SESSION_LIFETIME = timedelta(hours=12)
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_REMOTE = 20

_hasher = PasswordHasher()


class AccountError(Exception):
    """A problem a person can fix, with a message fit to show them."""


class InvalidCredentials(AccountError):
    pass


class TooManyAttempts(AccountError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} seconds")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user, their party and role."""

    user_id: int
    username: str
    display_name: str
    party_code: str
    role: Role


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.display_name, user.party_code, Role(user.role))


def create_user(
    session: Session,
    username: str,
    password: str,
    party_code: str,
    role: str,
    display_name: str | None = None,
) -> Principal:
    """Create a user; raises AccountError for an unknown party or role, a taken name or a weak
    password."""
    if role not in {r.value for r in Role}:
        raise AccountError(
            f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}"
        )
    if session.get(Party, party_code) is None:
        raise AccountError(f"unknown party {party_code!r}")
    if len(password) < 10:
        raise AccountError("password too short: use at least 10 characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name or username,
        party_code=party_code,
        role=role,
        password_hash=_hasher.hash(password),
        active=True,
        created_at=_now(),
    )
    session.add(user)
    session.flush()
    return _principal(user)


def _check_rate(session: Session, username: str, remote: str, now: datetime) -> None:
    since = now - LOGIN_WINDOW
    by_user = session.scalar(
        select(func.count()).where(
            LoginAttempt.username == username, LoginAttempt.at >= since, ~LoginAttempt.success
        )
    )
    by_remote = session.scalar(
        select(func.count()).where(
            LoginAttempt.remote == remote, LoginAttempt.at >= since, ~LoginAttempt.success
        )
    )
    if (by_user or 0) >= MAX_FAILURES_PER_USER or (by_remote or 0) >= MAX_FAILURES_PER_REMOTE:
        oldest = session.scalar(
            select(func.min(LoginAttempt.at)).where(
                (LoginAttempt.username == username) | (LoginAttempt.remote == remote),
                LoginAttempt.at >= since,
                ~LoginAttempt.success,
            )
        )
        wait = LOGIN_WINDOW - (now - oldest) if oldest else LOGIN_WINDOW
        raise TooManyAttempts(max(1, int(wait.total_seconds())))


def authenticate(session: Session, username: str, password: str, remote: str = "-") -> Principal:
    """Check a password; every attempt is recorded and repeated failures are refused for a while.

    The caller commits the session so that failed attempts count even when this raises.
    """
    now = _now()
    _check_rate(session, username, remote, now)
    user = session.scalar(select(User).where(User.username == username))
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # same cost for unknown users: no timing oracle on names
    session.add(LoginAttempt(username=username, remote=remote, at=now, success=ok))
    session.flush()
    if not ok or user is None:
        raise InvalidCredentials("unknown user or wrong password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return _principal(user)


def start_session(session: Session, principal: Principal) -> str:
    """Create a web session and return its secret token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = _now()
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=principal.user_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.flush()
    return token


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def principal_for_session(session: Session, token: str) -> Principal | None:
    row = session.get(WebSession, _digest(token))
    if row is None or row.expires_at < _now():
        return None
    user = session.get(User, row.user_id)
    return _principal(user) if user is not None and user.active else None


def create_api_token(
    session: Session, principal: Principal, name: str, lifetime: timedelta | None = None
) -> str:
    """Create an API token for a user and return it; only its hash is stored."""
    token = "prn_" + secrets.token_urlsafe(32)
    now = _now()
    session.add(
        ApiToken(
            token_hash=_digest(token),
            user_id=principal.user_id,
            name=name,
            created_at=now,
            expires_at=now + lifetime if lifetime else None,
        )
    )
    session.flush()
    return token


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = _now()
    if row is None or (row.expires_at is not None and row.expires_at < now):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = now
    return _principal(user)

"""Accounts: users of a party with a role, argon2 passwords, web sessions, API tokens and
rate-limited logins."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from perron.domain.parties import Role
from perron.store.tables.accounts import ApiToken, LoginAttempt, Party, User, WebSession

SESSION_LIFETIME = timedelta(hours=12)
#: failed logins older than this are forgotten
LOGIN_WINDOW = timedelta(minutes=15)
#: failures of one account from one address before each next try must wait
FREE_FAILURES_PER_ACCOUNT = 5
#: failures from one address (any accounts) before each next try must wait
FREE_FAILURES_PER_REMOTE = 20
#: the first wait, doubled with every further failure, and the longest wait
FIRST_DELAY = timedelta(seconds=15)
MAX_DELAY = timedelta(minutes=15)
MAX_FAILURES_PER_USER = FREE_FAILURES_PER_ACCOUNT  # the former name

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
    #: how the request was authenticated: ``session`` (web login) or ``token`` (API token)
    via: str = "session"


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.display_name, user.party_code, Role(user.role))


def list_users(session: Session) -> list[dict[str, Any]]:
    """Every account (for the installation's operator): username, name, party, role, active."""
    return [
        {
            "username": u.username,
            "name": u.display_name,
            "party": u.party_code,
            "role": u.role,
            "active": u.active,
        }
        for u in session.scalars(select(User).order_by(User.username))
    ]


MIN_PASSWORD_LENGTH = 12
_COMMON = Path(__file__).parent / "data" / "common-passwords.txt"
_AFFIX = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped deny-list of common passwords (lower case)."""
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def check_password(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused, or None: blank (whitespace only), shorter than
    :data:`MIN_PASSWORD_LENGTH`, a common password (also with only digits or symbols around
    it), or just the user name (with digits or symbols)."""
    if not password.strip():
        return "password is blank: use at least 12 characters that are not all spaces"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password too short: use at least {MIN_PASSWORD_LENGTH} characters"
    word = password.strip().lower()
    common = common_passwords()
    core = _AFFIX.sub("", word)
    if word in common or core in common or core.replace(" ", "") in common:
        return "password is too common: choose one that is not on lists of popular passwords"
    name = username.strip().lower()
    if len(name) >= 3 and not re.sub(r"[\d\W_]", "", word.replace(name, "")):
        return "password is (a variation of) the user name"
    return None


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
    problem = check_password(password, username)
    if problem:
        raise AccountError(problem)
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


def _delay(failures: int, free: int) -> timedelta:
    """How long after the last failure the next try must wait: nothing for the first ``free``
    failures, then :data:`FIRST_DELAY` doubling with each further one, at most
    :data:`MAX_DELAY`."""
    if failures < free:
        return timedelta(0)
    backoff: timedelta = FIRST_DELAY * 2 ** min(failures - free, 20)
    return min(MAX_DELAY, backoff)


def _failures(
    session: Session, since: datetime, *conds: ColumnElement[bool]
) -> tuple[int, datetime | None]:
    n, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.at >= since, ~LoginAttempt.success, *conds
        )
    ).one()
    return int(n or 0), last


def _check_rate(session: Session, username: str, remote: str, now: datetime) -> None:
    """Slow down guessing, never lock the owner out: failures count per account *and* address
    (another client of the owner is not held up by an attacker's failures) and per address over
    all accounts (one client trying many names); a success from an address clears its count for
    that account."""
    since = now - LOGIN_WINDOW
    last_ok = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username,
            LoginAttempt.remote == remote,
            LoginAttempt.success,
            LoginAttempt.at >= since,
        )
    )
    pair = _failures(
        session,
        max(since, last_ok) if last_ok else since,
        LoginAttempt.username == username,
        LoginAttempt.remote == remote,
    )
    by_remote = _failures(session, since, LoginAttempt.remote == remote)
    wait = timedelta(0)
    for (n, last), free in (
        (pair, FREE_FAILURES_PER_ACCOUNT),
        (by_remote, FREE_FAILURES_PER_REMOTE),
    ):
        if last is not None:
            wait = max(wait, last + _delay(n, free) - now)
    if wait > timedelta(0):
        raise TooManyAttempts(max(1, int(wait.total_seconds() + 0.999)))


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The address a request comes from: the peer, unless the peer is one of the ``trusted``
    proxies (addresses or networks, ``PERRON_TRUSTED_PROXIES``), then the last address in
    ``X-Forwarded-For`` that is not a trusted proxy itself. Without trusted proxies (the
    default) the header is ignored: anyone can write it."""
    if not trusted or not forwarded_for:
        return peer
    nets = []
    for t in trusted:
        try:
            nets.append(ipaddress.ip_network(t, strict=False))
        except ValueError:
            continue

    def is_trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in n for n in nets)

    if not is_trusted(peer):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer
        if not is_trusted(hop):
            return hop
    return peer


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


DEFAULT_TOKEN_LIFETIME = timedelta(days=30)


class TokenError(AccountError):
    """A token request that cannot be carried out."""


class TokenForbidden(TokenError):
    pass


class TokenNotFound(TokenError):
    pass


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed: never the secret itself."""

    id: int
    user: str
    party: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool

    def as_dict(self) -> dict[str, object]:

        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.id,
            "user": self.user,
            "party": self.party,
            "name": self.name,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "last_used_at": iso(self.last_used_at),
            "revoked_at": iso(self.revoked_at),
            "active": self.active,
        }


def _token_info(row: ApiToken, user: User, now: datetime) -> TokenInfo:
    active = row.revoked_at is None and row.expires_at is not None and row.expires_at > now
    return TokenInfo(
        row.id,
        user.username,
        user.party_code,
        row.name,
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.revoked_at,
        active,
    )


def create_api_token(
    session: Session, principal: Principal, name: str, lifetime: timedelta | None = None
) -> str:
    """Create an API token for a user and return it; only its hash is stored. Every token
    expires (after :data:`DEFAULT_TOKEN_LIFETIME` unless ``lifetime`` says otherwise)."""
    token = "prn_" + secrets.token_urlsafe(32)
    now = _now()
    session.add(
        ApiToken(
            token_hash=_digest(token),
            user_id=principal.user_id,
            name=name,
            created_at=now,
            expires_at=now + (lifetime or DEFAULT_TOKEN_LIFETIME),
        )
    )
    session.flush()
    return token


def mint_token(
    session: Session,
    principal: Principal,
    name: str,
    days: int | None = None,
    *,
    default_days: int = 30,
    max_days: int = 90,
) -> tuple[str, TokenInfo]:
    """A new API token for the logged-in ``principal``, valid ``days`` (default
    ``default_days``, at most ``max_days``); returns the secret (shown once) and its listing.

    Only a web session may mint: a token that could mint tokens would outlive its own expiry
    and revocation. Audited as ``token.create``."""
    if principal.via != "session":
        raise TokenForbidden("API tokens are created from a web session, not with a token")
    name = name.strip()
    if not name or len(name) > 80:
        raise TokenError("a token needs a name of 1 to 80 characters")
    days = default_days if days is None else days
    if not 1 <= days <= max_days:
        raise TokenError(f"a token lives 1 to {max_days} days (at most {max_days}), not {days}")
    secret = create_api_token(session, principal, name, timedelta(days=days))
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    assert row is not None
    user = session.get(User, principal.user_id)
    assert user is not None
    from perron.access import audit

    audit.record(
        session,
        actor=principal.username,
        party=principal.party_code,
        purpose="administration",
        action="token.create",
        subject=f"token/{row.id}",
        detail={"name": name, "days": days},
    )
    return secret, _token_info(row, user, _now())


def list_tokens(session: Session, principal: Principal | None = None) -> list[TokenInfo]:
    """The tokens of ``principal`` (every token for None: the command line), newest first."""
    q = select(ApiToken, User).join(User, User.id == ApiToken.user_id)
    if principal is not None:
        q = q.where(ApiToken.user_id == principal.user_id)
    now = _now()
    rows = session.execute(q.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return [_token_info(t, u, now) for t, u in rows]


def revoke_token(
    session: Session, token_id: int, principal: Principal | None = None, *, actor: str = "cli"
) -> TokenInfo:
    """Revoke a token of ``principal`` (any token for None: the command line); a token of
    someone else is not found. Revoking twice keeps the first time. Audited as
    ``token.revoke``."""
    row = session.get(ApiToken, token_id)
    if row is None or (principal is not None and row.user_id != principal.user_id):
        raise TokenNotFound(f"no token {token_id}")
    now = _now()
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    user = session.get(User, row.user_id)
    assert user is not None
    from perron.access import audit

    audit.record(
        session,
        actor=principal.username if principal is not None else actor,
        party=principal.party_code if principal is not None else user.party_code,
        purpose="administration",
        action="token.revoke",
        subject=f"token/{row.id}",
        detail={"user": user.username, "name": row.name},
    )
    return _token_info(row, user, now)


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = _now()
    if row is None or row.revoked_at is not None or row.expires_at is None or row.expires_at < now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_used_at = now
    p = _principal(user)
    return Principal(p.user_id, p.username, p.display_name, p.party_code, p.role, via="token")

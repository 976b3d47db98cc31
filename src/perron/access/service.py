"""Service functions of agreements and the audit trail: one per action, for every front end.

The rules live here and only here:

- agreements are listed to the parties taking part in them (the installation sees all);
  an agreement is made and revoked by an admin of the owning party (or the installation);
- the audit trail is read by the inspectorate's analysts and admins (every entry), by an admin
  of another party (their party's entries) and by the installation (every entry); every read
  is itself written to the trail (``audit.read``), whichever front end it came through;
- the chain is recomputed by admins and the inspectorate, each run recorded (``audit.verify``),
  and by the installation (not recorded: the check leaves the chain as it found it); its head
  (an anchor) may be read by anyone logged in.

Errors are those of :mod:`perron.domain.errors`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from perron.access import accounts, audit
from perron.access import agreements as agreement_store
from perron.access.actors import Actor, Installation, principal_of
from perron.access.policy import Purpose
from perron.domain.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from perron.domain.parties import PartyKind, Role
from perron.store.tables.accounts import Party

MAX_AUDIT_LIMIT = 1000


# --- agreements -----------------------------------------------------------------------------


def list_agreements(
    session: Session, actor: Actor, *, party: str | None = None
) -> list[dict[str, Any]]:
    """The agreements ``actor``'s party takes part in (revoked ones included, marked); the
    installation sees all, or those of ``party``."""
    if isinstance(actor, Installation):
        scope = party
    else:
        if party and party != actor.party_code:
            raise Forbidden(f"{actor.username} sees the agreements of {actor.party_code} only")
        scope = actor.party_code
    return [agreement_store.as_dict(a) for a in agreement_store.list_all(session, scope)]


def _owner_admin(actor: Actor, owner: str, what: str) -> None:
    if isinstance(actor, Installation):
        return
    if actor.role is not Role.ADMIN or actor.party_code != owner:
        raise Forbidden(f"only an admin of the owning party can {what}")


def create_agreement(
    session: Session,
    actor: Actor,
    *,
    grantee: str,
    level: str,
    purposes: Iterable[str],
    owner: str | None = None,
    categories: Iterable[str] | None = None,
    fields: Iterable[str] = (),
    reference: str = "",
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """Share ``owner``'s incidents (the actor's own party by default) with ``grantee``."""
    if owner is None:
        if isinstance(actor, Installation):
            raise Invalid("name the party whose incidents are shared", "owner")
        owner = actor.party_code
    _owner_admin(actor, owner, "make agreements")
    try:
        a = agreement_store.create(
            session,
            owner=owner,
            grantee=grantee,
            level=level,
            purposes=list(purposes),
            categories=categories,
            fields=fields,
            reference=reference,
            valid_until=valid_until,
            actor=actor.username,
            actor_party=owner if isinstance(actor, Installation) else actor.party_code,
        )
    except agreement_store.AgreementError as exc:
        raise Invalid(str(exc)) from None
    return agreement_store.as_dict(a)


def revoke_agreement(session: Session, actor: Actor, agreement_id: int) -> dict[str, Any]:
    """Revoke an agreement (it stays on record, marked revoked)."""
    from perron.store.tables.access import Agreement

    a = session.get(Agreement, agreement_id) if 0 < agreement_id < 2**63 else None
    if a is None:
        raise NotFound(f"no agreement {agreement_id}")
    _owner_admin(actor, a.owner_party, "revoke it")
    agreement_store.revoke(
        session, agreement_id, actor=actor.username, actor_party=actor.party_code
    )
    return agreement_store.as_dict(a)


def create_default_agreements(session: Session, actor: Actor) -> int:
    """Create the documented default agreements that are missing (the installation's task)."""
    if not isinstance(actor, Installation):
        raise Forbidden("the default agreements are created by the installation's operator")
    return agreement_store.ensure_defaults(session, actor=actor.username)


# --- audit trail ----------------------------------------------------------------------------


def _inspectorate(session: Session, party: str) -> bool:
    row = session.get(Party, party)
    return row is not None and row.kind == PartyKind.INSPECTORATE.value


def audit_scope(session: Session, actor: Actor) -> str | None:
    """The party whose entries ``actor`` may read (None: every entry); Forbidden for the
    roles that read none."""
    principal = principal_of(actor)
    if principal is None:
        return None
    if _inspectorate(session, principal.party_code) and principal.role in (
        Role.ADMIN,
        Role.ANALYST,
    ):
        return None
    if principal.role is Role.ADMIN:
        return principal.party_code
    raise Forbidden("the audit trail is open to admins (their own party) and to the inspectorate")


def read_audit_log(
    session: Session,
    actor: Actor,
    *,
    since: int = 0,
    limit: int = 100,
    party: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    """Entries of the audit trail after ``since`` (oldest first) that ``actor`` may read; the
    read itself is recorded (``audit.read``, purpose accountability)."""
    if not 1 <= limit <= MAX_AUDIT_LIMIT:
        raise Invalid(f"limit must lie between 1 and {MAX_AUDIT_LIMIT}, not {limit}", "limit")
    if since < 0:
        raise Invalid("since must not be negative", "since")
    scope = audit_scope(session, actor)
    if scope is not None and party and party != scope:
        raise Forbidden(f"{actor.username} reads the entries of {scope} only")
    rows = audit.entries(session, since_seq=since, limit=limit, party=scope or party, action=action)
    if rows:
        audit.record(
            session,
            actor=actor.username,
            party=actor.party_code,
            purpose=Purpose.ACCOUNTABILITY.value,
            action="audit.read",
            subject=f"audit/{rows[0]['seq']}-{rows[-1]['seq']}",
        )
    return rows


def verify_audit(
    session: Session,
    actor: Actor,
    *,
    anchor: dict[str, Any] | None = None,
    workers: int = 1,
) -> audit.VerifyResult:
    """Recompute the hash chain (from an anchor, to detect truncation); admins, the
    inspectorate and the installation. A user's run is recorded (``audit.verify``); the
    installation's own check is not, so that checking leaves the chain as it found it (its
    operator holds the database anyway, and an anchor taken before stays the head)."""
    principal = principal_of(actor)
    if principal is None:
        return audit.verify(session, anchor=anchor, workers=workers)
    if not audit.may_verify(session, principal):
        raise Forbidden("verifying the audit trail is open to admins and to the inspectorate (ILT)")
    result = audit.verify(session, anchor=anchor, workers=workers)
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=Purpose.ACCOUNTABILITY.value,
        action="audit.verify",
        subject=f"audit/1-{result.head_seq}",
        detail={"ok": result.ok, "checked": result.checked},
    )
    return result


def audit_anchor(session: Session, actor: Actor) -> dict[str, Any]:
    """The current head of the chain (seq, hash, time) to keep outside the database."""
    return audit.anchor(session)


__all__ = [
    "audit_anchor",
    "audit_scope",
    "create_agreement",
    "create_default_agreements",
    "list_agreements",
    "read_audit_log",
    "revoke_agreement",
    "verify_audit",
]


# --- accounts and API tokens ------------------------------------------------------------------


def _account_error(exc: accounts.AccountError) -> ServiceError:
    text = str(exc)
    if "exists already" in text:
        return Conflict(text, "username")
    field = next(
        (
            f
            for f, word in (("role", "role"), ("party", "party"), ("password", "password"))
            if text.startswith(f"unknown {word}") or text.startswith(word)
        ),
        None,
    )
    return Invalid(text, field)


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    party: str,
    role: str,
    display_name: str | None = None,
) -> dict[str, Any]:
    """Create a user of ``party`` with ``role``: the installation for any party, an admin for
    their own party. Refused: an unknown party or role, a taken name, a weak password.
    Recorded in the audit trail (``user.create``, never the password)."""
    if not isinstance(actor, Installation):
        if actor.role is not Role.ADMIN:
            raise Forbidden("users are created by an admin of their party")
        if party != actor.party_code:
            raise Forbidden(f"{actor.username} creates users of {actor.party_code} only")
    try:
        made = accounts.create_user(session, username, password, party, role, display_name)
    except accounts.AccountError as exc:
        raise _account_error(exc) from None
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code if not isinstance(actor, Installation) else party,
        purpose="administration",
        action="user.create",
        subject=f"user/{made.user_id}",
        detail={"username": made.username, "party": party, "role": role},
    )
    return {
        "username": made.username,
        "name": made.display_name,
        "party": made.party_code,
        "role": made.role.value,
        "active": True,
    }


def list_users(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The accounts: every one for the installation, their own party's for an admin."""
    rows = accounts.list_users(session)
    if isinstance(actor, Installation):
        return rows
    if actor.role is not Role.ADMIN:
        raise Forbidden("the users of a party are listed to its admins")
    return [r for r in rows if r["party"] == actor.party_code]


def mint_token(
    session: Session,
    actor: Actor,
    *,
    name: str,
    days: int | None = None,
    default_days: int = 30,
    max_days: int = 90,
) -> tuple[str, accounts.TokenInfo]:
    """A new API token for the logged-in user (from a web session only; a token cannot mint
    tokens); returns the secret (shown once) and its listing. Audited as ``token.create``."""
    principal = principal_of(actor)
    if principal is None:
        raise Forbidden("an API token belongs to a user: create it from their web session")
    try:
        return accounts.mint_token(
            session, principal, name, days, default_days=default_days, max_days=max_days
        )
    except accounts.TokenForbidden as exc:
        raise Forbidden(str(exc)) from None
    except accounts.TokenError as exc:
        raise InvalidToken(str(exc), "days" if "lives" in str(exc) else "name") from None


class InvalidToken(Invalid):
    """A token request that cannot be carried out (a name or lifetime out of bounds)."""

    title = "Invalid token request"


def list_tokens(
    session: Session, actor: Actor, *, user: str | None = None
) -> list[accounts.TokenInfo]:
    """API tokens (never their secrets), newest first: a user's own; every token (or those of
    ``user``) for the installation."""
    principal = principal_of(actor)
    if principal is not None and user and user != principal.username:
        raise Forbidden(f"{principal.username} lists their own tokens only")
    rows = accounts.list_tokens(session, principal)
    return [t for t in rows if t.user == user] if user else rows


def revoke_token(session: Session, actor: Actor, token_id: int) -> accounts.TokenInfo:
    """Revoke an API token (it stops working at once): a user their own (another's is not
    found), the installation any. Audited as ``token.revoke``."""
    if not 0 < token_id < 2**63:
        raise NotFound(f"no token {token_id}")
    try:
        return accounts.revoke_token(session, token_id, principal_of(actor), actor=actor.username)
    except accounts.TokenNotFound as exc:
        raise NotFound(str(exc)) from None

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

from perron.access import agreements as agreement_store
from perron.access import audit
from perron.access.actors import Actor, Installation, principal_of
from perron.access.policy import Purpose
from perron.domain.errors import Forbidden, Invalid, NotFound
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

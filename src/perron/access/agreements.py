"""Agreements between parties: creating, revoking, listing, and turning them into grants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.policy import PROTECTED_FIELDS, Grant, Level, Purpose, Viewer
from perron.domain import taxonomy
from perron.domain.parties import PartyKind, Role
from perron.store.tables.access import Agreement
from perron.store.tables.accounts import Party


class AgreementError(ValueError):
    """An agreement that cannot be made, with a message fit to show."""


#: the longest reference (the agreement's name in the owner's records)
REFERENCE_LIMIT = 200


def _now() -> datetime:
    return datetime.now(UTC)


def _categories(categories: Iterable[str] | None) -> list[str] | None:
    """Known category codes and group names, sorted; unknown ones refused by name."""
    if categories is None:
        return None
    chosen = sorted({str(c) for c in categories})
    if not chosen:
        return None
    known = set(taxonomy.CATEGORIES) | set(taxonomy.GROUPS)
    unknown = [c for c in chosen if c not in known]
    if unknown:
        shown = ", ".join(repr(c[:40]) for c in unknown[:5])
        raise AgreementError(
            f"categories: unknown category or group {shown}; give category codes or the "
            f"groups {', '.join(sorted(taxonomy.GROUPS))}"
        )
    return chosen


def _valid_until(valid_from: datetime | None, valid_until: datetime | None) -> None:
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if value is not None and value.tzinfo is None:
            raise AgreementError(f"{name}: give a timezone (e.g. 2026-12-31T23:59:59+01:00)")
    if valid_until is None:
        return
    if valid_until <= _now():
        raise AgreementError("valid_until: lies in the past; an agreement must end later")
    if valid_from is not None and valid_until <= valid_from:
        raise AgreementError("valid_until: must lie after valid_from")


def _party(session: Session, code: str) -> Party:
    party = session.get(Party, code)
    if party is None:
        raise AgreementError(f"unknown party {code!r}")
    return party


def create(
    session: Session,
    *,
    owner: str,
    grantee: str,
    level: str,
    purposes: Iterable[str],
    categories: Iterable[str] | None = None,
    fields: Iterable[str] = (),
    reference: str = "",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    actor: str = "system",
    actor_party: str | None = None,
) -> Agreement:
    """Record an agreement (and its audit entry): ``grantee`` may see ``owner``'s incidents."""
    _party(session, owner)
    _party(session, grantee)
    if owner == grantee:
        raise AgreementError("a party always sees its own incidents; no agreement needed")
    try:
        lvl = Level(level)
    except ValueError:
        raise AgreementError(f"unknown level {level!r}; choose detail or aggregate") from None
    purpose_list = sorted(set(purposes))
    if not purpose_list:
        raise AgreementError("name at least one purpose")
    for p in purpose_list:
        if p not in set(Purpose):
            raise AgreementError(
                f"unknown purpose {p!r}; choose from {', '.join(x.value for x in Purpose)}"
            )
    category_list = _categories(categories)
    _valid_until(valid_from, valid_until)
    if not isinstance(reference, str) or len(reference) > REFERENCE_LIMIT or "\x00" in reference:
        raise AgreementError(
            f"reference: text of at most {REFERENCE_LIMIT} characters, without NUL bytes"
        )
    field_list = sorted(set(fields))
    unknown = set(field_list) - PROTECTED_FIELDS
    if unknown:
        raise AgreementError(
            f"unknown protected field(s) {', '.join(sorted(unknown))}; an agreement can add "
            f"{', '.join(sorted(PROTECTED_FIELDS))} (the standard fields are always included)"
        )
    if field_list and lvl is Level.AGGREGATE:
        raise AgreementError("fields only apply to agreements at detail level")
    now = _now()
    agreement = Agreement(
        owner_party=owner,
        grantee_party=grantee,
        level=lvl.value,
        purposes=purpose_list,
        categories=category_list,
        fields=field_list,
        reference=reference or f"{owner} → {grantee}",
        valid_from=valid_from or now,
        valid_until=valid_until,
        created_at=now,
        created_by=actor,
    )
    session.add(agreement)
    session.flush()
    audit.record(
        session,
        actor=actor,
        party=actor_party or owner,
        purpose="administration",
        action="agreement.create",
        subject=f"agreement/{agreement.id}",
        detail=as_dict(agreement),
    )
    return agreement


def revoke(
    session: Session, agreement_id: int, *, actor: str = "system", actor_party: str = "-"
) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise AgreementError(f"no agreement {agreement_id}")
    if agreement.revoked_at is None:
        agreement.revoked_at = _now()
        audit.record(
            session,
            actor=actor,
            party=actor_party,
            purpose="administration",
            action="agreement.revoke",
            subject=f"agreement/{agreement_id}",
        )
    return agreement


def as_dict(a: Agreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "owner": a.owner_party,
        "grantee": a.grantee_party,
        "level": a.level,
        "purposes": list(a.purposes),
        "categories": list(a.categories) if a.categories is not None else None,
        "fields": list(a.fields),
        "reference": a.reference,
        "valid_from": a.valid_from.isoformat() if a.valid_from else None,
        "valid_until": a.valid_until.isoformat() if a.valid_until else None,
        "revoked_at": a.revoked_at.isoformat() if a.revoked_at else None,
    }


def active(
    session: Session, *, party: str | None = None, at: datetime | None = None
) -> list[Agreement]:
    """Agreements in force at ``at`` (now), optionally those where ``party`` is owner or grantee."""
    at = at or _now()
    q = select(Agreement).where(
        Agreement.revoked_at.is_(None),
        Agreement.valid_from <= at,
        or_(Agreement.valid_until.is_(None), Agreement.valid_until > at),
    )
    if party:
        q = q.where(or_(Agreement.owner_party == party, Agreement.grantee_party == party))
    return list(session.scalars(q.order_by(Agreement.id)))


def list_all(session: Session, party: str | None = None) -> list[Agreement]:
    q = select(Agreement)
    if party:
        q = q.where(or_(Agreement.owner_party == party, Agreement.grantee_party == party))
    return list(session.scalars(q.order_by(Agreement.id)))


def grants_for(session: Session, party: str, at: datetime | None = None) -> tuple[Grant, ...]:
    return tuple(
        Grant(
            owner=a.owner_party,
            level=Level(a.level),
            purposes=frozenset(Purpose(p) for p in a.purposes),
            categories=frozenset(a.categories) if a.categories is not None else None,
            fields=frozenset(a.fields),
            agreement_id=a.id,
        )
        for a in active(session, at=at)
        if a.grantee_party == party
    )


def public_parties(session: Session) -> frozenset[str]:
    return frozenset(
        session.scalars(select(Party.code).where(Party.kind == PartyKind.PUBLIC_SOURCE.value))
    )


def viewer_for(session: Session, party: str, role: Role | str, username: str = "-") -> Viewer:
    """The policy's view of a user: their party, role, active grants and the public sources."""
    return Viewer(
        party=party,
        role=Role(role),
        grants=grants_for(session, party),
        public_parties=public_parties(session),
        username=username,
    )


@dataclass(frozen=True)
class DefaultAgreement:
    owner: str
    grantee: str
    level: str
    purposes: tuple[str, ...]
    categories: tuple[str, ...] | None
    fields: tuple[str, ...]
    reference: str


RAIL_PARTIES = ("prorail", "ns", "arriva", "keolis", "qbuzz", "breng", "connexxion")


def default_agreements() -> list[DefaultAgreement]:
    """A documented starting set (used by the demo; nothing is created implicitly):

    - ProRail and NS share detail for operational follow-up and analysis, including free text
      (not person references): the daily cooperation on stations both serve;
    - the police share detail of social-safety incidents with ProRail and NS for operational
      follow-up, without free text or person references;
    - every rail party gives ILT detail for accountability without free text or personal fields;
    - every rail party gives IenW aggregates for analysis and accountability.
    """
    out = [
        DefaultAgreement(
            "prorail",
            "ns",
            "detail",
            ("analysis", "operational"),
            None,
            ("description",),
            "Samenwerking sociale veiligheid ProRail–NS",
        ),
        DefaultAgreement(
            "ns",
            "prorail",
            "detail",
            ("analysis", "operational"),
            None,
            ("description",),
            "Samenwerking sociale veiligheid ProRail–NS",
        ),
        DefaultAgreement(
            "politie",
            "prorail",
            "detail",
            ("operational",),
            ("social_safety",),
            (),
            "Convenant politie–spoorsector",
        ),
        DefaultAgreement(
            "politie",
            "ns",
            "detail",
            ("operational",),
            ("social_safety",),
            (),
            "Convenant politie–spoorsector",
        ),
    ]
    for owner in RAIL_PARTIES:
        out.append(
            DefaultAgreement(owner, "ilt", "detail", ("accountability",), None, (), "Toezicht ILT")
        )
        out.append(
            DefaultAgreement(
                owner,
                "ienw",
                "aggregate",
                ("accountability", "analysis"),
                None,
                (),
                "Beleidsinformatie IenW",
            )
        )
    return out


def ensure_defaults(session: Session, actor: str = "demo") -> int:
    """Create the default agreements that do not exist yet (idempotent); returns how many."""
    existing = {
        (a.owner_party, a.grantee_party, a.level, tuple(a.purposes)) for a in list_all(session)
    }
    parties = set(session.scalars(select(Party.code)))
    made = 0
    for d in default_agreements():
        key = (d.owner, d.grantee, d.level, tuple(sorted(d.purposes)))
        if key in existing or d.owner not in parties or d.grantee not in parties:
            continue
        create(
            session,
            owner=d.owner,
            grantee=d.grantee,
            level=d.level,
            purposes=d.purposes,
            categories=d.categories,
            fields=d.fields,
            reference=d.reference,
            actor=actor,
            actor_party=d.owner,
        )
        made += 1
    return made

"""Joint computations, one function per action: propose, approve, withdraw, run, read.

A joint computation is an agreement (which parties, which query, which purpose, which output).
Each party keeps the agreement in its own installation and its admin approves it there; a run
needs that approval, shares the party's own figures only as secret shares, and keeps nothing but
the agreed output — written to the party's audit trail with the output's hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from perron.access import audit
from perron.domain.parties import Role
from perron.joint import disclosure
from perron.joint.measures import measure, measure_kind
from perron.joint.run import JointRunError, SecureOutput, run_party
from perron.joint.spec import (
    MAX_PARTIES,
    MIN_PARTIES,
    JointQuery,
    SpecError,
    parse_address,
    spec_hash,
)
from perron.store.db import transaction
from perron.store.tables.joint import JointAgreement, JointRun, PrivacyBudget, PrivacySpend

#: the largest figure one party may put into one cell (16-bit secure integers, 12 parties)
MAX_CELL_INPUT = 2_500

#: ε a party may spend on its own incident data per data year, unless set otherwise
DEFAULT_YEARLY_BUDGET = 1.0


class JointError(ValueError):
    """A joint computation cannot be proposed, approved or run as asked."""


class JointDenied(PermissionError):
    """The actor may not do this."""


class JointNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Actor:
    """Who acts: a user of a party with a role (the CLI acts as the installation's admin)."""

    username: str
    party: str
    role: Role


@dataclass(frozen=True)
class JointResult:
    run_id: int
    spec_hash: str
    result_hash: str
    parties: list[str]
    cells: list[dict[str, Any]]
    margins: list[dict[str, Any]]
    privacy: dict[str, Any]
    synthetic: bool = False
    query: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "spec_hash": self.spec_hash,
            "result_hash": self.result_hash,
            "parties": self.parties,
            "query": self.query,
            "privacy": self.privacy,
            "synthetic": self.synthetic,
            "cells": self.cells,
            "margins": self.margins,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _require(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        names = " or ".join(r.value for r in roles)
        raise JointDenied(f"only a party's {names} may do this (you are {actor.role.value})")


def local_party(session: Session, given: str | None = None) -> str:
    """This installation's party: ``given``, else the one party whose own incidents it holds."""
    from perron.access.agreements import public_parties
    from perron.store.tables.accounts import Party
    from perron.store.tables.registry import Incident

    if given:
        if session.get(Party, given) is None:
            raise JointError(f"party: unknown party {given!r}")
        return given
    public = public_parties(session)
    owners = sorted(
        p for p in session.scalars(select(Incident.party_code).distinct()) if p not in public
    )
    if len(owners) != 1:
        found = ", ".join(owners[:8]) + (f" and {len(owners) - 8} more" if len(owners) > 8 else "")
        found = found or "none"
        raise JointError(
            f"party: say which party this installation is (--party); incidents of: {found}"
        )
    return owners[0]


def default_stations() -> tuple[str, ...]:
    from perron.reference.bundle import stations

    return tuple(sorted(s.code for s in stations()))


def make_query(
    since: date,
    until: date,
    *,
    by: tuple[str, ...] = ("station", "month", "group"),
    purpose: str = "analysis",
    privacy: str = "suppress",
    epsilon: float | None = None,
    margins: bool = False,
    measure_name: str = "count",
) -> JointQuery:
    """The agreed query over every station of the reference data."""
    try:
        kind = measure_kind(measure_name)
    except KeyError as exc:
        raise JointError(f"measure: {exc.args[0]}") from exc
    q = JointQuery(
        since=since,
        until=until,
        by=tuple(by),
        measure=measure_name,
        purpose=purpose,
        privacy=privacy,
        epsilon=epsilon,
        margins=margins,
        stations=default_stations(),
        groups=kind.groups,
    )
    if privacy == "noisy" and measure_name == "harm":
        raise JointError("measure: harm sums are published suppressed only, not with noise")
    try:
        q.validate()
    except SpecError as exc:
        raise JointError(str(exc)) from exc
    return q


def parse_parties(text: str | list[str]) -> list[str]:
    """The parties' addresses from a comma-separated list; errors say which address is wrong."""
    items = [p for p in (text.split(",") if isinstance(text, str) else text) if p.strip()]
    try:
        addresses = [parse_address(p) for p in items]
    except SpecError as exc:
        raise JointError(str(exc)) from exc
    if not MIN_PARTIES <= len(addresses) <= MAX_PARTIES:
        raise JointError(f"parties: a joint computation has {MIN_PARTIES}–{MAX_PARTIES} parties")
    if len(set(addresses)) != len(addresses):
        raise JointError("parties: an address is listed twice")
    return addresses


# ---- agreements -------------------------------------------------------------------------


def _agreement_dict(a: JointAgreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "spec_hash": a.spec_hash,
        "title": a.title,
        "query": {k: v for k, v in a.query.items() if k != "stations"},
        "stations": len(a.query.get("stations", [])),
        "addresses": a.addresses,
        "parties": a.parties,
        "local_party": a.local_party,
        "created_at": a.created_at.isoformat(),
        "created_by": a.created_by,
        "approved_at": a.approved_at.isoformat() if a.approved_at else None,
        "approved_by": a.approved_by,
        "withdrawn": a.withdrawn_at is not None,
        "status": "withdrawn"
        if a.withdrawn_at
        else ("approved" if a.approved_at else "awaiting approval"),
    }


def propose(
    session: Session,
    actor: Actor,
    *,
    title: str,
    query: JointQuery,
    addresses: list[str],
    parties: list[str],
) -> dict[str, Any]:
    """Record a joint computation for this party's admin to approve (admins and analysts)."""
    _require(actor, Role.ADMIN, Role.ANALYST)
    title = title.strip()
    if not 3 <= len(title) <= 200:
        raise JointError("title: 3 to 200 characters")
    if len(parties) != len(addresses):
        raise JointError("parties: name one party code per address, in the same order")
    if actor.party not in parties:
        raise JointError(f"parties: your party {actor.party!r} is not among them")
    digest = spec_hash(query, addresses)
    if session.scalar(select(JointAgreement.id).where(JointAgreement.spec_hash == digest)):
        raise JointError("this joint computation is recorded already")
    a = JointAgreement(
        spec_hash=digest,
        title=title,
        query=query.as_dict(),
        addresses=list(addresses),
        parties=list(parties),
        local_party=actor.party,
        created_at=_now(),
        created_by=actor.username,
    )
    session.add(a)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        party=actor.party,
        purpose=query.purpose,
        action="joint.propose",
        subject=f"joint agreement {a.id}",
        detail={"spec_hash": digest, "parties": parties, "title": title},
    )
    return _agreement_dict(a)


def _agreement(session: Session, actor: Actor, agreement_id: int) -> JointAgreement:
    a = session.get(JointAgreement, agreement_id)
    if a is None or actor.party not in a.parties:
        raise JointNotFound(f"no joint agreement {agreement_id}")
    return a


def approve(session: Session, actor: Actor, agreement_id: int) -> dict[str, Any]:
    """This party's admin signs off the agreement; only then may this party take part."""
    _require(actor, Role.ADMIN)
    a = _agreement(session, actor, agreement_id)
    if a.withdrawn_at:
        raise JointError(f"agreement {agreement_id} was withdrawn")
    if a.approved_at is None:
        a.approved_at, a.approved_by = _now(), actor.username
        audit.record(
            session,
            actor=actor.username,
            party=actor.party,
            purpose=str(a.query.get("purpose", "analysis")),
            action="joint.approve",
            subject=f"joint agreement {a.id}",
            detail={"spec_hash": a.spec_hash},
        )
    return _agreement_dict(a)


def withdraw(session: Session, actor: Actor, agreement_id: int) -> dict[str, Any]:
    """Withdraw this party's approval: no further runs take place with it."""
    _require(actor, Role.ADMIN)
    a = _agreement(session, actor, agreement_id)
    if a.withdrawn_at is None:
        a.withdrawn_at = _now()
        audit.record(
            session,
            actor=actor.username,
            party=actor.party,
            purpose=str(a.query.get("purpose", "analysis")),
            action="joint.withdraw",
            subject=f"joint agreement {a.id}",
            detail={"spec_hash": a.spec_hash},
        )
    return _agreement_dict(a)


def list_agreements(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The joint-computation agreements the actor's party takes part in, newest first."""
    _require(actor, Role.ADMIN, Role.ANALYST, Role.VIEWER)
    rows = session.scalars(select(JointAgreement).order_by(JointAgreement.id.desc())).all()
    return [_agreement_dict(a) for a in rows if actor.party in a.parties]


# ---- the privacy-budget ledger ------------------------------------------------------------


def dataset_of(party: str, measure_name: str) -> str:
    return f"{party}:incidents:{measure_name}"


def budget(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """What this party has spent of its yearly ε, per data set and year."""
    _require(actor, Role.ADMIN, Role.ANALYST)
    rows = session.scalars(
        select(PrivacyBudget)
        .where(PrivacyBudget.dataset.like(f"{actor.party}:%"))
        .order_by(PrivacyBudget.dataset, PrivacyBudget.year)
    ).all()
    return [
        {
            "dataset": b.dataset,
            "year": b.year,
            "budget": b.budget,
            "spent": round(b.spent, 6),
            "left": round(b.budget - b.spent, 6),
        }
        for b in rows
    ]


def _spend(
    session: Session,
    actor: Actor,
    dataset: str,
    years: list[int],
    epsilon: float,
    digest: str,
    yearly: float,
) -> None:
    """Charge ``epsilon`` to every data year the query covers, or refuse for all of them."""
    charged: list[PrivacyBudget] = []
    for year in years:
        row = session.scalar(
            select(PrivacyBudget)
            .where(PrivacyBudget.dataset == dataset, PrivacyBudget.year == year)
            .with_for_update()
        )
        if row is None:
            row = PrivacyBudget(dataset=dataset, year=year, budget=yearly, spent=0.0)
            session.add(row)
            session.flush()
        if row.spent + epsilon > row.budget + 1e-12:
            raise JointError(
                f"epsilon: the privacy budget of {dataset} for {year} is spent "
                f"({row.spent:g} of {row.budget:g} used; this query needs {epsilon:g})"
            )
        charged.append(row)
    for row in charged:
        # an UPDATE that re-checks the budget in the database, so two runs cannot both pass
        done = session.execute(
            update(PrivacyBudget)
            .where(
                PrivacyBudget.id == row.id,
                PrivacyBudget.spent + epsilon <= PrivacyBudget.budget + 1e-12,
            )
            .values(spent=PrivacyBudget.spent + epsilon)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise JointError(f"epsilon: the privacy budget of {dataset} for {row.year} is spent")
        session.add(
            PrivacySpend(
                budget_id=row.id,
                spec_hash=digest,
                epsilon=epsilon,
                at=_now(),
                actor=actor.username,
                note=f"joint computation {digest[:12]}",
            )
        )


# ---- running ----------------------------------------------------------------------------


def _result_hash(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _cells(query: JointQuery, out: SecureOutput, withheld: list[bool]) -> list[dict[str, Any]]:
    cells = []
    noisy = query.privacy == "noisy"
    for (station, month, group), value, hide in zip(
        query.cells(), out.values, withheld, strict=True
    ):
        if noisy:
            shown = max(int(value or 0), 0)
            if shown == 0:
                continue
            cells.append(
                {
                    "station": station,
                    "month": month,
                    "group": group,
                    "count": shown,
                    "suppressed": False,
                }
            )
            continue
        if hide:
            cells.append(
                {
                    "station": station,
                    "month": month,
                    "group": group,
                    "count": None,
                    "suppressed": True,
                }
            )
        elif value:
            cells.append(
                {
                    "station": station,
                    "month": month,
                    "group": group,
                    "count": int(value),
                    "suppressed": False,
                }
            )
    return cells


def aggregate(
    engine: Engine,
    actor: Actor,
    query: JointQuery,
    addresses: list[str],
    index: int,
    *,
    agreement_id: int | None = None,
    approve_now: bool = False,
    timeout: float = 120.0,
    tls_dir: Path | None = None,
    yearly_budget: float = DEFAULT_YEARLY_BUDGET,
) -> JointResult:
    """Take part in a joint computation as party ``index`` of ``addresses``.

    The computation must be an approved agreement of this party — or ``approve_now`` by its
    admin, who then approves exactly this query (how ``perron joint aggregate`` is used from
    the command line). Nothing is kept when the run does not complete.
    """
    _require(actor, Role.ADMIN, Role.ANALYST)
    if not 0 <= index < len(addresses):
        raise JointError(f"index: {index} is not a position in the list of {len(addresses)}")
    digest = spec_hash(query, addresses)
    started = _now()
    with transaction(engine) as session:
        a = session.scalar(select(JointAgreement).where(JointAgreement.spec_hash == digest))
        if agreement_id is not None and (a is None or a.id != agreement_id):
            raise JointError(f"agreement: {agreement_id} is not this computation")
        if a is None or a.approved_at is None or a.withdrawn_at is not None:
            if a is not None and a.withdrawn_at is not None:
                raise JointError(f"agreement {a.id} was withdrawn")
            if not approve_now:
                raise JointDenied(
                    "this joint computation has no approval of your party's admin; propose and "
                    "approve it first"
                )
            _require(actor, Role.ADMIN)
            if a is None:
                a = JointAgreement(
                    spec_hash=digest,
                    title=f"joint {query.measure} {query.since}–{query.until}",
                    query=query.as_dict(),
                    addresses=list(addresses),
                    parties=[
                        actor.party if i == index else f"party {i}" for i in range(len(addresses))
                    ],
                    local_party=actor.party,
                    created_at=started,
                    created_by=actor.username,
                )
                session.add(a)
                session.flush()
            a.approved_at, a.approved_by = started, actor.username
            audit.record(
                session,
                actor=actor.username,
                party=actor.party,
                purpose=query.purpose,
                action="joint.approve",
                subject=f"joint agreement {a.id}",
                detail={"spec_hash": digest},
            )
        agreement_ref = a.id
        given = measure(query.measure)(session, actor.party, query)
        values = given.values
        if values and max(values) > MAX_CELL_INPUT:
            raise JointError(
                f"{query.measure}: a cell of this party holds more than {MAX_CELL_INPUT:,}; the "
                "engine's secure integers would overflow — split the period"
            )
        if query.privacy == "noisy":
            assert query.epsilon is not None
            years = sorted({int(m[:4]) for m in query.months})
            _spend(
                session,
                actor,
                dataset_of(actor.party, query.measure),
                years,
                query.epsilon,
                digest,
                yearly_budget,
            )
    # the ledger is charged (and committed) before any share leaves: a failed run spends too
    if query.privacy == "noisy":
        assert query.epsilon is not None
        scale = disclosure.laplace_scale(query.epsilon, len(addresses))
        noise = disclosure.sample_noise(scale, len(values))
        values = [v + e for v, e in zip(values, noise, strict=True)]
    try:
        out = run_party(
            addresses=addresses,
            index=index,
            spec_hash=digest,
            party=actor.party,
            synthetic=given.synthetic,
            values=values,
            extra=given.weighted,
            mode=query.privacy,
            min_cell=query.min_cell,
            margins=query.margin_index() if query.margins else None,
            timeout=timeout,
            tls_dir=tls_dir,
        )
    except JointRunError as exc:
        with transaction(engine) as session:
            audit.record(
                session,
                actor=actor.username,
                party=actor.party,
                purpose=query.purpose,
                action="joint.failed",
                subject=f"joint agreement {agreement_ref}",
                detail={"spec_hash": digest, "reason": str(exc)[:300]},
            )
        raise JointError(str(exc)) from exc
    del values  # this party's input is not kept
    withheld = list(out.small) if out.small is not None else [False] * len(out.values)
    margins: list[dict[str, Any]] = []
    if query.margins and out.margins:
        lines = query.margin_index()
        if out.small is not None:
            withheld = disclosure.complementary(
                out.values, withheld, lines, out.margins, query.min_cell
            )
        keys = [(mo, g) for mo in query.months for g in query.groups]
        for (month, group), total, line in zip(keys, out.margins, lines, strict=True):
            all_hidden = out.small is not None and all(withheld[i] for i in line) and total > 0
            small_total = out.small is not None and 0 < total < query.min_cell
            hide = all_hidden or small_total
            shown_total = max(total, 0) if query.privacy == "noisy" else total
            margins.append(
                {
                    "month": month,
                    "group": group,
                    "count": None if hide else shown_total,
                    "suppressed": hide,
                }
            )
    cells = _cells(query, out, withheld)
    if out.extra is not None:
        harm = {key: value for key, value in zip(query.cells(), out.extra, strict=True)}
        for c in cells:
            v = harm.get((c["station"], c["month"], c["group"]))
            c["harm"] = None if c["suppressed"] or v is None else v / 10
    privacy: dict[str, Any] = {"min_cell": query.min_cell, "mode": query.privacy}
    if query.privacy == "noisy":
        assert query.epsilon is not None
        scale = disclosure.laplace_scale(query.epsilon, len(addresses))
        privacy.update(
            epsilon=query.epsilon,
            delta=0.0,
            mechanism="discrete Laplace (OpenDP)",
            scale=scale,
            noise_sd=round(disclosure.noise_sd(scale, len(addresses)), 3),
        )
    payload = {
        "spec_hash": digest,
        "cells": cells,
        "margins": margins,
        "privacy": privacy,
        "synthetic": out.synthetic,
    }
    digest_out = _result_hash(payload)
    with transaction(engine) as session:
        run = JointRun(
            agreement_id=agreement_ref,
            spec_hash=digest,
            query={k: v for k, v in query.as_dict().items()},
            addresses=list(addresses),
            party_index=index,
            local_party=actor.party,
            started_at=started,
            finished_at=_now(),
            actor=actor.username,
            result={"cells": cells, "margins": margins, "privacy": privacy, "parties": out.parties},
            result_hash=digest_out,
            bytes_sent=out.bytes_sent,
        )
        session.add(run)
        session.flush()
        a2 = session.get(JointAgreement, agreement_ref)
        if a2 is not None and out.parties:
            a2.parties = list(out.parties)
        audit.record(
            session,
            actor=actor.username,
            party=actor.party,
            purpose=query.purpose,
            action="joint.run",
            subject=f"joint run {run.id}",
            detail={
                "spec_hash": digest,
                "result_hash": digest_out,
                "parties": out.parties,
                "cells": len(cells),
            },
        )
        run_id = run.id
    return JointResult(
        run_id=run_id,
        spec_hash=digest,
        result_hash=digest_out,
        parties=out.parties,
        cells=cells,
        margins=margins,
        privacy=privacy,
        query={k: v for k, v in query.as_dict().items() if k != "stations"},
    )


def _run_dict(r: JointRun, with_cells: bool) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": r.id,
        "agreement": r.agreement_id,
        "spec_hash": r.spec_hash,
        "result_hash": r.result_hash,
        "query": {k: v for k, v in r.query.items() if k != "stations"},
        "parties": r.result.get("parties", []),
        "local_party": r.local_party,
        "index": r.party_index,
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat(),
        "by": r.actor,
        "privacy": r.result.get("privacy", {}),
        "synthetic": bool(r.result.get("synthetic", False)),
        "cells_shown": sum(1 for c in r.result.get("cells", []) if not c["suppressed"]),
        "cells_suppressed": sum(1 for c in r.result.get("cells", []) if c["suppressed"]),
    }
    if with_cells:
        d["cells"] = r.result.get("cells", [])
        d["margins"] = r.result.get("margins", [])
    return d


def list_runs(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The joint computations this installation took part in, newest first."""
    _require(actor, Role.ADMIN, Role.ANALYST, Role.VIEWER)
    rows = session.scalars(
        select(JointRun).where(JointRun.local_party == actor.party).order_by(JointRun.id.desc())
    ).all()
    return [_run_dict(r, False) for r in rows]


def get_run(session: Session, actor: Actor, run_id: int) -> dict[str, Any]:
    """One run's agreed output (what every party of it received)."""
    _require(actor, Role.ADMIN, Role.ANALYST, Role.VIEWER)
    r = session.get(JointRun, run_id)
    if r is None or r.local_party != actor.party:
        raise JointNotFound(f"no joint run {run_id}")
    audit.record(
        session,
        actor=actor.username,
        party=actor.party,
        purpose=str(r.query.get("purpose", "analysis")),
        action="joint.read",
        subject=f"joint run {r.id}",
        detail={"result_hash": r.result_hash},
    )
    return _run_dict(r, True)


def count_runs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(JointRun)) or 0)

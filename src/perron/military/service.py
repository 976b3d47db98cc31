"""Service functions of the military capability: one per user action.

Each takes the actor (a :class:`perron.access.accounts.Principal`), checks the policy of
:mod:`perron.military.access`, validates, does the work and writes the audit trail in the same
transaction. The routes, pages and commands only parse, call and render.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.accounts import Principal
from perron.military.access import Action, check
from perron.military.model import PlanningError, Settings
from perron.military.planner import Inputs, parse_request, plan_request, shipped_inputs
from perron.store.tables.military import MilitaryPlan, MilitaryRequest

DECISIONS = ("approved", "rejected")


class NotFound(LookupError):
    """No military request with that id."""


@dataclass(frozen=True)
class Planned:
    """A stored request with its proposed plan and alternatives."""

    request_id: int
    plan: dict[str, Any]


def compute(
    actor: Principal,
    raw: Mapping[str, Any],
    inputs: Inputs | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Plan without storing (command line ``--no-save``): nothing is written anywhere."""
    check(actor.party_code, actor.role, Action.REQUEST)
    inputs = inputs or shipped_inputs()
    return plan_request(parse_request(raw, inputs.network), inputs, settings)


def plan_transport(
    session: Session,
    actor: Principal,
    raw: Mapping[str, Any],
    *,
    demo: bool = False,
    inputs: Inputs | None = None,
    settings: Settings | None = None,
) -> Planned:
    """Validate and plan a request, store it with its plans and record who asked."""
    purpose = check(actor.party_code, actor.role, Action.REQUEST)
    inputs = inputs or shipped_inputs()
    req = parse_request(raw, inputs.network)
    plan = plan_request(req, inputs, settings)
    row = MilitaryRequest(
        created_at=datetime.now(UTC),
        created_by=actor.username,
        party_code=actor.party_code,
        reference=req.reference,
        origin=req.origin,
        destination=req.destination,
        earliest=req.earliest.isoformat(timespec="minutes"),
        latest_arrival=req.latest_arrival.isoformat(timespec="minutes")
        if req.latest_arrival
        else None,
        urgent=req.urgent,
        dangerous_goods=req.dangerous_goods,
        request_json=json.dumps(plan["request"], sort_keys=True),
        status="planned",
        demo=demo,
    )
    session.add(row)
    session.flush()
    options = [{"reason": "best", **plan}] + list(plan["alternatives"])
    for rank, option in enumerate(options):
        body = option if rank else {k: v for k, v in plan.items() if k != "alternatives"}
        session.add(
            MilitaryPlan(
                request_id=row.id,
                rank=rank,
                kind=option["kind"],
                reason=option.get("reason", "best"),
                departure=option["departure"],
                arrival=option["arrival"],
                route=" ".join(option["route"]),
                km=float(option["km"]),
                trains_affected=int(option["civil_impact"]["trains_affected"]),
                plan_json=json.dumps(body, sort_keys=True),
            )
        )
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=purpose,
        action="military.plan",
        subject=f"military_request:{row.id}",
        detail={
            "origin": req.origin,
            "destination": req.destination,
            "earliest": row.earliest,
            "urgent": req.urgent,
            "departure": plan["departure"],
            "kind": plan["kind"],
            "trains_affected": plan["civil_impact"]["trains_affected"],
            "alternatives": len(plan["alternatives"]),
            "demo": demo,
        },
    )
    session.flush()
    plan = dict(plan)
    plan["request_id"] = row.id
    plan["status"] = row.status
    return Planned(row.id, plan)


def _summary(r: MilitaryRequest, best: MilitaryPlan | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "created_at": r.created_at.isoformat(timespec="seconds"),
        "created_by": r.created_by,
        "party": r.party_code,
        "reference": r.reference,
        "origin": r.origin,
        "destination": r.destination,
        "earliest": r.earliest,
        "latest_arrival": r.latest_arrival,
        "urgent": r.urgent,
        "dangerous_goods": r.dangerous_goods,
        "status": r.status,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at.isoformat(timespec="seconds") if r.decided_at else None,
        "decision_note": r.decision_note,
        "chosen_rank": r.chosen_rank,
        "demo": r.demo,
        "departure": best.departure if best else None,
        "arrival": best.arrival if best else None,
        "kind": best.kind if best else None,
        "trains_affected": best.trains_affected if best else None,
    }


def list_requests(session: Session, actor: Principal, limit: int = 100) -> list[dict[str, Any]]:
    """The latest requests, newest first (each read is recorded)."""
    purpose = check(actor.party_code, actor.role, Action.READ)
    limit = max(1, min(int(limit), 500))
    rows = session.scalars(
        select(MilitaryRequest).order_by(MilitaryRequest.id.desc()).limit(limit)
    ).all()
    best = {
        p.request_id: p
        for p in session.scalars(
            select(MilitaryPlan).where(
                MilitaryPlan.rank == 0, MilitaryPlan.request_id.in_([r.id for r in rows])
            )
        )
    }
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=purpose,
        action="military.list",
        subject="military_request",
        detail={"count": len(rows)},
    )
    return [_summary(r, best.get(r.id)) for r in rows]


def get_request(session: Session, actor: Principal, request_id: int) -> dict[str, Any]:
    """A request with its proposed plan (rank 0) and the alternatives (each read is recorded)."""
    purpose = check(actor.party_code, actor.role, Action.READ)
    row = session.get(MilitaryRequest, int(request_id)) if 0 < int(request_id) < 2**31 else None
    if row is None:
        raise NotFound(f"no military request {request_id}")
    plans = session.scalars(
        select(MilitaryPlan).where(MilitaryPlan.request_id == row.id).order_by(MilitaryPlan.rank)
    ).all()
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=purpose,
        action="military.read",
        subject=f"military_request:{row.id}",
    )
    best = plans[0] if plans else None
    out = _summary(row, best)
    plan = json.loads(best.plan_json) if best else {}
    plan["alternatives"] = [json.loads(p.plan_json) for p in plans[1:]]
    for rank, alt in enumerate(plan["alternatives"], start=1):
        alt["rank"] = rank
    out["plan"] = plan
    out["request"] = json.loads(row.request_json)
    return out


def decide(
    session: Session,
    actor: Principal,
    request_id: int,
    decision: str,
    rank: int = 0,
    note: str = "",
) -> dict[str, Any]:
    """Approve one of the plans (``rank``) or reject the request; recorded with who decided."""
    purpose = check(actor.party_code, actor.role, Action.DECIDE)
    if decision not in DECISIONS:
        raise PlanningError(f"decision: choose {' or '.join(DECISIONS)}", "decision")
    row = session.get(MilitaryRequest, int(request_id)) if 0 < int(request_id) < 2**31 else None
    if row is None:
        raise NotFound(f"no military request {request_id}")
    if row.status != "planned":
        raise PlanningError(f"decision: request {row.id} is already {row.status}", "decision")
    n = session.scalar(
        select(func.count()).select_from(MilitaryPlan).where(MilitaryPlan.request_id == row.id)
    )
    if decision == "approved" and not 0 <= int(rank) < int(n or 0):
        raise PlanningError(f"rank: request {row.id} has plans 0 to {int(n or 0) - 1}", "rank")
    row.status = decision
    row.decided_by = actor.username
    row.decided_at = datetime.now(UTC)
    row.decision_note = note.strip()[:500] or None
    row.chosen_rank = int(rank) if decision == "approved" else None
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=purpose,
        action=f"military.{decision}",
        subject=f"military_request:{row.id}",
        detail={"rank": row.chosen_rank},
    )
    session.flush()
    return _summary(row, None) | {"status": row.status}

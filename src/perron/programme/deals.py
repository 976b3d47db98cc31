"""Station deals (stationsdeals), their measures, milestones and documents, and budget lines.

Who may do what:

* **read** — any user of any party: deals, measures, budgets and history are programme
  information without personal data (the public progress report shows the same);
* **create a budget line** — an admin of a programme party (IenW, ProRail);
* **create a deal** — a programme manager (admin or analyst of IenW or ProRail), or the admin
  of a party that is itself one of the deal's parties;
* **change a deal** (its fields, measures, milestones, documents) — a programme manager, or the
  admin of a party in that deal. Viewers, operators and field units change nothing.

Every change adds a row to the deal's history (who, when, why, before and after) and an entry to
the audit trail, in the same transaction. Nothing is overwritten without that trace; a change
given the version it was based on is refused when someone else changed the record in between.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.domain.zones import ZONE_BY_CODE, ZONE_CODES
from perron.programme.catalogue import load_catalogue
from perron.programme.errors import Conflict, Forbidden, NotFound, ProgrammeError
from perron.store.tables.accounts import Party
from perron.store.tables.programme import (
    BudgetLine,
    DealChange,
    DealDocument,
    DealMeasure,
    DealMilestone,
    DealParty,
    DealStation,
    StationDeal,
)
from perron.store.tables.reference import Station, Zone

#: parties whose admins and analysts run the programme
PROGRAMME_PARTIES = frozenset({"ienw", "prorail"})
MANAGER_ROLES = frozenset({"admin", "analyst"})
DEAL_STATUSES = ("draft", "agreed", "running", "completed", "cancelled")
#: the statuses a deal may move to from each status
DEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"agreed", "cancelled"}),
    "agreed": frozenset({"running", "cancelled"}),
    "running": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
#: deals whose measures count as committed money
COMMITTED_DEALS = frozenset({"agreed", "running", "completed"})
MEASURE_STATUSES = ("planned", "in_progress", "completed", "cancelled")
MEASURE_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"in_progress", "cancelled"}),
    "in_progress": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
PARTY_ROLES = ("lead", "funder", "executor", "partner")
MAX_AMOUNT = 10**11
MAX_TEXT = 4000


class Actor(Protocol):
    """Who acts: a :class:`perron.access.accounts.Principal` or anything with these fields."""

    @property
    def username(self) -> str: ...
    @property
    def party_code(self) -> str: ...
    @property
    def role(self) -> Any: ...


def _role(actor: Actor) -> str:
    return str(getattr(actor.role, "value", actor.role))


def is_programme_manager(actor: Actor) -> bool:
    return actor.party_code in PROGRAMME_PARTIES and _role(actor) in MANAGER_ROLES


def _now() -> datetime:
    return datetime.now(UTC)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ProgrammeError("reason: say why (every change to a deal is kept with its reason)")
    if len(text) > MAX_TEXT:
        raise ProgrammeError(f"reason: at most {MAX_TEXT} characters")
    return text


def _amount(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ProgrammeError(f"{where}: expected a whole number of euros")
    try:
        v = int(value)
    except (TypeError, ValueError) as exc:
        raise ProgrammeError(f"{where}: expected a whole number of euros, got {value!r}") from exc
    if isinstance(value, float) and value != v:
        raise ProgrammeError(f"{where}: expected a whole number of euros, got {value!r}")
    if not 0 <= v <= MAX_AMOUNT:
        raise ProgrammeError(f"{where}: must be between 0 and {MAX_AMOUNT:,}")
    return v


def _date(value: Any, where: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ProgrammeError(f"{where}: expected a date YYYY-MM-DD, got {value!r}") from exc


def _text(value: Any, where: str, limit: int = 200, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ProgrammeError(f"{where}: required")
    if len(text) > limit:
        raise ProgrammeError(f"{where}: at most {limit} characters")
    return text


def _jsonable(d: dict[str, Any]) -> str:
    return json.dumps(d, default=str, sort_keys=True, ensure_ascii=False)


def _record(
    session: Session,
    actor: Actor,
    deal: StationDeal,
    action: str,
    entity: str,
    entity_id: int | None,
    reason: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    session.add(
        DealChange(
            deal_id=deal.id,
            at=_now(),
            actor=actor.username,
            party=actor.party_code,
            action=action,
            entity=entity,
            entity_id=entity_id,
            reason=reason,
            before=None if before is None else _jsonable(before),
            after=None if after is None else _jsonable(after),
        )
    )
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose="administration",
        action=f"programme.{action}",
        subject=f"deal:{deal.code}" + (f"/{entity}:{entity_id}" if entity_id else ""),
        detail={"reason": reason, "changed": sorted((after or {}).keys())},
    )


# ---------------------------------------------------------------- authorization


def _deal_parties(session: Session, deal: StationDeal) -> set[str]:
    return set(session.scalars(select(DealParty.party_code).where(DealParty.deal_id == deal.id)))


def _may_change(session: Session, actor: Actor, deal: StationDeal) -> None:
    if is_programme_manager(actor):
        return
    if _role(actor) == "admin" and actor.party_code in _deal_parties(session, deal):
        return
    raise Forbidden(
        f"user {actor.username!r} ({actor.party_code}, {_role(actor)}) may not change deal "
        f"{deal.code!r}: only programme managers (admin or analyst of IenW or ProRail) and "
        "admins of the parties in the deal may"
    )


# ---------------------------------------------------------------- budget lines


@dataclass
class BudgetLineInput:
    code: str
    name: str
    funder_party: str
    amount_eur: int
    year: int | None = None
    source: str = ""
    synthetic: bool = False


def create_budget_line(
    session: Session, actor: Actor, line: BudgetLineInput, reason: str
) -> dict[str, Any]:
    """Add a budget line (programme, Stationsagenda, bodycams, Maarheeze or one of your own)."""
    if not (actor.party_code in PROGRAMME_PARTIES and _role(actor) == "admin"):
        raise Forbidden("only an admin of IenW or ProRail may add a budget line")
    why = _reason(reason)
    code = _text(line.code, "code", 40)
    if session.scalar(select(BudgetLine.id).where(BudgetLine.code == code)) is not None:
        raise Conflict(f"budget line {code!r} exists already")
    if session.get(Party, line.funder_party) is None:
        raise ProgrammeError(f"funder_party: unknown party {line.funder_party!r}")
    row = BudgetLine(
        code=code,
        name=_text(line.name, "name", 160),
        funder_party=line.funder_party,
        amount_eur=_amount(line.amount_eur, "amount_eur"),
        year=line.year,
        source=_text(line.source, "source", MAX_TEXT, required=False),
        synthetic=line.synthetic,
        created_at=_now(),
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose="administration",
        action="programme.budget_line.create",
        subject=f"budget_line:{code}",
        detail={"amount_eur": row.amount_eur, "reason": why},
    )
    return _line_dict(row)


def _line_dict(row: BudgetLine) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "funder_party": row.funder_party,
        "amount_eur": row.amount_eur,
        "year": row.year,
        "source": row.source,
        "synthetic": row.synthetic,
    }


def _line_id(session: Session, code: str | None, where: str) -> int | None:
    if not code:
        return None
    lid = session.scalar(select(BudgetLine.id).where(BudgetLine.code == code))
    if lid is None:
        raise ProgrammeError(f"{where}: unknown budget line {code!r}")
    return lid


# ---------------------------------------------------------------- deals


@dataclass
class PartyShare:
    party: str
    role: str = "partner"
    budget_share_eur: int = 0
    budget_line: str | None = None


@dataclass
class DealInput:
    code: str
    title: str
    stations: list[str]
    parties: list[PartyShare]
    budget_line: str | None = None
    status: str = "draft"
    signed_on: date | None = None
    description: str = ""
    synthetic: bool = False


@dataclass
class MeasureInput:
    measure_code: str
    station: str
    zone: str
    owner_party: str
    cost_eur: int
    status: str = "planned"
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    spent_eur: int = 0
    budget_line: str | None = None
    note: str = ""


@dataclass
class DealMeasureRecord:
    """A measure of a deal as effect evaluation needs it: stable id, station(s), dates."""

    id: int
    deal_code: str
    deal_status: str
    measure_code: str
    stations: list[str]
    zone: str
    domain: str
    status: str
    planned_start: date | None
    actual_start: date | None
    actual_end: date | None
    cost_eur: int
    synthetic: bool
    extra: dict[str, Any] = field(default_factory=dict)


def create_deal(session: Session, actor: Actor, deal: DealInput, reason: str) -> dict[str, Any]:
    """Create a station deal with its stations and parties; returns the deal as JSON."""
    why = _reason(reason)
    code = _text(deal.code, "code", 40)
    if not deal.parties:
        raise ProgrammeError("parties: a deal needs at least one party")
    party_codes = [p.party for p in deal.parties]
    if not is_programme_manager(actor) and not (
        _role(actor) == "admin" and actor.party_code in party_codes
    ):
        raise Forbidden(
            "only programme managers (admin or analyst of IenW or ProRail) and admins of a "
            "party in the deal may create it"
        )
    if session.scalar(select(StationDeal.id).where(StationDeal.code == code)) is not None:
        raise Conflict(f"deal {code!r} exists already")
    if deal.status not in ("draft", "agreed", "running"):
        raise ProgrammeError("status: a new deal is draft, agreed or running")
    stations = list(dict.fromkeys(s.strip().upper() for s in deal.stations))
    if not stations:
        raise ProgrammeError("stations: a deal needs at least one station")
    for i, s in enumerate(stations):
        if session.get(Station, s) is None:
            raise ProgrammeError(f"stations[{i}]: unknown station {s!r}")
    if len(set(party_codes)) != len(party_codes):
        raise ProgrammeError("parties: a party appears twice")
    for i, p in enumerate(deal.parties):
        if session.get(Party, p.party) is None:
            raise ProgrammeError(f"parties[{i}].party: unknown party {p.party!r}")
        if p.role not in PARTY_ROLES:
            raise ProgrammeError(f"parties[{i}].role: one of {', '.join(PARTY_ROLES)}")
    now = _now()
    row = StationDeal(
        code=code,
        title=_text(deal.title, "title"),
        status=deal.status,
        budget_line_id=_line_id(session, deal.budget_line, "budget_line"),
        signed_on=_date(deal.signed_on, "signed_on"),
        description=_text(deal.description, "description", MAX_TEXT, required=False),
        synthetic=deal.synthetic,
        version=1,
        created_at=now,
        created_by=actor.username,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    for s in stations:
        session.add(DealStation(deal_id=row.id, station_code=s))
    for i, p in enumerate(deal.parties):
        session.add(
            DealParty(
                deal_id=row.id,
                party_code=p.party,
                role=p.role,
                budget_share_eur=_amount(p.budget_share_eur, f"parties[{i}].budget_share_eur"),
                budget_line_id=_line_id(session, p.budget_line, f"parties[{i}].budget_line"),
            )
        )
    session.flush()
    _record(session, actor, row, "deal.create", "deal", row.id, why, None, _deal_fields(row))
    return get_deal(session, actor, code)


def _deal_fields(row: StationDeal) -> dict[str, Any]:
    return {
        "title": row.title,
        "status": row.status,
        "signed_on": row.signed_on,
        "description": row.description,
        "budget_line_id": row.budget_line_id,
    }


def _deal(session: Session, code: str) -> StationDeal:
    row = session.scalar(select(StationDeal).where(StationDeal.code == code))
    if row is None:
        raise NotFound(f"no deal with code {code!r}")
    return row


def _check_version(kind: str, current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise Conflict(
            f"the {kind} was changed since version {expected} (it is at version {current}); "
            "reload it and make your change again"
        )


def update_deal(
    session: Session,
    actor: Actor,
    code: str,
    changes: dict[str, Any],
    reason: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change a deal's title, status, signing date, description or budget line."""
    row = _deal(session, code)
    _may_change(session, actor, row)
    why = _reason(reason)
    _check_version("deal", row.version, expected_version)
    allowed = {"title", "status", "signed_on", "description", "budget_line"}
    unknown = set(changes) - allowed
    if unknown:
        raise ProgrammeError(f"cannot change {sorted(unknown)}; fields: {sorted(allowed)}")
    before = _deal_fields(row)
    if "status" in changes:
        new = changes["status"]
        if new not in DEAL_STATUSES:
            raise ProgrammeError(f"status: one of {', '.join(DEAL_STATUSES)}")
        if new != row.status and new not in DEAL_TRANSITIONS[row.status]:
            raise Conflict(f"a deal that is {row.status!r} cannot become {new!r}")
        row.status = new
    if "title" in changes:
        row.title = _text(changes["title"], "title")
    if "signed_on" in changes:
        row.signed_on = _date(changes["signed_on"], "signed_on")
    if "description" in changes:
        row.description = _text(changes["description"], "description", MAX_TEXT, False)
    if "budget_line" in changes:
        row.budget_line_id = _line_id(session, changes["budget_line"], "budget_line")
    after = _deal_fields(row)
    diff_b = {k: v for k, v in before.items() if after[k] != v}
    diff_a = {k: after[k] for k in diff_b}
    if not diff_a:
        return get_deal(session, actor, code)
    row.version += 1
    row.updated_at = _now()
    session.flush()
    _record(session, actor, row, "deal.update", "deal", row.id, why, diff_b, diff_a)
    return get_deal(session, actor, code)


def _zones_of(session: Session, station: str) -> set[str]:
    zones = set(session.scalars(select(Zone.code).where(Zone.station_code == station)))
    return zones or set(ZONE_CODES)


def add_measure(
    session: Session, actor: Actor, code: str, m: MeasureInput, reason: str
) -> dict[str, Any]:
    """Add a measure of the catalogue to a deal, in one zone of one of its stations."""
    row = _deal(session, code)
    _may_change(session, actor, row)
    why = _reason(reason)
    if row.status in ("completed", "cancelled"):
        raise Conflict(f"deal {code!r} is {row.status}: no new measures")
    cat = load_catalogue()
    measure = cat.get(m.measure_code)
    if measure is None:
        raise ProgrammeError(f"measure_code: not in the catalogue: {m.measure_code!r}")
    station = m.station.strip().upper()
    stations = set(
        session.scalars(select(DealStation.station_code).where(DealStation.deal_id == row.id))
    )
    if station not in stations:
        raise ProgrammeError(f"station: {station!r} is not a station of deal {code!r}")
    if m.zone not in ZONE_BY_CODE:
        raise ProgrammeError(f"zone: one of {', '.join(ZONE_CODES)}")
    if m.zone not in _zones_of(session, station):
        raise ProgrammeError(f"zone: station {station} has no zone {m.zone!r}")
    if m.owner_party not in _deal_parties(session, row):
        raise ProgrammeError(f"owner_party: {m.owner_party!r} is not a party of deal {code!r}")
    if m.status not in MEASURE_STATUSES:
        raise ProgrammeError(f"status: one of {', '.join(MEASURE_STATUSES)}")
    rec = DealMeasure(
        deal_id=row.id,
        measure_code=measure.code,
        station_code=station,
        zone=m.zone,
        domain=ZONE_BY_CODE[m.zone].domain.value,
        owner_party=m.owner_party,
        budget_line_id=_line_id(session, m.budget_line, "budget_line"),
        cost_eur=_amount(m.cost_eur, "cost_eur"),
        spent_eur=_amount(m.spent_eur, "spent_eur"),
        status=m.status,
        planned_start=_date(m.planned_start, "planned_start"),
        planned_end=_date(m.planned_end, "planned_end"),
        actual_start=_date(m.actual_start, "actual_start"),
        actual_end=_date(m.actual_end, "actual_end"),
        note=_text(m.note, "note", MAX_TEXT, required=False),
        version=1,
    )
    _check_dates(rec)
    session.add(rec)
    session.flush()
    row.version += 1
    row.updated_at = _now()
    _record(session, actor, row, "measure.add", "measure", rec.id, why, None, _measure_fields(rec))
    return _measure_dict(rec, row)


def _check_dates(rec: DealMeasure) -> None:
    if rec.planned_start and rec.planned_end and rec.planned_end < rec.planned_start:
        raise ProgrammeError("planned_end: before planned_start")
    if rec.actual_start and rec.actual_end and rec.actual_end < rec.actual_start:
        raise ProgrammeError("actual_end: before actual_start")
    if rec.status in ("in_progress", "completed") and rec.actual_start is None:
        raise ProgrammeError(f"actual_start: a measure that is {rec.status} needs its start date")
    if rec.status == "completed" and rec.actual_end is None:
        raise ProgrammeError("actual_end: a completed measure needs its end date")
    if rec.spent_eur > rec.cost_eur * 2:
        raise ProgrammeError("spent_eur: more than twice the cost; check the amount")


def _measure_fields(rec: DealMeasure) -> dict[str, Any]:
    return {
        "measure_code": rec.measure_code,
        "station": rec.station_code,
        "zone": rec.zone,
        "owner_party": rec.owner_party,
        "budget_line_id": rec.budget_line_id,
        "cost_eur": rec.cost_eur,
        "spent_eur": rec.spent_eur,
        "status": rec.status,
        "planned_start": rec.planned_start,
        "planned_end": rec.planned_end,
        "actual_start": rec.actual_start,
        "actual_end": rec.actual_end,
        "note": rec.note,
    }


MEASURE_FIELDS = (
    "cost_eur",
    "spent_eur",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "note",
    "owner_party",
    "budget_line",
)


def update_measure(
    session: Session,
    actor: Actor,
    measure_id: int,
    changes: dict[str, Any],
    reason: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change a deal measure (status, dates, cost, spending, owner); its id stays the same."""
    rec = session.get(DealMeasure, measure_id)
    if rec is None:
        raise NotFound(f"no deal measure with id {measure_id}")
    row = session.get(StationDeal, rec.deal_id)
    assert row is not None
    _may_change(session, actor, row)
    why = _reason(reason)
    _check_version("measure", rec.version, expected_version)
    unknown = set(changes) - set(MEASURE_FIELDS)
    if unknown:
        raise ProgrammeError(f"cannot change {sorted(unknown)}; fields: {list(MEASURE_FIELDS)}")
    before = _measure_fields(rec)
    if "status" in changes:
        new = changes["status"]
        if new not in MEASURE_STATUSES:
            raise ProgrammeError(f"status: one of {', '.join(MEASURE_STATUSES)}")
        if new != rec.status and new not in MEASURE_TRANSITIONS[rec.status]:
            raise Conflict(f"a measure that is {rec.status!r} cannot become {new!r}")
        rec.status = new
    for key in ("cost_eur", "spent_eur"):
        if key in changes:
            setattr(rec, key, _amount(changes[key], key))
    for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
        if key in changes:
            setattr(rec, key, _date(changes[key], key))
    if "note" in changes:
        rec.note = _text(changes["note"], "note", MAX_TEXT, required=False)
    if "owner_party" in changes:
        if changes["owner_party"] not in _deal_parties(session, row):
            raise ProgrammeError(f"owner_party: {changes['owner_party']!r} is not in the deal")
        rec.owner_party = changes["owner_party"]
    if "budget_line" in changes:
        rec.budget_line_id = _line_id(session, changes["budget_line"], "budget_line")
    _check_dates(rec)
    after = _measure_fields(rec)
    diff_b = {k: v for k, v in before.items() if after[k] != v}
    diff_a = {k: after[k] for k in diff_b}
    if diff_a:
        rec.version += 1
        row.version += 1
        row.updated_at = _now()
        session.flush()
        _record(session, actor, row, "measure.update", "measure", rec.id, why, diff_b, diff_a)
    return _measure_dict(rec, row)


def add_milestone(
    session: Session,
    actor: Actor,
    code: str,
    title: str,
    due_on: date | str | None,
    reason: str,
    done_on: date | str | None = None,
) -> dict[str, Any]:
    """Add a milestone to a deal."""
    row = _deal(session, code)
    _may_change(session, actor, row)
    why = _reason(reason)
    ms = DealMilestone(
        deal_id=row.id,
        title=_text(title, "title"),
        due_on=_date(due_on, "due_on"),
        done_on=_date(done_on, "done_on"),
    )
    session.add(ms)
    session.flush()
    row.version += 1
    _record(
        session,
        actor,
        row,
        "milestone.add",
        "milestone",
        ms.id,
        why,
        None,
        {"title": ms.title, "due_on": ms.due_on, "done_on": ms.done_on},
    )
    return {"id": ms.id, "title": ms.title, "due_on": ms.due_on, "done_on": ms.done_on}


def complete_milestone(
    session: Session, actor: Actor, milestone_id: int, done_on: date | str, reason: str
) -> dict[str, Any]:
    """Mark a milestone as reached on ``done_on``."""
    ms = session.get(DealMilestone, milestone_id)
    if ms is None:
        raise NotFound(f"no milestone with id {milestone_id}")
    row = session.get(StationDeal, ms.deal_id)
    assert row is not None
    _may_change(session, actor, row)
    why = _reason(reason)
    before = {"done_on": ms.done_on}
    ms.done_on = _date(done_on, "done_on")
    row.version += 1
    _record(
        session,
        actor,
        row,
        "milestone.done",
        "milestone",
        ms.id,
        why,
        before,
        {"done_on": ms.done_on},
    )
    return {"id": ms.id, "title": ms.title, "due_on": ms.due_on, "done_on": ms.done_on}


def add_document(
    session: Session, actor: Actor, code: str, title: str, url: str, reason: str
) -> dict[str, Any]:
    """Link a document (agreement text, plan, minutes) to a deal; only http(s) links."""
    row = _deal(session, code)
    _may_change(session, actor, row)
    why = _reason(reason)
    link = _text(url, "url", 500)
    if not link.startswith(("https://", "http://")):
        raise ProgrammeError("url: a link starting with https:// or http://")
    doc = DealDocument(deal_id=row.id, title=_text(title, "title"), url=link)
    session.add(doc)
    session.flush()
    row.version += 1
    _record(
        session,
        actor,
        row,
        "document.add",
        "document",
        doc.id,
        why,
        None,
        {"title": doc.title, "url": link},
    )
    return {"id": doc.id, "title": doc.title, "url": link}


# ---------------------------------------------------------------- reads


def _measure_dict(rec: DealMeasure, deal: StationDeal) -> dict[str, Any]:
    cat = load_catalogue()
    m = cat.get(rec.measure_code)
    return {
        "id": rec.id,
        "deal": deal.code,
        "measure_code": rec.measure_code,
        "name_nl": m.name_nl if m else rec.measure_code,
        "name_en": m.name_en if m else rec.measure_code,
        "station": rec.station_code,
        "zone": rec.zone,
        "domain": rec.domain,
        "owner_party": rec.owner_party,
        "budget_line_id": rec.budget_line_id,
        "cost_eur": rec.cost_eur,
        "spent_eur": rec.spent_eur,
        "status": rec.status,
        "planned_start": rec.planned_start,
        "planned_end": rec.planned_end,
        "actual_start": rec.actual_start,
        "actual_end": rec.actual_end,
        "note": rec.note,
        "version": rec.version,
        "synthetic": deal.synthetic,
    }


def _deal_dict(session: Session, row: StationDeal, full: bool) -> dict[str, Any]:
    stations = list(
        session.scalars(
            select(DealStation.station_code)
            .where(DealStation.deal_id == row.id)
            .order_by(DealStation.id)
        )
    )
    parties = [
        {
            "party": p.party_code,
            "role": p.role,
            "budget_share_eur": p.budget_share_eur,
            "budget_line_id": p.budget_line_id,
        }
        for p in session.scalars(
            select(DealParty).where(DealParty.deal_id == row.id).order_by(DealParty.id)
        )
    ]
    measures = [
        _measure_dict(m, row)
        for m in session.scalars(
            select(DealMeasure).where(DealMeasure.deal_id == row.id).order_by(DealMeasure.id)
        )
    ]
    live = [m for m in measures if m["status"] != "cancelled"]
    line = session.get(BudgetLine, row.budget_line_id) if row.budget_line_id else None
    out: dict[str, Any] = {
        "code": row.code,
        "title": row.title,
        "status": row.status,
        "budget_line": line.code if line else None,
        "signed_on": row.signed_on,
        "description": row.description,
        "synthetic": row.synthetic,
        "version": row.version,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        "stations": stations,
        "parties": parties,
        "budget_eur": sum(p["budget_share_eur"] for p in parties),
        "cost_eur": sum(m["cost_eur"] for m in live),
        "spent_eur": sum(m["spent_eur"] for m in live),
        "measures_by_status": {
            s: sum(1 for m in measures if m["status"] == s) for s in MEASURE_STATUSES
        },
    }
    if full:
        out["measures"] = measures
        out["milestones"] = [
            {"id": ms.id, "title": ms.title, "due_on": ms.due_on, "done_on": ms.done_on}
            for ms in session.scalars(
                select(DealMilestone)
                .where(DealMilestone.deal_id == row.id)
                .order_by(DealMilestone.due_on, DealMilestone.id)
            )
        ]
        out["documents"] = [
            {"id": d.id, "title": d.title, "url": d.url}
            for d in session.scalars(
                select(DealDocument).where(DealDocument.deal_id == row.id).order_by(DealDocument.id)
            )
        ]
        out["history"] = deal_history_rows(session, row)
    return out


def deal_history_rows(session: Session, row: StationDeal) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "at": c.at,
            "actor": c.actor,
            "party": c.party,
            "action": c.action,
            "entity": c.entity,
            "entity_id": c.entity_id,
            "reason": c.reason,
            "before": None if c.before is None else json.loads(c.before),
            "after": None if c.after is None else json.loads(c.after),
        }
        for c in session.scalars(
            select(DealChange).where(DealChange.deal_id == row.id).order_by(DealChange.id)
        )
    ]


def get_deal(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    """One deal with its stations, parties, measures, milestones, documents and history."""
    return _deal_dict(session, _deal(session, code), full=True)


def list_deals(
    session: Session, actor: Actor, station: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Every deal (optionally of one station or status), newest first, without history."""
    q = select(StationDeal).order_by(StationDeal.created_at.desc(), StationDeal.id.desc())
    if status:
        if status not in DEAL_STATUSES:
            raise ProgrammeError(f"status: one of {', '.join(DEAL_STATUSES)}")
        q = q.where(StationDeal.status == status)
    if station:
        q = q.where(
            StationDeal.id.in_(
                select(DealStation.deal_id).where(DealStation.station_code == station.upper())
            )
        )
    return [_deal_dict(session, r, full=False) for r in session.scalars(q)]


def get_deal_measure(session: Session, measure_id: int) -> DealMeasureRecord:
    """A deal measure by its stable id with its station(s) and actual start date (for effect
    evaluation). A measure sits in one station; ``stations`` lists it, and for a measure of a
    deal with several stations ``extra['deal_stations']`` lists all of them."""
    rec = session.get(DealMeasure, measure_id)
    if rec is None:
        raise NotFound(f"no deal measure with id {measure_id}")
    deal = session.get(StationDeal, rec.deal_id)
    assert deal is not None
    deal_stations = list(
        session.scalars(select(DealStation.station_code).where(DealStation.deal_id == deal.id))
    )
    return DealMeasureRecord(
        id=rec.id,
        deal_code=deal.code,
        deal_status=deal.status,
        measure_code=rec.measure_code,
        stations=[rec.station_code],
        zone=rec.zone,
        domain=rec.domain,
        status=rec.status,
        planned_start=rec.planned_start,
        actual_start=rec.actual_start,
        actual_end=rec.actual_end,
        cost_eur=rec.cost_eur,
        synthetic=deal.synthetic,
        extra={"deal_stations": deal_stations},
    )


def list_deal_measures(
    session: Session, station: str | None = None, started: bool | None = None
) -> list[DealMeasureRecord]:
    """Every deal measure (of one station; only those with an actual start when ``started``)."""
    q = select(DealMeasure.id).order_by(DealMeasure.id)
    if station:
        q = q.where(DealMeasure.station_code == station.upper())
    if started:
        q = q.where(DealMeasure.actual_start.is_not(None))
    return [get_deal_measure(session, i) for i in session.scalars(q)]


def running_measures(session: Session) -> dict[str, list[str]]:
    """Per station, the catalogue measures of agreed or running deals that are not cancelled:
    the optimiser keeps them fixed."""
    rows = session.execute(
        select(DealMeasure.station_code, DealMeasure.measure_code)
        .join(StationDeal, StationDeal.id == DealMeasure.deal_id)
        .where(
            StationDeal.status.in_(("agreed", "running")),
            DealMeasure.status != "cancelled",
        )
        .order_by(DealMeasure.id)
    ).all()
    out: dict[str, list[str]] = {}
    for station, code in rows:
        if code not in out.setdefault(station, []):
            out[station].append(code)
    return out


def budget_summary(session: Session, actor: Actor) -> dict[str, Any]:
    """Committed, spent and remaining per budget line, per party and per deal.

    Committed: the cost of the measures (not cancelled) of agreed, running and completed deals;
    a measure counts on its own budget line, else on its deal's line."""
    lines = {r.id: r for r in session.scalars(select(BudgetLine).order_by(BudgetLine.id))}
    rows = session.execute(
        select(DealMeasure, StationDeal)
        .join(StationDeal, StationDeal.id == DealMeasure.deal_id)
        .where(DealMeasure.status != "cancelled")
    ).all()
    per_line: dict[int | None, dict[str, int]] = {}
    per_party: dict[str, dict[str, int]] = {}
    per_deal: dict[str, dict[str, Any]] = {}
    for m, d in rows:
        committed = d.status in COMMITTED_DEALS
        lid = m.budget_line_id or d.budget_line_id
        for bucket in (
            per_line.setdefault(lid, {"committed_eur": 0, "spent_eur": 0, "planned_eur": 0}),
            per_party.setdefault(
                m.owner_party, {"committed_eur": 0, "spent_eur": 0, "planned_eur": 0}
            ),
        ):
            bucket["committed_eur" if committed else "planned_eur"] += m.cost_eur
            bucket["spent_eur"] += m.spent_eur
        e = per_deal.setdefault(
            d.code,
            {
                "deal": d.code,
                "status": d.status,
                "cost_eur": 0,
                "spent_eur": 0,
                "synthetic": d.synthetic,
            },
        )
        e["cost_eur"] += m.cost_eur
        e["spent_eur"] += m.spent_eur
    shares = session.execute(
        select(DealParty.party_code, func.sum(DealParty.budget_share_eur)).group_by(
            DealParty.party_code
        )
    ).all()
    for party, share in shares:
        per_party.setdefault(party, {"committed_eur": 0, "spent_eur": 0, "planned_eur": 0})[
            "share_eur"
        ] = int(share or 0)
    out_lines = []
    for lid, line in lines.items():
        b = per_line.get(lid, {"committed_eur": 0, "spent_eur": 0, "planned_eur": 0})
        out_lines.append(
            {
                **_line_dict(line),
                **b,
                "remaining_eur": line.amount_eur - b["committed_eur"],
            }
        )
    unassigned = per_line.get(None)
    return {
        "lines": out_lines,
        "unassigned": unassigned,
        "parties": [
            {
                "party": p,
                "share_eur": v.get("share_eur", 0),
                **{k: v[k] for k in v if k != "share_eur"},
            }
            for p, v in sorted(per_party.items())
        ],
        "deals": sorted(per_deal.values(), key=lambda e: e["deal"]),
    }

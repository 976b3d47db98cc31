"""The safety-recommendations register: recommendations of the Dutch Safety Board (OvV), the
inspectorate (ILT) or internal audits, their response deadline, the response, its assessment,
the follow-up status, linked actions and evidence.

**Deadline rule.** The response is due :data:`DEADLINE_RULES` months after the recommendation was
issued (the report's publication day): six months for the OvV — article 74 of the Rijkswet
Onderzoeksraad voor veiligheid obliges a public body to take a position within six months, and
the Board asks other addressees (such as ProRail) for a response within the same half year —
and by default six months for other issuers too. A recommendation is **overdue** on a day D when
its deadline lies before D and no response had been given by D (no ``responded_on``, or one after
D). A late response ends the overdue state from its day on. A recommendation is **stale** when it
is not closed and nothing about it changed for :data:`STALE_MONTHS` months.

**Closing** needs a recorded response and at least one piece of evidence, and is reserved for
the monitoring party (ILT for the OvV recommendations to ProRail it monitors; the ministry when
no monitor is set) in the role admin or analyst.
"""

from __future__ import annotations

import calendar
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access.accounts import Principal
from perron.domain.parties import PartyKind, Role
from perron.inspections.errors import InspectionError, NotAllowed, NotFound
from perron.inspections.model import (
    ASSESSMENTS,
    REC_STATUSES,
    EvidenceInput,
    ImportError_,
    ImportOut,
    RecommendationOut,
)
from perron.inspections.service import (
    _audit,
    _evidence_out,
    _history,
    _store_evidence,
    _text,
    history,
    reopen_for_action,
    require_role,
)
from perron.store.tables.accounts import Party
from perron.store.tables.inspections import (
    InspectionAction,
    InspectionEvidence,
    SafetyRecommendation,
)

REQUIRED_COLUMNS = ("ref", "issuer", "issued_on", "addressee", "title")
OPTIONAL_COLUMNS = (
    "responded_on",
    "assessment",
    "status",
    "monitor",
    "source_url",
    "note",
    "evidence",
)
MAX_ROWS = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
STALE_MONTHS = 12
REGISTER_ROLES = frozenset({Role.ADMIN, Role.ANALYST})
REGISTER_KINDS = frozenset({PartyKind.INSPECTORATE.value, PartyKind.MINISTRY.value})


class ImportRejected(InspectionError):
    """A file with errors: nothing of it is written (the caller's transaction rolls back)."""

    def __init__(self, result: ImportOut) -> None:
        first = result.errors[0] if result.errors else None
        where = f"row {first.row}, field {first.field}: {first.reason}" if first else ""
        super().__init__(f"{result.file} rejected, nothing was written ({where})", "file")
        self.result = result


@dataclass(frozen=True)
class IssuerRule:
    code: str
    aliases: tuple[str, ...]
    response_months: int
    basis: str


#: the issuers the register knows; an issuer not named here gets :data:`DEFAULT_RULE`
DEADLINE_RULES: dict[str, IssuerRule] = {}
DEFAULT_RULE = IssuerRule("other", (), 6, "default: six months, as for the OvV")


def register_issuer(rule: IssuerRule) -> None:
    """Add an issuer and its response period (the built-ins are registered the same way)."""
    DEADLINE_RULES[rule.code] = rule


register_issuer(
    IssuerRule(
        "OvV",
        ("ovv", "onderzoeksraad", "onderzoeksraad voor veiligheid", "dutch safety board"),
        6,
        "Rijkswet Onderzoeksraad voor veiligheid art. 74: a position within six months",
    )
)
register_issuer(
    IssuerRule(
        "ILT",
        ("ilt", "inspectie leefomgeving en transport", "inspectorate"),
        6,
        "six months, as for the OvV",
    )
)
register_issuer(
    IssuerRule(
        "internal",
        ("internal", "intern", "internal audit", "interne audit", "audit"),
        6,
        "six months",
    )
)

_ASSESSMENT_ALIASES = {
    "fully": "fully",
    "volledig": "fully",
    "full": "fully",
    "partly": "partly",
    "partial": "partly",
    "gedeeltelijk": "partly",
    "deels": "partly",
    "intent": "intent",
    "intentie": "intent",
    "voornemen": "intent",
    "unsatisfactory": "unsatisfactory",
    "onvoldoende": "unsatisfactory",
    "insufficient": "unsatisfactory",
}
_STATUS_ALIASES = {
    "open": "open",
    "monitoring": "monitoring",
    "gevolgd": "monitoring",
    "closed": "closed",
    "gesloten": "closed",
    "afgerond": "closed",
}


def issuer_rule(issuer: str) -> IssuerRule:
    key = issuer.strip().lower()
    for rule in DEADLINE_RULES.values():
        if key == rule.code.lower() or key in rule.aliases:
            return rule
    return DEFAULT_RULE


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def response_due(issuer: str, issued_on: date) -> date:
    """The day a response to a recommendation of ``issuer`` issued on ``issued_on`` is due."""
    return add_months(issued_on, issuer_rule(issuer).response_months)


def is_overdue(response_due_on: date, responded_on: date | None, as_of: date) -> bool:
    return response_due_on < as_of and (responded_on is None or responded_on > as_of)


def _now() -> datetime:
    return datetime.now(UTC)


def _party_code(session: Session, name: str) -> str | None:
    """The party named by code or name (``ProRail`` → ``prorail``), or None."""
    text = name.strip().lower()
    if not text:
        return None
    if session.get(Party, text) is not None:
        return text
    aliases = {
        "ministerie van ienw": "ienw",
        "ministerie van infrastructuur en waterstaat": "ienw",
        "i&w": "ienw",
        "ienw": "ienw",
    }
    if text in aliases:
        return aliases[text]
    row = session.scalar(select(Party.code).where(Party.name.ilike(name.strip())))
    return row


def _monitor_default(issuer: str, addressee_party: str | None, session: Session) -> str | None:
    """ILT monitors the follow-up of OvV recommendations to bodies that are not public bodies
    (companies such as ProRail and the operators); the ministry follows its own."""
    if issuer_rule(issuer).code != "OvV" or addressee_party is None:
        return None
    party = session.get(Party, addressee_party)
    if party is None:
        return None
    if party.kind in (PartyKind.INFRASTRUCTURE_MANAGER.value, PartyKind.OPERATOR.value):
        return "ilt"
    return None


def _require_register(session: Session, actor: Principal, what: str) -> None:
    require_role(actor, REGISTER_ROLES, what)
    party = session.get(Party, actor.party_code)
    if party is None or party.kind not in REGISTER_KINDS:
        raise NotAllowed(f"only the inspectorate or the ministry may {what}")


# ---- import ------------------------------------------------------------------------------------


def _parse_date(value: str) -> date:
    return date.fromisoformat(value.strip())


def import_csv(
    session: Session, actor: Principal, path: Path, *, compiled_by_hand: bool = False
) -> ImportOut:
    """Import recommendations from a CSV file (columns :data:`REQUIRED_COLUMNS`, optionally
    :data:`OPTIONAL_COLUMNS`). A file with any wrong row is rejected whole: the result lists
    every error by row and field and :class:`ImportRejected` is raised: nothing is written. A known ``ref`` is updated."""
    _require_register(session, actor, "import recommendations")
    result = ImportOut(file=str(path), rows=0)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        result.errors.append(ImportError_(0, "file", str(path), f"cannot read: {exc.strerror}"))
        raise ImportRejected(result) from None
    if len(raw) > MAX_FILE_BYTES:
        result.errors.append(ImportError_(0, "file", str(path), "larger than 5 MB"))
        raise ImportRejected(result)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(ImportError_(0, "file", str(path), "not UTF-8 text"))
        raise ImportRejected(result) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        for column in missing:
            result.errors.append(ImportError_(1, column, "", "required column missing"))
        raise ImportRejected(result)
    reader.fieldnames = header
    result.ignored_columns = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        result.rows += 1
        if result.rows > MAX_ROWS:
            result.errors.append(ImportError_(line, "file", "", f"more than {MAX_ROWS} rows"))
            break
        if None in row:
            result.errors.append(ImportError_(line, "row", "", "more cells than columns"))
            continue
        rec = _parse_row(session, row, line, result.errors)
        if rec is None:
            continue
        if rec["ref"] in seen:
            result.errors.append(
                ImportError_(line, "ref", rec["ref"], f"appears already in row {seen[rec['ref']]}")
            )
            continue
        seen[rec["ref"]] = line
        parsed.append((line, rec))
    if result.errors:
        raise ImportRejected(result)
    for line, rec in parsed:
        outcome = _upsert(session, actor, rec, compiled_by_hand, line, result)
        if outcome == "created":
            result.created += 1
        elif outcome == "updated":
            result.updated += 1
        else:
            result.unchanged += 1
    if result.errors:
        raise ImportRejected(result)
    _audit_import(session, actor, result)
    return result


def _audit_import(session: Session, actor: Principal, result: ImportOut) -> None:
    from perron.access import audit

    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose="administration",
        action="recommendations.import",
        subject=Path(result.file).name,
        detail={"rows": result.rows, "created": result.created, "updated": result.updated},
    )


def _parse_row(
    session: Session, row: dict[str, Any], line: int, errors: list[ImportError_]
) -> dict[str, Any] | None:
    def cell(name: str) -> str:
        value = row.get(name)
        return value.strip() if isinstance(value, str) else ""

    before = len(errors)
    out: dict[str, Any] = {}
    limits = {"ref": 60, "issuer": 80, "addressee": 120, "title": 500}
    for name in REQUIRED_COLUMNS:
        value = cell(name)
        if not value:
            errors.append(ImportError_(line, name, "", "required, but empty"))
        elif name in limits and len(value) > limits[name]:
            errors.append(
                ImportError_(line, name, value[:40], f"longer than {limits[name]} characters")
            )
        out[name] = value
    try:
        out["issued_on"] = _parse_date(cell("issued_on")) if cell("issued_on") else None
    except ValueError:
        errors.append(ImportError_(line, "issued_on", cell("issued_on"), "not a date (YYYY-MM-DD)"))
    responded = cell("responded_on")
    out["responded_on"] = None
    if responded:
        try:
            out["responded_on"] = _parse_date(responded)
        except ValueError:
            errors.append(ImportError_(line, "responded_on", responded, "not a date (YYYY-MM-DD)"))
        else:
            issued = out.get("issued_on")
            if isinstance(issued, date) and out["responded_on"] < issued:
                errors.append(
                    ImportError_(line, "responded_on", responded, "lies before issued_on")
                )
    assessment = cell("assessment").lower()
    out["assessment"] = None
    if assessment:
        if assessment not in _ASSESSMENT_ALIASES:
            errors.append(
                ImportError_(
                    line, "assessment", assessment, f"choose one of {', '.join(ASSESSMENTS)}"
                )
            )
        else:
            out["assessment"] = _ASSESSMENT_ALIASES[assessment]
    status = cell("status").lower() or "open"
    if status not in _STATUS_ALIASES:
        errors.append(
            ImportError_(line, "status", status, f"choose one of {', '.join(REC_STATUSES)}")
        )
    else:
        out["status"] = _STATUS_ALIASES[status]
    evidence = cell("evidence")
    out["evidence"] = evidence[:500] or None
    if out.get("status") == "closed":
        if not evidence:
            errors.append(
                ImportError_(
                    line,
                    "evidence",
                    "",
                    "a closed recommendation needs evidence: a document link or a note in the "
                    "evidence column",
                )
            )
        if not responded:
            errors.append(
                ImportError_(line, "responded_on", "", "a closed recommendation needs its response")
            )
    monitor = cell("monitor").lower()
    out["monitor"] = None
    if monitor:
        if session.get(Party, monitor) is None:
            errors.append(ImportError_(line, "monitor", monitor, "unknown party code"))
        else:
            out["monitor"] = monitor
    url = cell("source_url")
    out["source_url"] = None
    if url:
        if not url.lower().startswith(("https://", "http://")) or len(url) > 500:
            errors.append(ImportError_(line, "source_url", url[:40], "not an http(s) link"))
        else:
            out["source_url"] = url
    out["note"] = cell("note")[:2000]
    return out if len(errors) == before else None


def _upsert(
    session: Session,
    actor: Principal,
    rec: dict[str, Any],
    compiled_by_hand: bool,
    line: int,
    result: ImportOut,
) -> str:
    now = _now()
    addressee_party = _party_code(session, rec["addressee"])
    monitor = rec["monitor"] or _monitor_default(rec["issuer"], addressee_party, session)
    issuer = issuer_rule(rec["issuer"])
    issuer_name = issuer.code if issuer is not DEFAULT_RULE else rec["issuer"]
    due = response_due(rec["issuer"], rec["issued_on"])
    if rec["status"] == "closed" and actor.party_code != (monitor or "ienw"):
        result.errors.append(
            ImportError_(
                line,
                "status",
                "closed",
                f"only the monitoring party ({monitor or 'ienw'}) may close this recommendation",
            )
        )
        return "unchanged"
    row = session.scalar(select(SafetyRecommendation).where(SafetyRecommendation.ref == rec["ref"]))
    values = {
        "issuer": issuer_name,
        "issued_on": rec["issued_on"],
        "addressee": rec["addressee"],
        "title": rec["title"],
        "responded_on": rec["responded_on"],
        "assessment": rec["assessment"],
        "status": rec["status"],
        "source_url": rec["source_url"],
        "note": rec["note"],
    }
    if row is None:
        row = SafetyRecommendation(
            ref=rec["ref"],
            addressee_party=addressee_party,
            monitor_party=monitor,
            response_due=due,
            compiled_by_hand=compiled_by_hand,
            synthetic=False,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(row)
        session.flush()
        _history(
            session,
            actor,
            "recommendation",
            row.id,
            "imported",
            None,
            row.status,
            Path(result.file).name,
        )
        _import_evidence(session, actor, row, rec)
        return "created"
    if row.status == "closed" and rec["status"] != "closed":
        result.errors.append(
            ImportError_(
                line, "status", rec["status"], "the recommendation is closed; reopen it first"
            )
        )
        return "unchanged"
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed and row.response_due == due and row.monitor_party == monitor:
        return "unchanged"
    before = row.status
    for k, v in changed.items():
        setattr(row, k, v)
    row.response_due = due
    row.addressee_party = addressee_party
    row.monitor_party = monitor
    row.updated_at = now
    _import_evidence(session, actor, row, rec)
    _history(
        session,
        actor,
        "recommendation",
        row.id,
        "updated",
        before,
        row.status,
        f"{Path(result.file).name}: {', '.join(sorted(changed)) or 'deadline'}",
    )
    return "updated"


def _import_evidence(
    session: Session, actor: Principal, row: SafetyRecommendation, rec: dict[str, Any]
) -> None:
    text = rec.get("evidence")
    if not text:
        return
    is_link = text.lower().startswith(("https://", "http://"))
    known = session.scalar(
        select(InspectionEvidence.id).where(
            InspectionEvidence.recommendation_id == row.id,
            (InspectionEvidence.url == text) if is_link else (InspectionEvidence.note == text),
        )
    )
    if known is None:
        ev = EvidenceInput("link", url=text) if is_link else EvidenceInput("note", note=text)
        _store_evidence(session, actor, ev, recommendation_id=row.id)


# ---- reads -------------------------------------------------------------------------------------


def _out(session: Session, r: SafetyRecommendation, as_of: date) -> RecommendationOut:
    overdue = is_overdue(r.response_due, r.responded_on, as_of)
    actions = session.scalars(
        select(InspectionAction.id)
        .where(InspectionAction.recommendation_id == r.id)
        .order_by(InspectionAction.id)
    ).all()
    evidence = session.scalars(
        select(InspectionEvidence)
        .where(InspectionEvidence.recommendation_id == r.id)
        .order_by(InspectionEvidence.id)
    )
    stale = r.status != "closed" and add_months(r.updated_at.date(), STALE_MONTHS) < as_of
    return RecommendationOut(
        r.id,
        r.ref,
        r.issuer,
        r.issued_on,
        r.addressee,
        r.addressee_party,
        r.monitor_party,
        r.title,
        r.response_due,
        r.responded_on,
        r.assessment,
        r.status,
        overdue,
        (as_of - r.response_due).days if overdue else 0,
        stale,
        r.source_url,
        r.note,
        r.compiled_by_hand,
        r.synthetic,
        list(actions),
        _evidence_out(evidence),
        history(session, "recommendation", r.id),
    )


def list_recommendations(
    session: Session,
    actor: Principal,
    *,
    as_of: date | None = None,
    overdue: bool = False,
    stale: bool = False,
    status: str | None = None,
    addressee: str | None = None,
    monitor: str | None = None,
) -> list[RecommendationOut]:
    """The register; ``overdue``: only those whose response is past its deadline on ``as_of``."""
    as_of = as_of or date.today()
    q = select(SafetyRecommendation).order_by(
        SafetyRecommendation.issued_on, SafetyRecommendation.ref
    )
    if status:
        if status not in REC_STATUSES:
            raise InspectionError(f"status must be one of {', '.join(REC_STATUSES)}", "status")
        q = q.where(SafetyRecommendation.status == status)
    if addressee:
        q = q.where(SafetyRecommendation.addressee_party == addressee.strip().lower())
    if monitor:
        q = q.where(SafetyRecommendation.monitor_party == monitor.strip().lower())
    if overdue:
        q = q.where(SafetyRecommendation.response_due < as_of)
    out = [_out(session, r, as_of) for r in session.scalars(q)]
    if overdue:
        out = [r for r in out if r.overdue]
    if stale:
        out = [r for r in out if r.stale]
    return out


def _rec(session: Session, ref: str) -> SafetyRecommendation:
    row = session.scalar(
        select(SafetyRecommendation).where(SafetyRecommendation.ref == ref.strip())
    )
    if row is None:
        raise NotFound(f"no recommendation {ref!r}", "ref")
    return row


def get_recommendation(
    session: Session, actor: Principal, ref: str, as_of: date | None = None
) -> RecommendationOut:
    """One recommendation with its response, evidence and status as of a day (today by default)."""
    return _out(session, _rec(session, ref), as_of or date.today())


def monitoring_view(
    session: Session, actor: Principal, as_of: date | None = None, monitor: str = "ilt"
) -> list[dict[str, Any]]:
    """The monitoring party's view: per addressee, how many recommendations are open, in
    monitoring, closed and overdue, with their assessments."""
    as_of = as_of or date.today()
    groups: dict[str, dict[str, Any]] = {}
    for r in list_recommendations(session, actor, as_of=as_of, monitor=monitor):
        g = groups.setdefault(
            r.addressee,
            {
                "addressee": r.addressee,
                "open": 0,
                "monitoring": 0,
                "closed": 0,
                "overdue": 0,
                "assessments": {},
                "refs": [],
            },
        )
        g[r.status] += 1
        g["overdue"] += int(r.overdue)
        if r.assessment:
            g["assessments"][r.assessment] = g["assessments"].get(r.assessment, 0) + 1
        g["refs"].append(r.ref)
    return sorted(groups.values(), key=lambda g: g["addressee"])


# ---- writes ------------------------------------------------------------------------------------


def _closer(r: SafetyRecommendation) -> str:
    return r.monitor_party or "ienw"


def record_response(
    session: Session,
    actor: Principal,
    ref: str,
    responded_on: date,
    note: str = "",
    today: date | None = None,
) -> RecommendationOut:
    """The addressee's response (by the addressee or the monitoring party)."""
    require_role(actor, REGISTER_ROLES, "record responses")
    r = _rec(session, ref)
    if actor.party_code not in {r.addressee_party, r.monitor_party, "ienw"}:
        raise NotAllowed(
            "only the addressee, the monitoring party or the ministry may record the response"
        )
    if responded_on < r.issued_on or responded_on > (today or date.today()):
        raise InspectionError(
            "the response day must lie between the issue day and today", "responded_on"
        )
    before = r.status
    r.responded_on = responded_on
    if r.status == "open":
        r.status = "monitoring"
    r.updated_at = _now()
    _history(
        session,
        actor,
        "recommendation",
        r.id,
        "response",
        before,
        r.status,
        _text(note, "note") or responded_on.isoformat(),
    )
    _audit(
        session,
        actor,
        "recommendations.response",
        f"recommendation:{r.ref}",
        {"responded_on": responded_on.isoformat()},
    )
    return _out(session, r, today or date.today())


def assess(
    session: Session, actor: Principal, ref: str, assessment: str, note: str = ""
) -> RecommendationOut:
    """The monitoring party's assessment of the response (fully, partly, intent, unsatisfactory)."""
    require_role(actor, REGISTER_ROLES, "assess responses")
    r = _rec(session, ref)
    if actor.party_code != _closer(r):
        raise NotAllowed(f"only the monitoring party ({_closer(r)}) may assess this response")
    value = _ASSESSMENT_ALIASES.get(assessment.strip().lower())
    if value is None:
        raise InspectionError(f"choose one of {', '.join(ASSESSMENTS)}", "assessment")
    if r.responded_on is None:
        raise InspectionError("there is no response to assess yet", "assessment")
    r.assessment = value
    r.updated_at = _now()
    _history(
        session,
        actor,
        "recommendation",
        r.id,
        "assessed",
        r.status,
        r.status,
        f"{value}. {_text(note, 'note')}".strip(),
    )
    _audit(
        session, actor, "recommendations.assess", f"recommendation:{r.ref}", {"assessment": value}
    )
    return _out(session, r, date.today())


def add_evidence(
    session: Session, actor: Principal, ref: str, evidence: EvidenceInput
) -> RecommendationOut:
    """Attach evidence to a recommendation, by its addressee, its monitor or the ministry."""
    require_role(actor, REGISTER_ROLES, "add evidence")
    r = _rec(session, ref)
    if actor.party_code not in {r.addressee_party, r.monitor_party, "ienw"}:
        raise NotAllowed(
            "only the addressee, the monitoring party or the ministry may add evidence"
        )
    if evidence.kind == "rewalk":
        raise InspectionError(
            "a re-walk is evidence for an action; link the action instead", "evidence.kind"
        )
    row = _store_evidence(session, actor, evidence, recommendation_id=r.id)
    r.updated_at = _now()
    _history(
        session,
        actor,
        "recommendation",
        r.id,
        "evidence",
        r.status,
        r.status,
        f"{row.kind} {row.id}",
    )
    _audit(
        session, actor, "recommendations.evidence", f"recommendation:{r.ref}", {"kind": row.kind}
    )
    return _out(session, r, date.today())


def set_status(
    session: Session,
    actor: Principal,
    ref: str,
    status: str,
    reason: str = "",
    evidence: EvidenceInput | None = None,
) -> RecommendationOut:
    """Move a recommendation to open, monitoring or closed. Closing needs the response and
    evidence, and only the monitoring party may close or reopen."""
    require_role(actor, REGISTER_ROLES, "change recommendations")
    if status not in REC_STATUSES:
        raise InspectionError(f"status must be one of {', '.join(REC_STATUSES)}", "status")
    r = _rec(session, ref)
    closer = _closer(r)
    if actor.party_code != closer:
        raise NotAllowed(f"only the monitoring party ({closer}) may change the status of {r.ref}")
    if status == r.status:
        raise InspectionError(f"{r.ref} is already {status}", "status")
    if evidence is not None:
        if evidence.kind == "rewalk":
            raise InspectionError("a re-walk is evidence for an action", "evidence.kind")
        row = _store_evidence(session, actor, evidence, recommendation_id=r.id)
        _history(
            session,
            actor,
            "recommendation",
            r.id,
            "evidence",
            r.status,
            r.status,
            f"{row.kind} {row.id}",
        )
    if status == "closed":
        if r.responded_on is None:
            raise InspectionError(
                f"{r.ref} has no recorded response; it cannot be closed", "responded_on"
            )
        has = session.scalar(
            select(InspectionEvidence.id)
            .where(InspectionEvidence.recommendation_id == r.id)
            .limit(1)
        )
        if has is None:
            raise InspectionError(
                f"closing {r.ref} needs evidence: a document link, a photo or a note", "evidence"
            )
        still_open = session.scalar(
            select(InspectionAction.id)
            .where(InspectionAction.recommendation_id == r.id, InspectionAction.status != "closed")
            .limit(1)
        )
        if still_open is not None:
            raise InspectionError(f"action {still_open} of {r.ref} is not closed yet", "actions")
    before = r.status
    r.status = status
    r.updated_at = _now()
    event = "closed" if status == "closed" else ("reopened" if before == "closed" else "status")
    _history(session, actor, "recommendation", r.id, event, before, status, _text(reason, "note"))
    _audit(
        session,
        actor,
        f"recommendations.{event}",
        f"recommendation:{r.ref}",
        {"from": before, "to": status},
    )
    return _out(session, r, date.today())


__all__ = [
    "DEADLINE_RULES",
    "ImportRejected",
    "IssuerRule",
    "add_evidence",
    "add_months",
    "assess",
    "get_recommendation",
    "import_csv",
    "is_overdue",
    "issuer_rule",
    "list_recommendations",
    "monitoring_view",
    "record_response",
    "register_issuer",
    "reopen_for_action",
    "response_due",
    "set_status",
]

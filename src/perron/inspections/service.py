"""Service functions of walks, findings, photos and actions: one per user action.

Authorization, validation, the audit trail and the business rules live here and only here:

- everyone logged in may read walks, findings and actions (they hold no personal data: a walk's
  team is described by organisations and roles, not names);
- a walk and its findings are written by a member of the organising party who is not a viewer;
- an action's owner follows the zone's domain (ProRail on platforms, in tunnels and lifts; NS in
  halls, waiting rooms and toilets; the municipality outside) unless another is chosen;
- only the owner party may move or close an action, and closing needs evidence: a note, a link,
  a photo, or a later walk at the station that no longer finds the problem;
- a later walk that finds the same kind of problem in the same zone re-opens a closed action,
  with the walk named in its history (a "registered as done" the walk contradicts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.accounts import Principal
from perron.domain.local_time import LOCAL_TZ
from perron.domain.parties import Role
from perron.domain.zones import ZONE_BY_CODE, Domain
from perron.inspections import measures, photos, templates
from perron.inspections.errors import InspectionError, NotAllowed, NotFound
from perron.inspections.model import (
    ACTION_STATUSES,
    CHECK_ANSWERS,
    EVIDENCE_KINDS,
    FINDING_KINDS,
    LIGHTS,
    SEVERITIES,
    ActionOut,
    EvidenceInput,
    EvidenceOut,
    FindingInput,
    FindingOut,
    HistoryOut,
    WalkInput,
    WalkOut,
)
from perron.store.tables.accounts import Party
from perron.store.tables.inspections import (
    InspectionAction,
    InspectionEvidence,
    InspectionFinding,
    InspectionHistory,
    InspectionPhoto,
    InspectionWalk,
    SafetyRecommendation,
)
from perron.store.tables.reference import Station

WRITE_ROLES = frozenset({Role.ADMIN, Role.ANALYST, Role.OPERATOR, Role.FIELD_UNIT})
MANAGE_ROLES = frozenset({Role.ADMIN, Role.ANALYST, Role.OPERATOR})
#: station-domain zones whose day-to-day management lies with the operator (NS), not ProRail
OPERATOR_ZONES = frozenset({"hall", "waiting_room", "toilets"})
MAX_POINT_KM = 2.0
MAX_TEXT = {"team": 300, "notes": 4000, "description": 2000, "title": 300, "note": 4000}


def _now() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today in the Netherlands (walks are dated on the station's clock, not the server's)."""

    return datetime.now(LOCAL_TZ).date()


def _audit(
    session: Session, actor: Principal, action: str, subject: str, detail: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose="operational",
        action=action,
        subject=subject,
        detail=detail,
    )


def _history(
    session: Session,
    actor: Principal | None,
    subject: str,
    subject_id: int,
    event: str,
    from_status: str | None,
    to_status: str | None,
    reason: str = "",
    *,
    who: str | None = None,
    party: str | None = None,
) -> None:
    session.add(
        InspectionHistory(
            subject=subject,
            subject_id=subject_id,
            event=event,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=who or (actor.username if actor else "-"),
            party_code=party or (actor.party_code if actor else "-"),
            at=_now(),
        )
    )


def require_role(actor: Principal, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise NotAllowed(f"the role {actor.role.value!r} may not {what}")


def _text(value: str | None, name: str, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InspectionError(f"{name} is required", name)
    limit = MAX_TEXT.get(name, 500)
    if len(text) > limit:
        raise InspectionError(f"{name} is longer than {limit} characters", name)
    return text


def _url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    url = value.strip()
    if len(url) > 500 or not url.lower().startswith(("https://", "http://")):
        raise InspectionError(
            "a link must start with http:// or https:// (at most 500 characters)", "url"
        )
    return url


def _station(session: Session, code: str) -> Station:
    station = session.get(Station, (code or "").strip().upper()[:8])
    if station is None:
        raise NotFound(f"unknown station {code!r}", "station_code")
    return station


def _km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def zone_owner(session: Session, station: Station, zone: str) -> str:
    """The party that owns actions in ``zone`` of ``station`` (the zone's domain decides)."""
    kind = ZONE_BY_CODE.get(zone)
    if kind is None:
        raise InspectionError(f"unknown zone {zone!r}", "zone")
    if kind.domain is Domain.SURROUNDINGS:
        return station.municipality_code.lower()
    return "ns" if zone in OPERATOR_ZONES else "prorail"


# ---- templates -------------------------------------------------------------------------------


def list_templates() -> list[dict[str, Any]]:
    """Every walk-through template (group, version, items) with the shared rubric."""
    rub = templates.rubric().as_dict()
    return [{**t.as_dict(), "rubric": rub} for t in templates.templates()]


# ---- photos ------------------------------------------------------------------------------------


def upload_photo(session: Session, actor: Principal, data: bytes) -> dict[str, Any]:
    """Store a photo of a place, re-encoded without metadata; returns its id and the warning."""
    require_role(actor, WRITE_ROLES, "upload photos")
    try:
        clean = photos.clean(data)
    except photos.PhotoError as exc:
        raise InspectionError(str(exc), "photo") from exc
    row = InspectionPhoto(
        sha256=clean.sha256,
        mime=clean.mime,
        width=clean.width,
        height=clean.height,
        size=len(clean.content),
        content=clean.content,
        party_code=actor.party_code,
        uploaded_by=actor.username,
        uploaded_at=_now(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "inspections.photo.upload", f"photo:{row.id}", {"bytes": row.size})
    return {
        "id": row.id,
        "width": row.width,
        "height": row.height,
        "bytes": row.size,
        "metadata_removed": True,
        "warning": photos.NO_PEOPLE_WARNING,
    }


def get_photo(session: Session, actor: Principal, photo_id: int) -> tuple[bytes, str]:
    """A photo's bytes (metadata removed on upload) and its media type."""
    row = session.get(InspectionPhoto, photo_id)
    if row is None:
        raise NotFound(f"no photo {photo_id}")
    return row.content, row.mime


# ---- walks and findings ------------------------------------------------------------------------


def _light(start_time: str, light: str | None) -> str:
    if light:
        if light not in LIGHTS:
            raise InspectionError(f"light must be one of {', '.join(LIGHTS)}", "light")
        return light
    hour = int(start_time[:2])
    return "night" if hour >= 19 or hour < 6 else "day"


def _check_time(value: str) -> str:
    text = (value or "").strip()
    try:
        hh, mm = text.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise InspectionError(f"time must be HH:MM, not {value!r}", "start_time") from None
    if not (0 <= h < 24 and 0 <= m < 60):
        raise InspectionError(f"time must be HH:MM, not {value!r}", "start_time")
    return f"{h:02d}:{m:02d}"


def _check_scores(scores: dict[str, Any], feeling: Any) -> tuple[dict[str, int], int | None]:
    rub = templates.rubric()
    out: dict[str, int] = {}
    for code, value in (scores or {}).items():
        if code not in rub.codes:
            raise InspectionError(f"unknown rubric parameter {code!r}", f"scores.{code}")
        out[code] = _score(value, f"scores.{code}")
    return out, (None if feeling in (None, "") else _score(feeling, "feeling"))


def _score(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InspectionError(f"{name} must be a whole number 0–3", name) from None
    if isinstance(value, float | str) and str(value).strip() not in (str(number), f"{number}.0"):
        raise InspectionError(f"{name} must be a whole number 0–3", name)
    if not templates.SCORE_MIN <= number <= templates.SCORE_MAX:
        raise InspectionError(f"{name} must be between 0 and 3", name)
    return number


def _check_finding(session: Session, station: Station, f: FindingInput, n: int) -> None:
    where = f"findings[{n}]"
    if f.kind not in FINDING_KINDS:
        raise InspectionError(f"{where}: unknown kind {f.kind!r}", f"{where}.kind")
    if f.zone not in ZONE_BY_CODE:
        raise InspectionError(f"{where}: unknown zone {f.zone!r}", f"{where}.zone")
    if f.severity not in SEVERITIES:
        raise InspectionError(
            f"{where}: severity must be one of {', '.join(SEVERITIES)}", f"{where}.severity"
        )
    if (f.lat is None) != (f.lng is None):
        raise InspectionError(f"{where}: give both lat and lng, or neither", f"{where}.lat")
    if f.lat is not None and f.lng is not None:
        if not (math.isfinite(f.lat) and math.isfinite(f.lng)):
            raise InspectionError(f"{where}: lat/lng must be numbers", f"{where}.lat")
        if _km(f.lat, f.lng, station.lat, station.lng) > MAX_POINT_KM:
            raise InspectionError(
                f"{where}: the point lies more than {MAX_POINT_KM:g} km from the station",
                f"{where}.lat",
            )
    if f.measure_code:
        measures.check(f.measure_code, measures.catalogue_zones(), f"{where}.measure_code")
    if f.photo_id is not None and session.get(InspectionPhoto, f.photo_id) is None:
        raise InspectionError(f"{where}: no photo {f.photo_id}", f"{where}.photo_id")
    _text(f.description, "description")


def record_walk(
    session: Session, actor: Principal, walk: WalkInput, today: date | None = None
) -> WalkOut:
    """Record a walk with its scores, checklist and findings. A walk sent twice with the same
    ``client_ref`` (a phone re-sending after a bad connection) is stored once."""
    require_role(actor, WRITE_ROLES, "record walks")
    if walk.client_ref:
        ref = walk.client_ref.strip()[:64]
        existing = session.scalar(select(InspectionWalk).where(InspectionWalk.client_ref == ref))
        if existing is not None:
            if existing.party_code != actor.party_code:
                raise NotAllowed("this walk reference belongs to another party", "client_ref")
            return _walk_out(session, existing)
    station = _station(session, walk.station_code)
    tpl = _template(walk.group)
    start = _check_time(walk.start_time)
    light = _light(start, walk.light)
    if walk.walked_on > (today or local_today()):
        raise InspectionError("a walk cannot lie in the future", "walked_on")
    scores, feeling = _check_scores(walk.scores, walk.feeling)
    items = {i.code for i in tpl.items}
    checklist: dict[str, str] = {}
    for code, answer in (walk.checklist or {}).items():
        if code not in items:
            raise InspectionError(
                f"item {code!r} is not in the {tpl.group} template", f"checklist.{code}"
            )
        if answer not in CHECK_ANSWERS:
            raise InspectionError(
                f"answer must be one of {', '.join(CHECK_ANSWERS)}", f"checklist.{code}"
            )
        checklist[code] = answer
    for n, f in enumerate(walk.findings):
        _check_finding(session, station, f, n)
    row = InspectionWalk(
        client_ref=walk.client_ref.strip()[:64] if walk.client_ref else None,
        station_code=station.code,
        walked_on=walk.walked_on,
        start_time=start,
        light=light,
        group=tpl.group,
        template_version=tpl.version,
        team=_text(walk.team, "team", required=True),
        party_code=actor.party_code,
        scores=scores,
        feeling=feeling,
        checklist=checklist,
        notes=_text(walk.notes, "notes"),
        synthetic=walk.synthetic,
        created_by=actor.username,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "inspections.walk.record",
        f"walk:{row.id}",
        {"station": station.code, "group": tpl.group, "findings": len(walk.findings)},
    )
    reopened: list[int] = []
    for f in walk.findings:
        reopened += _add_finding(session, actor, row, station, f)
    out = _walk_out(session, row)
    out.reopened_actions = reopened
    return out


def _template(group: str) -> templates.Template:
    try:
        return templates.template(group)
    except templates.TemplateError as exc:
        raise InspectionError(str(exc), "group") from exc


def add_finding(
    session: Session, actor: Principal, walk_id: int, finding: FindingInput
) -> FindingOut:
    """Add a finding to a walk of the actor's party."""
    require_role(actor, WRITE_ROLES, "record findings")
    walk = session.get(InspectionWalk, walk_id)
    if walk is None:
        raise NotFound(f"no walk {walk_id}")
    if walk.party_code != actor.party_code:
        raise NotAllowed("only the party that organised the walk may add findings to it")
    station = _station(session, walk.station_code)
    _check_finding(session, station, finding, 0)
    _add_finding(session, actor, walk, station, finding)
    last = session.scalars(
        select(InspectionFinding)
        .where(InspectionFinding.walk_id == walk.id)
        .order_by(InspectionFinding.id.desc())
    ).first()
    assert last is not None
    return _finding_out(session, last)


def _add_finding(
    session: Session, actor: Principal, walk: InspectionWalk, station: Station, f: FindingInput
) -> list[int]:
    measure = (
        f.measure_code.strip()
        if f.measure_code
        else measures.suggest(f.kind, f.zone, measures.catalogue_zones())
    )
    row = InspectionFinding(
        walk_id=walk.id,
        station_code=station.code,
        kind=f.kind,
        zone=f.zone,
        severity=f.severity,
        lat=f.lat,
        lng=f.lng,
        description=_text(f.description, "description"),
        measure_code=measure,
        photo_id=f.photo_id,
        created_by=actor.username,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    _history(session, actor, "finding", row.id, "created", None, "open", f"walk {walk.id}")
    _audit(
        session,
        actor,
        "inspections.finding.add",
        f"finding:{row.id}",
        {"walk": walk.id, "kind": f.kind, "zone": f.zone, "severity": f.severity},
    )
    return _reopen_contradicted(session, actor, walk, row)


def _reopen_contradicted(
    session: Session, actor: Principal, walk: InspectionWalk, finding: InspectionFinding
) -> list[int]:
    """Closed actions on the same kind of problem in the same zone of this station, closed on or
    before the walk's day: the walk contradicts them, so they are opened again."""
    rows = session.execute(
        select(InspectionAction, InspectionFinding)
        .join(InspectionFinding, InspectionAction.finding_id == InspectionFinding.id)
        .where(
            InspectionAction.status == "closed",
            InspectionFinding.station_code == finding.station_code,
            InspectionFinding.kind == finding.kind,
            InspectionFinding.zone == finding.zone,
            InspectionFinding.id != finding.id,
        )
    ).all()
    reopened = []
    for action, _old in rows:
        if action.closed_at is None or action.closed_at.date() > walk.walked_on:
            continue
        reason = (
            f"walk {walk.id} on {walk.walked_on.isoformat()} found {finding.kind} in "
            f"{finding.zone} again (finding {finding.id})"
        )
        action.status = "open"
        action.reopened += 1
        action.closed_at = None
        action.updated_at = _now()
        _history(session, actor, "action", action.id, "reopened", "closed", "open", reason)
        _audit(
            session,
            actor,
            "inspections.action.reopen",
            f"action:{action.id}",
            {"walk": walk.id, "finding": finding.id},
        )
        reopened.append(action.id)
        if action.recommendation_id is not None:
            reopen_for_action(session, actor, action.recommendation_id, action.id, reason)
    return reopened


def reopen_for_action(
    session: Session, actor: Principal, rec_id: int, action_id: int, reason: str
) -> None:
    """A re-walk contradicted a closed action of this recommendation: back to monitoring."""
    r = session.get(SafetyRecommendation, rec_id)
    if r is None or r.status != "closed":
        return
    r.status = "monitoring"
    r.updated_at = _now()
    _history(
        session,
        actor,
        "recommendation",
        r.id,
        "reopened",
        "closed",
        "monitoring",
        f"action {action_id}: {reason}",
    )
    _audit(
        session, actor, "recommendations.reopened", f"recommendation:{r.ref}", {"action": action_id}
    )


def _finding_out(session: Session, f: InspectionFinding) -> FindingOut:
    action = session.scalars(
        select(InspectionAction)
        .where(InspectionAction.finding_id == f.id)
        .order_by(InspectionAction.id)
    ).first()
    zone = ZONE_BY_CODE.get(f.zone)
    return FindingOut(
        f.id,
        f.walk_id,
        f.station_code,
        f.kind,
        f.zone,
        zone.domain.value if zone else "station",
        f.severity,
        f.lat,
        f.lng,
        f.description,
        f.measure_code,
        f.photo_id,
        action.id if action else None,
        action.status if action else None,
    )


def _walk_out(session: Session, w: InspectionWalk) -> WalkOut:
    station = session.get(Station, w.station_code)
    findings = session.scalars(
        select(InspectionFinding)
        .where(InspectionFinding.walk_id == w.id)
        .order_by(InspectionFinding.id)
    ).all()
    values = list((w.scores or {}).values())
    return WalkOut(
        w.id,
        w.station_code,
        station.name_long if station else w.station_code,
        w.walked_on,
        w.start_time,
        w.light,
        w.group,
        w.template_version,
        w.team,
        w.party_code,
        dict(w.scores or {}),
        round(sum(values) / len(values), 2) if values else None,
        w.feeling,
        dict(w.checklist or {}),
        w.notes,
        w.synthetic,
        [_finding_out(session, f) for f in findings],
    )


def get_walk(session: Session, actor: Principal, walk_id: int) -> WalkOut:
    """One inspection walk with its findings."""
    walk = session.get(InspectionWalk, walk_id)
    if walk is None:
        raise NotFound(f"no walk {walk_id}")
    return _walk_out(session, walk)


def list_walks(
    session: Session,
    actor: Principal,
    station: str | None = None,
    group: str | None = None,
    limit: int = 200,
) -> list[WalkOut]:
    """Inspection walks, newest first, optionally of one station or one group."""
    q = select(InspectionWalk).order_by(InspectionWalk.walked_on.desc(), InspectionWalk.id.desc())
    if station:
        q = q.where(InspectionWalk.station_code == station.strip().upper()[:8])
    if group:
        q = q.where(InspectionWalk.group == group)
    return [_walk_out(session, w) for w in session.scalars(q.limit(max(1, min(limit, 1000))))]


# ---- actions -----------------------------------------------------------------------------------


def _party(session: Session, code: str, field: str = "owner_party") -> str:
    code = (code or "").strip().lower()
    if session.get(Party, code) is None:
        raise InspectionError(f"unknown party {code!r}", field)
    return code


def create_action(
    session: Session,
    actor: Principal,
    *,
    due_on: date,
    finding_id: int | None = None,
    recommendation_id: int | None = None,
    title: str = "",
    owner_party: str | None = None,
) -> ActionOut:
    """Turn a finding (or a recommendation) into an action with an owner and a due date."""
    require_role(actor, MANAGE_ROLES, "create actions")
    if (finding_id is None) == (recommendation_id is None):
        raise InspectionError(
            "an action follows either a finding or a recommendation", "finding_id"
        )
    station_code = None
    if finding_id is not None:
        finding = session.get(InspectionFinding, finding_id)
        if finding is None:
            raise NotFound(f"no finding {finding_id}", "finding_id")
        walk = session.get(InspectionWalk, finding.walk_id)
        assert walk is not None
        station = _station(session, finding.station_code)
        owner = (
            _party(session, owner_party)
            if owner_party
            else zone_owner(session, station, finding.zone)
        )
        if actor.party_code not in (walk.party_code, owner):
            raise NotAllowed("only the walk's party or the owning party may create this action")
        station_code = station.code
        zone_kind = ZONE_BY_CODE.get(finding.zone)
        zone_label = zone_kind.label_nl if zone_kind else finding.zone
        default_title = f"{FINDING_KINDS[finding.kind][0]} – {zone_label} ({station.code})"
    else:
        rec = session.get(SafetyRecommendation, recommendation_id)
        if rec is None:
            raise NotFound(f"no recommendation {recommendation_id}", "recommendation_id")
        owner = _party(session, owner_party) if owner_party else (rec.addressee_party or "")
        if not owner:
            raise InspectionError("give the owning party", "owner_party")
        if actor.party_code not in {owner, rec.addressee_party, rec.monitor_party}:
            raise NotAllowed("only the addressee or the monitoring party may create this action")
        default_title = f"{rec.ref}: {rec.title}"[:300]
    now = _now()
    row = InspectionAction(
        finding_id=finding_id,
        recommendation_id=recommendation_id,
        station_code=station_code,
        title=_text(title, "title") or default_title,
        owner_party=owner,
        due_on=due_on,
        status="open",
        reopened=0,
        synthetic=False,
        created_by=actor.username,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _history(session, actor, "action", row.id, "created", None, "open", f"due {due_on.isoformat()}")
    _audit(
        session,
        actor,
        "inspections.action.create",
        f"action:{row.id}",
        {
            "owner": owner,
            "due": due_on.isoformat(),
            "finding": finding_id,
            "recommendation": recommendation_id,
        },
    )
    return action_out(session, row)


def _action(session: Session, action_id: int) -> InspectionAction:
    row = session.get(InspectionAction, action_id)
    if row is None:
        raise NotFound(f"no action {action_id}")
    return row


def _store_evidence(
    session: Session,
    actor: Principal,
    ev: EvidenceInput,
    *,
    action: InspectionAction | None = None,
    recommendation_id: int | None = None,
) -> InspectionEvidence:
    if ev.kind not in EVIDENCE_KINDS:
        raise InspectionError(
            f"evidence kind must be one of {', '.join(EVIDENCE_KINDS)}", "evidence.kind"
        )
    note = _text(ev.note, "note")
    url = _url(ev.url)
    if ev.kind == "note" and not note:
        raise InspectionError("a note as evidence must say something", "evidence.note")
    if ev.kind == "link" and not url:
        raise InspectionError("a link as evidence needs the link", "evidence.url")
    if ev.kind == "photo" and (
        ev.photo_id is None or session.get(InspectionPhoto, ev.photo_id) is None
    ):
        raise InspectionError("a photo as evidence needs an uploaded photo", "evidence.photo_id")
    if ev.kind == "rewalk":
        _check_rewalk(session, action, ev.walk_id)
    row = InspectionEvidence(
        action_id=action.id if action else None,
        recommendation_id=recommendation_id,
        kind=ev.kind,
        note=note,
        url=url,
        photo_id=ev.photo_id if ev.kind == "photo" else None,
        walk_id=ev.walk_id if ev.kind == "rewalk" else None,
        party_code=actor.party_code,
        added_by=actor.username,
        added_at=_now(),
    )
    session.add(row)
    session.flush()
    return row


def _check_rewalk(session: Session, action: InspectionAction | None, walk_id: int | None) -> None:
    """A later walk at the station of the action's finding that does not find it again."""
    if action is None or action.finding_id is None:
        raise InspectionError(
            "a re-walk is evidence for an action on a finding only", "evidence.kind"
        )
    if walk_id is None:
        raise InspectionError("a re-walk as evidence needs the walk", "evidence.walk_id")
    walk = session.get(InspectionWalk, walk_id)
    finding = session.get(InspectionFinding, action.finding_id)
    assert finding is not None
    first = session.get(InspectionWalk, finding.walk_id)
    assert first is not None
    if walk is None:
        raise InspectionError(f"no walk {walk_id}", "evidence.walk_id")
    if walk.station_code != finding.station_code:
        raise InspectionError("the re-walk was at another station", "evidence.walk_id")
    if walk.id == first.id or walk.walked_on < first.walked_on:
        raise InspectionError(
            "the re-walk must come after the walk of the finding", "evidence.walk_id"
        )
    again = session.scalar(
        select(InspectionFinding.id).where(
            InspectionFinding.walk_id == walk.id,
            InspectionFinding.kind == finding.kind,
            InspectionFinding.zone == finding.zone,
        )
    )
    if again is not None:
        raise InspectionError(
            f"walk {walk.id} found {finding.kind} in {finding.zone} again (finding {again})",
            "evidence.walk_id",
        )


def add_action_evidence(
    session: Session, actor: Principal, action_id: int, evidence: EvidenceInput
) -> ActionOut:
    """Attach evidence to an action, by a party the action concerns."""
    require_role(actor, WRITE_ROLES, "add evidence")
    action = _action(session, action_id)
    allowed = {action.owner_party}
    if action.finding_id is not None:
        finding = session.get(InspectionFinding, action.finding_id)
        walk = session.get(InspectionWalk, finding.walk_id) if finding else None
        if walk is not None:
            allowed.add(walk.party_code)
    if actor.party_code not in allowed:
        raise NotAllowed("only the owning party or the walk's party may add evidence")
    row = _store_evidence(session, actor, evidence, action=action)
    _history(
        session,
        actor,
        "action",
        action.id,
        "evidence",
        action.status,
        action.status,
        f"{row.kind} {row.id}",
    )
    _audit(
        session,
        actor,
        "inspections.action.evidence",
        f"action:{action.id}",
        {"kind": row.kind, "evidence": row.id},
    )
    return action_out(session, action)


def set_action_status(
    session: Session,
    actor: Principal,
    action_id: int,
    status: str,
    reason: str = "",
    evidence: EvidenceInput | None = None,
) -> ActionOut:
    """Move an action (owner party only). Closing needs evidence, given now or before."""
    require_role(actor, MANAGE_ROLES, "change actions")
    if status not in ACTION_STATUSES:
        raise InspectionError(f"status must be one of {', '.join(ACTION_STATUSES)}", "status")
    action = _action(session, action_id)
    if actor.party_code != action.owner_party:
        raise NotAllowed(f"only the owning party ({action.owner_party}) may change this action")
    if status == action.status:
        raise InspectionError(f"the action is already {status}", "status")
    if evidence is not None:
        row = _store_evidence(session, actor, evidence, action=action)
        _history(
            session,
            actor,
            "action",
            action.id,
            "evidence",
            action.status,
            action.status,
            f"{row.kind} {row.id}",
        )
    if status == "closed":
        has = session.scalar(
            select(InspectionEvidence.id).where(InspectionEvidence.action_id == action.id).limit(1)
        )
        if has is None:
            raise InspectionError(
                "closing an action needs evidence: a note, a link, a photo or a re-walk", "evidence"
            )
    before = action.status
    action.status = status
    action.updated_at = _now()
    action.closed_at = _now() if status == "closed" else None
    reason = _text(reason, "note")
    event = "closed" if status == "closed" else ("reopened" if before == "closed" else "status")
    _history(session, actor, "action", action.id, event, before, status, reason)
    _audit(
        session,
        actor,
        f"inspections.action.{event}",
        f"action:{action.id}",
        {"from": before, "to": status},
    )
    return action_out(session, action)


def _evidence_out(rows: Iterable[InspectionEvidence]) -> list[EvidenceOut]:
    return [
        EvidenceOut(
            e.id, e.kind, e.note, e.url, e.photo_id, e.walk_id, e.party_code, e.added_by, e.added_at
        )
        for e in rows
    ]


def history(session: Session, subject: str, subject_id: int) -> list[HistoryOut]:
    rows = session.scalars(
        select(InspectionHistory)
        .where(InspectionHistory.subject == subject, InspectionHistory.subject_id == subject_id)
        .order_by(InspectionHistory.id)
    )
    return [
        HistoryOut(h.at, h.actor, h.party_code, h.event, h.from_status, h.to_status, h.reason)
        for h in rows
    ]


def action_out(session: Session, a: InspectionAction, today: date | None = None) -> ActionOut:
    today = today or date.today()
    evidence = session.scalars(
        select(InspectionEvidence)
        .where(InspectionEvidence.action_id == a.id)
        .order_by(InspectionEvidence.id)
    )
    return ActionOut(
        a.id,
        a.title,
        a.owner_party,
        a.due_on,
        a.status,
        a.status != "closed" and a.due_on < today,
        a.station_code,
        a.finding_id,
        a.recommendation_id,
        a.reopened,
        a.synthetic,
        _evidence_out(evidence),
        history(session, "action", a.id),
    )


def get_action(session: Session, actor: Principal, action_id: int) -> ActionOut:
    """One action with its evidence and status."""
    return action_out(session, _action(session, action_id))


def list_actions(
    session: Session,
    actor: Principal,
    *,
    party: str | None = None,
    station: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> list[ActionOut]:
    """Actions, optionally of one party or station; ``overdue``: open past their due date."""
    today = today or date.today()
    q = select(InspectionAction).order_by(InspectionAction.due_on, InspectionAction.id)
    if party:
        q = q.where(InspectionAction.owner_party == party.strip().lower())
    if station:
        q = q.where(InspectionAction.station_code == station.strip().upper()[:8])
    if status:
        if status not in ACTION_STATUSES:
            raise InspectionError(f"status must be one of {', '.join(ACTION_STATUSES)}", "status")
        q = q.where(InspectionAction.status == status)
    if overdue:
        q = q.where(InspectionAction.status != "closed", InspectionAction.due_on < today)
    return [action_out(session, a, today) for a in session.scalars(q.limit(2000))]


def overdue_summary(
    session: Session, actor: Principal, today: date | None = None
) -> list[dict[str, Any]]:
    """Overdue actions counted per owning party and station."""
    counts: dict[tuple[str, str], int] = {}
    for a in list_actions(session, actor, overdue=True, today=today):
        key = (a.owner_party, a.station_code or "-")
        counts[key] = counts.get(key, 0) + 1
    return [{"party": p, "station": s, "overdue": n} for (p, s), n in sorted(counts.items())]


# ---- scores ------------------------------------------------------------------------------------


def score_summary(
    session: Session, actor: Principal, station: str | None = None
) -> list[dict[str, Any]]:
    """Mean rubric score and feeling per station, year, day/night and target group."""
    cells: dict[tuple[str, int, str, str], list[InspectionWalk]] = {}
    q = select(InspectionWalk)
    if station:
        q = q.where(InspectionWalk.station_code == station.strip().upper()[:8])
    for w in session.scalars(q):
        cells.setdefault((w.station_code, w.walked_on.year, w.light, w.group), []).append(w)
    out = []
    for (code, year, light, group), walks in sorted(cells.items()):
        scores = [sum(w.scores.values()) / len(w.scores) for w in walks if w.scores]
        feelings = [w.feeling for w in walks if w.feeling is not None]
        out.append(
            {
                "station": code,
                "year": year,
                "light": light,
                "group": group,
                "walks": len(walks),
                "score": round(sum(scores) / len(scores), 2) if scores else None,
                "feeling": round(sum(feelings) / len(feelings), 2) if feelings else None,
                "synthetic": all(w.synthetic for w in walks),
            }
        )
    return out


def compare_with_monitor(session: Session, actor: Principal, station: str) -> dict[str, Any]:
    """The walks' scores of a station beside the monitor's evening-safety score of the same
    station and year: does the walk see what travellers feel? Both are put on a 0–1 scale
    (walk: score / 3; monitor: its mean on its own 1–10 scale, (mean − 1) / 9)."""
    code = _station(session, station).code
    walks = score_summary(session, actor, code)
    monitor: dict[int, float] = {}
    try:
        from perron.monitor.service import station_scores

        report = station_scores(session, actor, "analysis", code)
        for year, items in report.get("years", {}).items():
            mean = (items.get("safe_evening") or {}).get("mean")
            if mean is not None:
                monitor[int(year)] = float(mean)
    except Exception:  # the monitor may hold no responses for this station
        monitor = {}
    rows = []
    for w in walks:
        m = monitor.get(w["year"])
        rows.append(
            {
                **w,
                "walk_scaled": None if w["score"] is None else round(w["score"] / 3, 3),
                "monitor_evening": m,
                "monitor_scaled": None if m is None else round((m - 1) / 9, 3),
            }
        )
    return {"station": code, "rows": rows}


# ---- feeds for the programme and the progress report -------------------------------------------

#: weight of an open finding in a station's need, by severity
SEVERITY_WEIGHT = {"low": 1.0, "medium": 2.0, "high": 3.0}


def station_needs(session: Session, actor: Principal) -> dict[str, dict[str, Any]]:
    """Per station, the findings that are still open (no action yet, or an action not closed),
    counted and weighted by severity (low 1, medium 2, high 3): the programme raises a
    station's need by it. Synthetic walks count only among themselves (``synthetic`` says so)."""
    closed = set(
        session.scalars(
            select(InspectionAction.finding_id).where(
                InspectionAction.status == "closed", InspectionAction.finding_id.is_not(None)
            )
        )
    )
    out: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        select(
            InspectionFinding.id,
            InspectionFinding.station_code,
            InspectionFinding.severity,
            InspectionWalk.synthetic,
        ).join(InspectionWalk, InspectionWalk.id == InspectionFinding.walk_id)
    )
    for fid, code, severity, synthetic in rows:
        if fid in closed:
            continue
        cell = out.setdefault(code, {"open_findings": 0, "weight": 0.0, "synthetic": True})
        cell["open_findings"] += 1
        cell["weight"] += SEVERITY_WEIGHT.get(severity, 1.0)
        cell["synthetic"] = cell["synthetic"] and bool(synthetic)
    return out


def progress(session: Session, actor: Principal, today: date | None = None) -> dict[str, Any]:
    """Figures for the progress report: walks, actions by status and overdue, reopened."""
    actions = list_actions(session, actor, today=today)
    by_status = {s: sum(1 for a in actions if a.status == s) for s in ACTION_STATUSES}
    walks = list(session.scalars(select(InspectionWalk)))
    return {
        "walks": len(walks),
        "walks_night": sum(1 for w in walks if w.light == "night"),
        "stations_walked": len({w.station_code for w in walks}),
        "actions": by_status,
        "actions_overdue": sum(1 for a in actions if a.overdue),
        "actions_reopened": sum(1 for a in actions if a.reopened),
        "synthetic": bool(walks) and all(w.synthetic for w in walks),
    }

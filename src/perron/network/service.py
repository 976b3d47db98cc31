"""Service functions of the network capability: one per user action.

Who may do what (docs/network.md, "Access"):

- **Criticality, scenarios, worst case** (derived from public data, but a ranked list of weak
  points): users of the rail parties (ProRail, the operators), the police, the inspectorate and
  the ministry; every read is audited (purpose ``analysis``). Municipalities and anonymous
  callers: no.
- **Threat register** (sensitive): a clearance of its own (:class:`NetworkClearance`, ``read`` or
  ``edit``) on top of the party: readers from ProRail, the ministry (IenW) and the police;
  editors from ProRail only. Clearances are granted by a ProRail admin. Every read and change is
  audited. The register has no public API: its endpoints need a cleared user and are left out
  of the OpenAPI document.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.network import analysis
from perron.network.analysis import Criticality, ScenarioResult, WorstCase
from perron.network.model import DEFAULT_WINDOW, NetworkDataError, load_network
from perron.network.threats import (
    ASSET_KINDS,
    MEASURE_STATUSES,
    STATUSES,
    THREATS,
    assess,
    risk_matrix,
)
from perron.store.tables.accounts import Party, User
from perron.store.tables.network import (
    NetworkClearance,
    NetworkMeasure,
    NetworkScenario,
    NetworkThreat,
)

ANALYSIS_PARTIES = frozenset(
    {"prorail", "ns", "arriva", "keolis", "qbuzz", "breng", "connexxion", "politie", "ilt", "ienw"}
)
REGISTER_PARTIES = frozenset({"prorail", "ienw", "politie"})
REGISTER_EDIT_PARTIES = frozenset({"prorail"})
CLEARANCE_LEVELS = ("read", "edit")
#: Computed register entries kept per threat kind: the highest risks, at most this many.
REGISTER_PER_THREAT = 60
HAND_COMPILED_NOTE = "compiled by hand"


class NetworkAccessDenied(PermissionError):
    """The user may not do this; the message says why."""


class NotFound(LookupError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _audit(
    session: Session, who: Principal, action: str, subject: str, detail: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=who.username,
        party=who.party_code,
        purpose="analysis",
        action=action,
        subject=subject,
        detail=detail,
    )


def may_analyse(who: Principal) -> bool:
    return who.party_code in ANALYSIS_PARTIES


def _require_analysis(who: Principal) -> None:
    if not may_analyse(who):
        raise NetworkAccessDenied(
            f"party {who.party_code!r} may not see network criticality; it is open to the rail "
            "parties, the police, the inspectorate and the ministry"
        )


# -- criticality and scenarios --------------------------------------------------------------


def criticality_for(session: Session, who: Principal, window: str = DEFAULT_WINDOW) -> Criticality:
    """Criticality of every link and station in ``window`` (audited)."""
    _require_analysis(who)
    result = analysis.criticality(analysis.check_window(window))
    _audit(session, who, "network.criticality.read", f"window {window}", {"window": window})
    return result


@dataclass(frozen=True)
class SavedScenario:
    id: int
    name: str
    created_by: str
    created_at: datetime
    window: str
    duration_hours: float
    removed_links: list[str]
    removed_stations: list[str]
    passenger_hours_lost_per_hour: float
    result: dict[str, Any] = field(default_factory=dict)


MAX_NAME = 120


def run_scenario(
    session: Session,
    who: Principal,
    links: list[str],
    stations: list[str],
    window: str = DEFAULT_WINDOW,
    duration_hours: float = 1.0,
    save_as: str | None = None,
) -> tuple[ScenarioResult, int | None]:
    """Run a scenario; with ``save_as`` it is stored for the user's party (audited)."""
    _require_analysis(who)
    if save_as is not None:
        save_as = save_as.strip()
        if not save_as or len(save_as) > MAX_NAME:
            raise NetworkDataError(f"scenario name: 1 to {MAX_NAME} characters")
    result = analysis.scenario(links, stations, window, duration_hours)
    saved_id = None
    if save_as is not None:
        row = NetworkScenario(
            name=save_as,
            party_code=who.party_code,
            created_by=who.username,
            created_at=_now(),
            window=result.window,
            duration_hours=result.duration_hours,
            removed_links=json.dumps(result.removed_links),
            removed_stations=json.dumps(result.removed_stations),
            passenger_hours_lost_per_hour=result.passenger_hours_lost_per_hour,
            result=json.dumps(result.as_json()),
        )
        session.add(row)
        session.flush()
        saved_id = row.id
    _audit(
        session,
        who,
        "network.scenario.run",
        ", ".join(result.removed_links + result.removed_stations)[:200],
        {"window": result.window, "saved": saved_id},
    )
    return result, saved_id


def list_scenarios(session: Session, who: Principal) -> list[SavedScenario]:
    """The scenarios saved by the user's own party, newest first."""
    _require_analysis(who)
    rows = session.scalars(
        select(NetworkScenario)
        .where(NetworkScenario.party_code == who.party_code)
        .order_by(NetworkScenario.id.desc())
    )
    return [
        SavedScenario(
            id=r.id,
            name=r.name,
            created_by=r.created_by,
            created_at=r.created_at,
            window=r.window,
            duration_hours=r.duration_hours,
            removed_links=json.loads(r.removed_links),
            removed_stations=json.loads(r.removed_stations),
            passenger_hours_lost_per_hour=r.passenger_hours_lost_per_hour,
            result=json.loads(r.result),
        )
        for r in rows
    ]


#: Search time budget of an interactive worst-case request (seconds).
INTERACTIVE_BUDGET_S = 20.0


def worst_case(
    session: Session,
    who: Principal,
    k: int = 3,
    window: str = DEFAULT_WINDOW,
    budget_s: float = INTERACTIVE_BUDGET_S,
) -> WorstCase:
    """The worst k-link combination found by search within ``budget_s`` (audited)."""
    _require_analysis(who)
    result = analysis.worst_links(k, analysis.check_window(window), min(budget_s, 60.0))
    _audit(session, who, "network.worst.read", f"k={k} {window}", {"k": k, "window": window})
    return result


# -- threat register ------------------------------------------------------------------------


def clearance_of(session: Session, who: Principal) -> str | None:
    """``read``, ``edit`` or None. A clearance only counts for a register party."""
    if who.party_code not in REGISTER_PARTIES:
        return None
    level = session.scalar(
        select(NetworkClearance.level).where(NetworkClearance.user_id == who.user_id)
    )
    if level == "edit" and who.party_code not in REGISTER_EDIT_PARTIES:
        return "read"
    return level


def _require_register(session: Session, who: Principal, level: str) -> None:
    have = clearance_of(session, who)
    if have is None or (level == "edit" and have != "edit"):
        _audit(
            session,
            who,
            "network.register.denied",
            f"needs {level}",
            {"needed": level, "party": who.party_code},
        )
        raise NetworkAccessDenied(
            f"the threat register needs a {level} clearance (parties: "
            f"{', '.join(sorted(REGISTER_PARTIES))}; editing: ProRail); ask a ProRail admin"
        )


def grant_clearance(session: Session, granter: Principal, username: str, level: str) -> None:
    """A ProRail admin grants (or changes) a user's register clearance (audited)."""
    if granter.party_code != "prorail" or granter.role != Role.ADMIN:
        raise NetworkAccessDenied("only a ProRail admin grants threat-register clearances")
    if level not in CLEARANCE_LEVELS:
        raise NetworkDataError(
            f"clearance {level!r}: expected one of {', '.join(CLEARANCE_LEVELS)}"
        )
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} does not exist")
    if user.party_code not in REGISTER_PARTIES:
        raise NetworkAccessDenied(
            f"user {username!r} is of party {user.party_code!r}; the register is open to "
            f"{', '.join(sorted(REGISTER_PARTIES))} only"
        )
    if level == "edit" and user.party_code not in REGISTER_EDIT_PARTIES:
        raise NetworkAccessDenied("only ProRail users can edit the register")
    row = session.scalar(select(NetworkClearance).where(NetworkClearance.user_id == user.id))
    if row is None:
        session.add(
            NetworkClearance(
                user_id=user.id, level=level, granted_by=granter.username, granted_at=_now()
            )
        )
    else:
        row.level, row.granted_by, row.granted_at = level, granter.username, _now()
    session.flush()
    _audit(session, granter, "network.clearance.grant", username, {"level": level})


def _history(session: Session, who: Principal) -> tuple[dict[tuple[str, str], int], float]:
    """Incident counts per (station, category) of the public disruptions, and the years covered."""
    from perron.access.agreements import viewer_for
    from perron.registry.queries import Filters, aggregate

    categories = sorted({c for k in THREATS.values() for c in k.categories})
    viewer = viewer_for(session, who.party_code, who.role, who.username)
    filters = Filters(categories=tuple(categories), owners=("rdt",), synthetic=False)
    counts: dict[tuple[str, str], int] = {}
    for cell in aggregate(session, viewer, "analysis", ("station", "category"), filters).cells:
        if cell.get("station") and cell.get("count"):
            counts[(str(cell["station"]), str(cell["category"]))] = int(cell["count"])
    years_cells = aggregate(session, viewer, "analysis", ("year",), filters).cells
    years = float(len([c for c in years_cells if c.get("year")])) or 1.0
    return counts, years


def compute_register(session: Session, who: Principal) -> dict[str, int]:
    """(Re)compute the register entries that the incident history supports (edit clearance).

    Entries compiled by hand are never overwritten; computed entries keep their status and
    measures, and get fresh likelihood and impact.
    """
    _require_register(session, who, "edit")
    counts, years = _history(session, who)
    crit = analysis.criticality(DEFAULT_WINDOW)
    network = load_network()
    assessments = assess(
        counts,
        years,
        {f"{x.from_code}-{x.to_code}": x.passenger_hours_lost_per_hour for x in crit.links},
        {x.code: x.passenger_hours_lost_per_hour for x in crit.stations},
        {link.key: link.ends for link in network.links},
    )
    per_kind: dict[str, int] = {}
    kept = []
    for a in assessments:  # ranked by risk: keep the top of every threat kind
        per_kind[a.threat] = per_kind.get(a.threat, 0) + 1
        if per_kind[a.threat] <= REGISTER_PER_THREAT:
            kept.append(a)
    assessments = kept
    existing = {
        (t.asset_kind, t.asset_ref, t.threat): t for t in session.scalars(select(NetworkThreat))
    }
    created = updated = 0
    for a in assessments:
        row = existing.get((a.asset_kind, a.asset_ref, a.threat))
        if row is not None and row.hand_compiled:
            continue
        if row is None:
            session.add(
                NetworkThreat(
                    asset_kind=a.asset_kind,
                    asset_ref=a.asset_ref,
                    threat=a.threat,
                    likelihood=a.likelihood,
                    likelihood_basis=a.likelihood_basis,
                    incidents=a.incidents,
                    impact=a.impact,
                    impact_basis=a.impact_basis,
                    owner_party=THREATS[a.threat].default_owner,
                    status="open",
                    hand_compiled=False,
                    created_by=who.username,
                    updated_at=_now(),
                )
            )
            created += 1
        else:
            row.likelihood, row.likelihood_basis = a.likelihood, a.likelihood_basis
            row.impact, row.impact_basis, row.incidents = a.impact, a.impact_basis, a.incidents
            row.updated_at = _now()
            updated += 1
    session.flush()
    summary = {"created": created, "updated": updated, "incident_cells": len(counts)}
    _audit(session, who, "network.register.compute", "threat register", summary)
    return summary


def _check_owner(session: Session, owner: str) -> None:
    if session.get(Party, owner) is None:
        raise NetworkDataError(f"owner {owner!r}: unknown party")


def _check_asset(kind: str, ref: str) -> str:
    network = load_network()
    if kind not in ASSET_KINDS:
        raise NetworkDataError(f"asset kind {kind!r}: expected one of {', '.join(ASSET_KINDS)}")
    if kind == "link":
        return network.parse_link(ref).key
    if kind == "station":
        code = ref.strip().upper()
        if code not in network.stations:
            raise NetworkDataError(f"station {ref!r}: unknown station code")
        return code
    if not ref.isdigit() or len(ref) > 9:
        raise NetworkDataError(f"level crossing {ref!r}: expected its numeric id")
    return ref


def _class(name: str, value: int) -> int:
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise NetworkDataError(f"{name} {value!r}: expected 1 to 5")
    return value


def add_threat(
    session: Session,
    who: Principal,
    asset_kind: str,
    asset_ref: str,
    threat: str,
    likelihood: int,
    impact: int,
    basis: str,
    owner: str = "prorail",
    status: str = "open",
) -> int:
    """Add an entry compiled by hand (edit clearance); it is labelled so wherever shown."""
    _require_register(session, who, "edit")
    ref = _check_asset(asset_kind, asset_ref)
    if threat not in THREATS:
        raise NetworkDataError(f"threat {threat!r}: expected one of {', '.join(THREATS)}")
    if status not in STATUSES:
        raise NetworkDataError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
    _check_owner(session, owner)
    basis = basis.strip()[:2000] or HAND_COMPILED_NOTE
    exists = session.scalar(
        select(NetworkThreat.id).where(
            NetworkThreat.asset_kind == asset_kind,
            NetworkThreat.asset_ref == ref,
            NetworkThreat.threat == threat,
        )
    )
    if exists is not None:
        raise NetworkDataError(
            f"{threat} at {asset_kind} {ref} is already in the register (#{exists})"
        )
    row = NetworkThreat(
        asset_kind=asset_kind,
        asset_ref=ref,
        threat=threat,
        likelihood=_class("likelihood", likelihood),
        likelihood_basis=f"{HAND_COMPILED_NOTE}: {basis}",
        incidents=0,
        impact=_class("impact", impact),
        impact_basis=f"{HAND_COMPILED_NOTE}: {basis}",
        owner_party=owner,
        status=status,
        hand_compiled=True,
        created_by=who.username,
        updated_at=_now(),
    )
    session.add(row)
    session.flush()
    _audit(session, who, "network.register.add", f"{asset_kind} {ref} {threat}", {"id": row.id})
    return row.id


def add_measure(
    session: Session,
    who: Principal,
    threat_id: int,
    description: str,
    owner: str,
    status: str = "planned",
    due: date | None = None,
    hand_compiled: bool = True,
) -> int:
    """Add a measure against a register entry (edit clearance)."""
    _require_register(session, who, "edit")
    threat = session.get(NetworkThreat, threat_id)
    if threat is None:
        raise NotFound(f"threat #{threat_id} is not in the register")
    description = description.strip()
    if not description or len(description) > 2000:
        raise NetworkDataError("measure description: 1 to 2000 characters")
    if status not in MEASURE_STATUSES:
        raise NetworkDataError(f"status {status!r}: expected one of {', '.join(MEASURE_STATUSES)}")
    _check_owner(session, owner)
    row = NetworkMeasure(
        threat_id=threat_id,
        description=description,
        owner_party=owner,
        status=status,
        due=due,
        hand_compiled=hand_compiled,
        created_by=who.username,
        created_at=_now(),
    )
    session.add(row)
    if threat.status == "open":
        threat.status = "mitigating"
    session.flush()
    _audit(session, who, "network.register.measure", f"threat #{threat_id}", {"id": row.id})
    return row.id


@dataclass(frozen=True)
class RegisterEntry:
    id: int
    asset_kind: str
    asset_ref: str
    threat: str
    threat_label_nl: str
    threat_label_en: str
    likelihood: int
    impact: int
    risk: int
    incidents: int
    likelihood_basis: str
    impact_basis: str
    owner_party: str
    status: str
    hand_compiled: bool
    measures: list[dict[str, Any]]
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Register:
    entries: list[RegisterEntry]
    matrix: list[list[int]]
    clearance: str
    note: str = (
        "Likelihood from the incident history (public disruptions) at or near the asset; impact "
        "from the criticality analysis (ESTIMATE). Entries and measures marked 'compiled by "
        "hand' are assessments, not data."
    )

    def as_json(self) -> dict[str, Any]:
        return {
            "entries": [e.__dict__ for e in self.entries],
            "matrix": self.matrix,
            "clearance": self.clearance,
            "note": self.note,
        }


def _position(kind: str, ref: str) -> tuple[float | None, float | None]:
    network = load_network()
    if kind == "station" and ref in network.stations:
        s = network.stations[ref]
        return s.lat, s.lon
    if kind == "link":
        a, _, b = ref.partition("-")
        if a in network.stations and b in network.stations:
            sa, sb = network.stations[a], network.stations[b]
            return (sa.lat + sb.lat) / 2, (sa.lon + sb.lon) / 2
    return None, None


def read_register(
    session: Session, who: Principal, threat: str | None = None, limit: int = 500
) -> Register:
    """The register ranked by risk, with measures and the risk matrix (read clearance, audited)."""
    _require_register(session, who, "read")
    if threat is not None and threat not in THREATS:
        raise NetworkDataError(f"threat {threat!r}: expected one of {', '.join(THREATS)}")
    limit = max(1, min(limit, 5000))
    query = select(NetworkThreat)
    if threat is not None:
        query = query.where(NetworkThreat.threat == threat)
    rows = list(session.scalars(query))
    measures: dict[int, list[dict[str, Any]]] = {}
    for m in session.scalars(select(NetworkMeasure).order_by(NetworkMeasure.id)):
        measures.setdefault(m.threat_id, []).append(
            {
                "id": m.id,
                "description": m.description,
                "owner_party": m.owner_party,
                "status": m.status,
                "due": m.due.isoformat() if m.due else None,
                "hand_compiled": m.hand_compiled,
            }
        )
    rows.sort(key=lambda t: (-t.likelihood * t.impact, -t.incidents, t.asset_ref, t.threat))
    entries = []
    for t in rows[:limit]:
        lat, lon = _position(t.asset_kind, t.asset_ref)
        kind = THREATS.get(t.threat)
        entries.append(
            RegisterEntry(
                id=t.id,
                asset_kind=t.asset_kind,
                asset_ref=t.asset_ref,
                threat=t.threat,
                threat_label_nl=kind.label_nl if kind else t.threat,
                threat_label_en=kind.label_en if kind else t.threat,
                likelihood=t.likelihood,
                impact=t.impact,
                risk=t.likelihood * t.impact,
                incidents=t.incidents,
                likelihood_basis=t.likelihood_basis,
                impact_basis=t.impact_basis,
                owner_party=t.owner_party,
                status=t.status,
                hand_compiled=t.hand_compiled,
                measures=measures.get(t.id, []),
                lat=None if lat is None or not math.isfinite(lat) else lat,
                lon=lon,
            )
        )
    clearance = clearance_of(session, who) or "read"
    _audit(
        session,
        who,
        "network.register.read",
        f"threat register ({threat or 'all'})",
        {"entries": len(entries), "threat": threat},
    )
    return Register(
        entries=entries,
        matrix=risk_matrix([(t.likelihood, t.impact) for t in rows]),
        clearance=clearance,
    )

"""Service functions of effect evaluation: one per user action.

Who may do what: evaluating (a panel, a measure, a registry outcome) is analysis or
accountability work, open to the roles that may state those purposes (admin, analyst, viewer);
storing an evaluation is for admins and analysts. A stored evaluation belongs to the party of
whoever stored it and is shown to that party only. Every stored evaluation is written to the
audit trail.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.policy import Level, Purpose, check_role
from perron.domain.parties import Role
from perron.effect import estimators
from perron.effect.checks import Options
from perron.effect.panel import Panel, PanelError, month_index
from perron.effect.result import Evaluation
from perron.store.tables.effect import EffectEvaluation

WRITE_ROLES = frozenset({"admin", "analyst"})
MAX_TITLE = 200


class Actor(Protocol):
    """Who acts: a :class:`perron.access.accounts.Principal` or anything with these fields."""

    @property
    def username(self) -> str: ...
    @property
    def party_code(self) -> str: ...
    @property
    def role(self) -> Any: ...


class EffectError(ValueError):
    """A request that cannot be evaluated as asked; the message says why."""


class Forbidden(PermissionError):
    pass


class NotFound(LookupError):
    pass


@dataclass
class StoredEvaluation:
    id: int
    created_at: datetime
    created_by: str
    party: str
    title: str
    source: str
    measure_id: str | None
    method: str
    outcome: str
    att: float
    relative: float | None
    credible: bool
    synthetic: bool
    panel_sha256: str
    result: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "title": self.title,
            "source": self.source,
            "measure_id": self.measure_id,
            "method": self.method,
            "outcome": self.outcome,
            "att": self.att,
            "relative": self.relative,
            "credible": self.credible,
            "synthetic": self.synthetic,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "panel_sha256": self.panel_sha256, "result": self.result}


def _role(actor: Actor) -> str:
    return str(getattr(actor.role, "value", actor.role))


def _may_evaluate(actor: Actor, purpose: Purpose | str) -> Purpose:
    try:
        p = Purpose(purpose)
    except ValueError:
        raise EffectError(
            f"unknown purpose {purpose!r}; choose analysis or accountability"
        ) from None
    if p not in (Purpose.ANALYSIS, Purpose.ACCOUNTABILITY):
        raise Forbidden("effect evaluation is analysis or accountability work, not operational")
    try:
        role = Role(_role(actor))
    except ValueError:
        raise Forbidden(f"unknown role {_role(actor)!r}") from None
    reason = check_role(role, p, Level.AGGREGATE)
    if reason:
        raise Forbidden(reason)
    return p


def result_dict(ev: Evaluation) -> dict[str, Any]:
    """The evaluation as JSON-safe values (no NaN or infinity)."""

    def clean(v: Any) -> Any:
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    out: dict[str, Any] = clean(ev.as_dict())
    return out


def evaluate_panel(
    actor: Actor,
    panel: Panel,
    *,
    purpose: Purpose | str = Purpose.ANALYSIS,
    method: str = "auto",
    options: Options | None = None,
) -> Evaluation:
    """Evaluate a given panel (units × months, with each unit's start)."""
    _may_evaluate(actor, purpose)
    try:
        return estimators.run(panel, method, options)
    except PanelError as exc:
        raise EffectError(str(exc)) from None


def panel_digest(panel: Panel) -> str:
    """The SHA-256 of the panel as CSV: the same data gives the same digest."""
    return hashlib.sha256(panel.to_csv().encode()).hexdigest()


def save_evaluation(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    *,
    title: str,
    source: str,
    panel_sha256: str,
    measure_id: str | None = None,
    measure: dict[str, Any] | None = None,
    purpose: Purpose | str = Purpose.ANALYSIS,
) -> StoredEvaluation:
    """Store an evaluation for the actor's party, with an audit entry (``measure``: the deal
    measure it evaluates, kept with the result as the catalogue's local evidence)."""
    p = _may_evaluate(actor, purpose)
    if _role(actor) not in WRITE_ROLES:
        raise Forbidden("only admins and analysts store evaluations")
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise EffectError(f"title: give one of 1–{MAX_TITLE} characters")
    if source not in ("panel", "measure", "registry", "demo"):
        raise EffectError(f"unknown source {source!r}")
    result = result_dict(evaluation)
    if measure is not None:
        result["measure"] = measure
    row = EffectEvaluation(
        created_at=datetime.now(UTC),
        created_by=actor.username,
        party=actor.party_code,
        title=title,
        source=source,
        measure_id=measure_id,
        method=evaluation.method,
        outcome=evaluation.outcome[:120],
        att=evaluation.att,
        relative=result["relative"],
        credible=evaluation.credible,
        synthetic=evaluation.synthetic,
        panel_sha256=panel_sha256,
        result_json=json.dumps(result, ensure_ascii=False),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        party=actor.party_code,
        purpose=p.value,
        action="effect.evaluation.store",
        subject=f"effect_evaluation:{row.id}",
        detail={
            "method": row.method,
            "source": source,
            "measure_id": measure_id,
            "panel_sha256": panel_sha256,
            "credible": row.credible,
        },
    )
    return _stored(row)


def _stored(row: EffectEvaluation) -> StoredEvaluation:
    return StoredEvaluation(
        id=row.id,
        created_at=row.created_at,
        created_by=row.created_by,
        party=row.party,
        title=row.title,
        source=row.source,
        measure_id=row.measure_id,
        method=row.method,
        outcome=row.outcome,
        att=row.att,
        relative=row.relative,
        credible=row.credible,
        synthetic=row.synthetic,
        panel_sha256=row.panel_sha256,
        result=json.loads(row.result_json),
    )


def list_evaluations(
    session: Session, actor: Actor, purpose: Purpose | str = Purpose.ANALYSIS, limit: int = 100
) -> list[StoredEvaluation]:
    """The stored evaluations of the actor's party, newest first."""
    _may_evaluate(actor, purpose)
    limit = max(1, min(int(limit), 1000))
    rows = session.scalars(
        select(EffectEvaluation)
        .where(EffectEvaluation.party == actor.party_code)
        .order_by(EffectEvaluation.created_at.desc(), EffectEvaluation.id.desc())
        .limit(limit)
    )
    return [_stored(r) for r in rows]


def get_evaluation(
    session: Session, actor: Actor, evaluation_id: int, purpose: Purpose | str = Purpose.ANALYSIS
) -> StoredEvaluation:
    """One stored evaluation of the actor's party (another party's is reported as absent)."""
    _may_evaluate(actor, purpose)
    row = session.get(EffectEvaluation, evaluation_id) if 0 < evaluation_id < 2**31 else None
    if row is None or row.party != actor.party_code:
        raise NotFound(f"no evaluation {evaluation_id}")
    return _stored(row)


def evaluate_measure(
    session: Session,
    actor: Actor,
    measure_id: int,
    *,
    purpose: Purpose | str = Purpose.ANALYSIS,
    method: str = "auto",
    options: Options | None = None,
    months_before: int = 48,
    until: str | None = None,
    harm: bool = True,
) -> tuple[Evaluation, Panel, dict[str, Any]]:
    """Evaluate a measure of a station deal: its station and actual start date → a panel of
    the incidents it targets (harm-weighted where harm weights exist) at every station by
    month → an evaluation. Stations with other started measures of the same kind are left out
    of the comparison."""
    from perron.effect.outcomes import measure_panel

    p = _may_evaluate(actor, purpose)
    if not 6 <= months_before <= 240:
        raise EffectError("months_before must be between 6 and 240")
    if until is not None:
        try:
            month_index(until)
        except ValueError as exc:
            raise EffectError(f"until: {exc}") from None
    try:
        panel, info = measure_panel(
            session, actor, p, measure_id, months_before=months_before, until=until, harm=harm
        )
    except PanelError as exc:
        raise EffectError(str(exc)) from None
    try:
        ev = estimators.run(panel, method, options)
    except PanelError as exc:
        raise EffectError(f"measure {measure_id}: {exc}") from None
    return ev, panel, info


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass
class Power:
    """What a planned measure could show: the smallest effect an evaluation would see."""

    method: str
    units: list[str]
    months_after: int
    mde: float | None
    mde_relative: float | None
    counterfactual: float
    note_nl: str
    note_en: str

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def plan_power(
    actor: Actor,
    panel: Panel,
    units: list[str],
    *,
    months_after: int = 12,
    purpose: Purpose | str = Purpose.ANALYSIS,
    method: str = "auto",
    options: Options | None = None,
) -> Power:
    """The minimum detectable effect (80 % power, 5 % two-sided) of a measure at ``units``
    before it starts: the evaluation is rehearsed on the history, as if the measure had
    started ``months_after`` months before the end of the data (without any effect); units
    already treated in the panel are left out."""
    import numpy as np

    _may_evaluate(actor, purpose)
    if not units:
        raise EffectError("name at least one unit (station) for the planned measure")
    unknown = [u for u in units if u not in panel.units]
    if unknown:
        raise EffectError(f"unknown unit(s) in the panel: {', '.join(unknown[:5])}")
    t = len(panel.periods)
    if not 1 <= months_after <= t - 6:
        raise EffectError(f"months_after must be between 1 and {t - 6} for this panel")
    keep = np.array(
        [i for i, u in enumerate(panel.units) if panel.start[i] < 0 or u in units], dtype=np.int64
    )
    hist = panel.subset(keep)
    hist.start = np.array(
        [t - months_after if u in units else -1 for u in hist.units], dtype=np.int64
    )
    # the history before a real start of the planned units only
    opts = options or Options(placebos=39)
    try:
        ev = estimators.run(hist, method, opts)
    except PanelError as exc:
        raise EffectError(str(exc)) from None
    mde_rel = ev.mde_relative
    nl = (
        f"Met {len(units)} station(s) en {months_after} maanden na de start is een effect "
        f"vanaf ongeveer {mde_rel:.0%} zichtbaar (80 % kans, 5 % onbetrouwbaarheid)."
        if mde_rel is not None
        else "Niet te bepalen met deze gegevens."
    )
    en = (
        f"With {len(units)} station(s) and {months_after} months after the start an effect "
        f"of about {mde_rel:.0%} or more can be seen (80 % power, 5 % significance)."
        if mde_rel is not None
        else "Cannot be determined from these data."
    )
    return Power(ev.method, list(units), months_after, ev.mde, mde_rel, ev.counterfactual, nl, en)


def measure_evidence(
    session: Session,
    actor: Actor,
    measure_code: str | None = None,
    purpose: Purpose | str = Purpose.ANALYSIS,
) -> list[dict[str, Any]]:
    """Perron's own evidence per catalogue measure: the stored evaluations of deal measures
    (credible or not, with their relative effect and interval) beside the literature's
    estimate, for the catalogue and the optimiser. Synthetic (demo) evaluations are marked."""
    _may_evaluate(actor, purpose)
    out = []
    for e in list_evaluations(session, actor, purpose, limit=1000):
        info = e.result.get("measure") or {}
        code = info.get("measure")
        if e.source != "measure" or not code or (measure_code and code != measure_code):
            continue
        r = e.result
        out.append(
            {
                "measure_code": code,
                "evaluation_id": e.id,
                "stations": info.get("stations", []),
                "start": info.get("actual_start"),
                "relative": r.get("relative"),
                "relative_ci_low": r.get("relative_ci_low"),
                "relative_ci_high": r.get("relative_ci_high"),
                "credible": e.credible,
                "synthetic": e.synthetic,
                "method": e.method,
            }
        )
    return out

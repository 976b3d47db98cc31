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
    outcome: str = "incidents",
    step: str = "acknowledge",
) -> tuple[Evaluation, Panel, dict[str, Any]]:
    """Evaluate a measure of a station deal: its station and actual start date → a panel of
    the outcome (by default the incidents it targets, harm-weighted where harm weights exist;
    or any registered outcome kind: ``disruptions``, ``alerts``, ``response_time`` to ``step``,
    ``evening_safety``) at every station by month or survey quarter → an evaluation. Stations
    with other started measures of the same kind are left out of the comparison. On a quarterly
    panel the event study holds out the last four quarters before the start (one year, as the
    twelve months of a monthly panel)."""
    from dataclasses import replace

    from perron.effect.outcomes import OUTCOMES, measure_panel

    p = _may_evaluate(actor, purpose)
    if outcome not in OUTCOMES:
        raise EffectError(f"unknown outcome {outcome!r}; choose {', '.join(sorted(OUTCOMES))}")
    if not 6 <= months_before <= 240:
        raise EffectError("months_before must be between 6 and 240")
    if until is not None:
        try:
            month_index(until)
        except ValueError as exc:
            raise EffectError(f"until: {exc}") from None
    try:
        panel, info = measure_panel(
            session,
            actor,
            p,
            measure_id,
            months_before=months_before,
            until=until,
            harm=harm,
            outcome=outcome,
            step=step,
        )
    except PanelError as exc:
        raise EffectError(str(exc)) from None
    opts = options or Options()
    if panel.period_kind == "quarter" and opts.leads == Options().leads:
        opts = replace(opts, leads=4)
    try:
        ev = estimators.run(panel, method, opts)
    except PanelError as exc:
        raise EffectError(f"measure {measure_id}: {exc}") from None
    return ev, panel, info


def measure_title(info: dict[str, Any]) -> str:
    """The default title of a stored evaluation of a deal measure (its outcome when that is not
    the targeted incidents)."""
    title = f"{info['measure']} at {', '.join(info['stations'])} ({info['deal']})"
    kind = info.get("outcome_kind", "incidents")
    return title if kind == "incidents" else f"{title}: {kind.replace('_', ' ')}"


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


def _power_notes(n_units: int, months_after: int, mde_rel: float | None) -> tuple[str, str]:
    nl = (
        f"Met {n_units} station(s) en {months_after} maanden na de start is een effect "
        f"vanaf ongeveer {mde_rel:.0%} zichtbaar (80 % kans, 5 % onbetrouwbaarheid)."
        if mde_rel is not None
        else "Niet te bepalen met deze gegevens."
    )
    en = (
        f"With {n_units} station(s) and {months_after} months after the start an effect "
        f"of about {mde_rel:.0%} or more can be seen (80 % power, 5 % significance)."
        if mde_rel is not None
        else "Cannot be determined from these data."
    )
    return nl, en


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
    nl, en = _power_notes(len(units), months_after, mde_rel)
    return Power(ev.method, list(units), months_after, ev.mde, mde_rel, ev.counterfactual, nl, en)


def plan_measure_power(
    session: Session,
    actor: Actor,
    measure_id: int,
    *,
    months_after: int = 12,
    outcome: str = "incidents",
    step: str = "acknowledge",
    months_before: int = 48,
    purpose: Purpose | str = Purpose.ANALYSIS,
    options: Options | None = None,
) -> dict[str, Any]:
    """Before a deal measure starts: the smallest effect an evaluation of it could see, on the
    outcome of choice, rehearsed on the last ``months_before`` months of the store's data
    (``months_after``: months, or for the monitor quarters, after the start)."""
    from perron.effect.outcomes import OUTCOMES, planned_panel

    p = _may_evaluate(actor, purpose)
    if outcome not in OUTCOMES:
        raise EffectError(f"unknown outcome {outcome!r}; choose {', '.join(sorted(OUTCOMES))}")
    if not 12 <= months_before <= 240:
        raise EffectError("months_before must be between 12 and 240")
    try:
        panel, info = planned_panel(
            session, actor, p, measure_id, months_before=months_before, outcome=outcome, step=step
        )
    except PanelError as exc:
        raise EffectError(str(exc)) from None
    opts = options or Options(placebos=39)
    after = months_after
    if panel.period_kind == "quarter":  # survey quarters: whole quarters after the start
        from dataclasses import replace

        opts = replace(opts, leads=min(opts.leads, 4))
        after = max(1, months_after // 3)
    power = plan_power(
        actor, panel, list(info["stations"]), months_after=after, purpose=p, options=opts
    )
    if panel.period_kind == "quarter":
        power.months_after = after * 3
        power.note_nl, power.note_en = _power_notes(
            len(power.units), power.months_after, power.mde_relative
        )
    return {**power.as_dict(), "measure": info}


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


def _log_ratio(reduction: float) -> float | None:
    """A reduction (0.16: 16 % fewer) as the log of the ratio with/without the measure."""
    return math.log(1.0 - reduction) if reduction < 1.0 else None


def catalogue_with_local_evidence(
    session: Session,
    actor: Actor,
    catalogue: Any = None,
    purpose: Purpose | str = Purpose.ANALYSIS,
) -> Any:
    """The measure catalogue with Perron's own evidence folded in, for the optimiser
    (:func:`perron.programme.portfolio.build_instance` takes it as its ``catalogue``).

    For every catalogue measure with credible, non-synthetic stored evaluations of deal
    measures, the literature's effect and Perron's estimates are pooled by inverse-variance
    weighting on the log scale of the ratio with/without the measure (the standard error of
    each from its 95 % interval); the pooled estimate and interval replace the measure's effect
    and its ``evidence`` says so. Evaluations that are not credible, synthetic (demo) or have no
    interval are left out: they are shown beside the literature (:func:`measure_evidence`),
    never fed to the optimiser."""
    from dataclasses import replace

    from perron.programme import load_catalogue
    from perron.programme.catalogue import Effect

    cat = catalogue or load_catalogue()
    local: dict[str, list[tuple[float, float]]] = {}
    for row in measure_evidence(session, actor, None, purpose):
        lo, hi, rel = row["relative_ci_low"], row["relative_ci_high"], row["relative"]
        if not row["credible"] or row["synthetic"] or None in (lo, hi, rel):
            continue
        if min(lo, hi, rel) <= -1.0 or hi <= lo:
            continue
        se = (math.log1p(hi) - math.log1p(lo)) / (2 * 1.959963984540054)
        local.setdefault(row["measure_code"], []).append((math.log1p(rel), se))
    measures = []
    for m in cat.measures:
        found = local.get(m.code)
        lit = [_log_ratio(x) for x in (m.effect.estimate, m.effect.low, m.effect.high)]
        if not found or None in lit:
            measures.append(m)
            continue
        est, lo_red, hi_red = lit
        assert est is not None and lo_red is not None and hi_red is not None
        # a larger reduction is a smaller ratio: the literature's "high" is the lower log ratio
        se_lit = abs(lo_red - hi_red) / (2 * 1.959963984540054)
        parts = [(est, se_lit), *found]
        w = [1.0 / max(se, 1e-9) ** 2 for _, se in parts]
        mean = sum(wi * x for wi, (x, _) in zip(w, parts, strict=True)) / sum(w)
        se = math.sqrt(1.0 / sum(w))
        pooled = Effect(
            round(1.0 - math.exp(mean), 6),
            round(1.0 - math.exp(mean + 1.959963984540054 * se), 6),
            round(1.0 - math.exp(mean - 1.959963984540054 * se), 6),
        )
        measures.append(
            replace(
                m,
                effect=pooled,
                evidence=f"{m.evidence} + Perron's own evaluations ({len(found)})",
            )
        )
    return replace(cat, measures=tuple(measures))

"""The optimiser on the real programme: stations from the need index, measures from the
catalogue, measures of running deals fixed.

Harm of a station: the harm-weighted incidents of the latest registry year (the need index's
``harm``). A measure removes its effect times the share of that harm in the categories it
targets (cameras work on social-safety incidents, not on collisions at level crossings). A
measure applies where the station has one of its zones; its cost is scaled by the station's size
class. When the registry holds nothing the index score stands in for the harm (every measure then
works on all of it) and the result says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.programme.catalogue import Catalogue, load_catalogue
from perron.programme.deals import running_measures
from perron.programme.evidence import fingerprint, with_evidence
from perron.programme.need import need_index
from perron.programme.optimiser import (
    Instance,
    MeasureOption,
    StationProblem,
    frontier,
    optimise,
)
from perron.store.tables.reference import Zone

#: the budgets of the efficient frontier: € 0 to € 20 M in steps of € 1 M
FRONTIER_BUDGETS = tuple(float(b) * 1_000_000 for b in range(21))


def _targeted_share(harm_by_cat: dict[str, float], measure: Any) -> float:
    total = sum(harm_by_cat.values())
    if total <= 0:
        return 0.0
    return sum(v for k, v in harm_by_cat.items() if measure.targets_category(k)) / total


def build_instance(
    session: Session,
    actor: Any,
    budget: float,
    catalogue: Catalogue | None = None,
    need: dict[str, Any] | None = None,
    max_measures: int | None = None,
    stations: list[str] | None = None,
) -> tuple[Instance, dict[str, Any]]:
    """The programme as an optimisation problem, and facts about how it was built."""
    cat = catalogue or load_catalogue()
    need = need or need_index(session, actor, resamples=0)
    zones: dict[str, set[str]] = {}
    for st, z in session.execute(select(Zone.station_code, Zone.code)).all():
        zones.setdefault(st, set()).add(z)
    fixed = running_measures(session)
    use_harm = any(i["harm"] > 0 for i in need["items"])
    keep = {s.upper() for s in stations} if stations else None
    measures = tuple(
        MeasureOption(
            m.code,
            cat.cost(m),
            m.effect.estimate,
            m.effect.low,
            m.effect.high,
            None,
            m.requires,
        )
        for m in cat.measures
    )
    problems = []
    for item in need["items"]:
        code = item["station"]
        if keep is not None and code not in keep:
            continue
        have = zones.get(code)
        applicable = tuple(m.code for m in cat.measures if have is None or set(m.zones) & have)
        costs = {m.code: cat.cost(m, item["size_class"]) for m in cat.measures}
        if use_harm:
            harm = float(item["harm"])
            effects = {
                m.code: m.effect.estimate * _targeted_share(item["harm_by_category"], m)
                for m in cat.measures
            }
            lows = {
                m.code: m.effect.low * _targeted_share(item["harm_by_category"], m)
                for m in cat.measures
            }
        else:
            harm = float(item["score"])
            effects, lows = {}, {}
        problems.append(
            StationProblem(
                code,
                harm,
                applicable,
                tuple(f for f in fixed.get(code, []) if cat.get(f) is not None),
                costs,
                effects,
                lows,
                None,
                None,
            )
        )
    inst = Instance(float(budget), tuple(problems), measures, {}, max_measures)
    facts = {
        "harm_basis": "registry harm (harm-weighted incidents, latest year)"
        if use_harm
        else "need-index score (the registry holds no incidents at stations)",
        "catalogue_version": cat.version,
        "stations": len(problems),
        "measures": len(measures),
        "fixed": {k: v for k, v in fixed.items() if keep is None or k in keep},
        "max_measures": max_measures,
        "need_notes": need.get("notes", []),
        "synthetic": need.get("synthetic"),
    }
    return inst, facts


def _decorate(result: dict[str, Any], need: dict[str, Any], cat: Catalogue) -> None:
    pos = {i["station"]: i for i in need["items"]}
    for key in ("choices",):
        for c in result.get(key, []):
            info = pos.get(c["station"], {})
            c["name"] = info.get("name")
            c["lat"], c["lng"] = info.get("lat"), info.get("lng")
            c["need_rank"] = info.get("rank")
            c["measure_names"] = [
                (cat.get(m).name_nl if cat.get(m) else m)  # type: ignore[union-attr]
                for m in c["measures"]
            ]


_BUILT: dict[tuple[Any, ...], tuple[Any, Instance, dict[str, Any], Any, Any]] = {}


def _built(
    session: Session, actor: Any, budget: float, max_measures: int | None
) -> tuple[Any, Instance, dict[str, Any], Any, Any, Catalogue]:
    """The instance and its (nominal and robust) options, kept while the need index (itself
    remembered per data version) and the running deals stay the same."""
    from perron.programme.optimiser import build_options

    cat = with_evidence(session, actor, load_catalogue())
    need = need_index(session, actor, resamples=0)
    fixed = tuple(sorted((k, tuple(v)) for k, v in running_measures(session).items()))
    key = (id(need), max_measures, fixed, cat.version, cat.path, fingerprint(cat))
    hit = _BUILT.get(key)
    if hit is None or hit[0] is not need:
        inst, facts = build_instance(session, actor, budget, cat, need, max_measures)
        hit = (need, inst, facts, build_options(inst), build_options(inst, robust=True))
        if len(_BUILT) >= 4:
            _BUILT.pop(next(iter(_BUILT)))
        _BUILT[key] = hit
    need, inst, facts, opts, r_opts = hit
    inst = Instance(
        float(budget), inst.stations, inst.measures, inst.line_limits, inst.max_measures
    )
    return need, inst, facts, opts, r_opts, cat


def optimise_programme(
    session: Session,
    actor: Any,
    budget: float,
    max_measures: int | None = None,
    with_frontier: bool = False,
) -> dict[str, Any]:
    """The best portfolio of measures under ``budget`` for the real stations and catalogue,
    with the greedy baseline, the robust variant and (optionally) the efficient frontier."""
    from perron.programme.errors import ProgrammeError

    if not 0 <= budget <= 1e10:
        raise ProgrammeError("budget: between 0 and 10,000,000,000 euros")
    need, inst, facts, opts, r_opts, cat = _built(session, actor, budget, max_measures)
    result = optimise(inst, opts=opts, robust_opts=r_opts)
    _decorate(result, need, cat)
    if "robust" in result:
        _decorate(result["robust"], need, cat)
    result["instance"] = facts
    if with_frontier:
        result["frontier"] = frontier(inst, FRONTIER_BUDGETS, opts=opts)
    return result


def programme_frontier(
    session: Session,
    actor: Any,
    budgets: tuple[float, ...] = FRONTIER_BUDGETS,
    max_measures: int | None = None,
) -> dict[str, Any]:
    """Harm avoided against budget (exact and greedy, and robust) for the real programme."""
    need, inst, facts, opts, r_opts, _cat = _built(session, actor, max(budgets), max_measures)
    key = (id(need), max_measures, tuple(budgets), id(opts))
    if key not in _FRONTIERS:
        if len(_FRONTIERS) >= 4:
            _FRONTIERS.pop(next(iter(_FRONTIERS)))
        _FRONTIERS[key] = {
            "points": frontier(inst, budgets, opts=opts),
            "robust": frontier(inst, budgets, robust=True, greedy=False, opts=r_opts),
            "instance": facts,
        }
    return _FRONTIERS[key]


_FRONTIERS: dict[tuple[Any, ...], dict[str, Any]] = {}

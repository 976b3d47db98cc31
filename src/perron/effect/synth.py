"""Synthetic control for one or a few treated stations, with placebo (permutation) inference.

Each treated unit gets a weighted mix of never-treated donors (weights ≥ 0 summing to 1, fitted
by non-negative least squares with the sum as a heavily weighted extra row). Counts are fitted
on each unit's outcome relative to its own mean before the start, so the counterfactual is
multiplicative (a station twice as busy as its donors keeps being twice as busy); other outcomes
on deviations from the mean (a level shift). The last ``leads`` months before the start are held
out of the fit and serve as the pre-trend test.

Inference is by placebo in space: every donor in turn is treated as if it had the measure, and
the treated unit's effect is compared with the placebo effects (Abadie, Diamond & Hainmueller).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from perron.effect import checks as ck
from perron.effect.panel import FloatArray, IntArray, Panel, PanelError
from perron.effect.result import Check, Evaluation, EventPoint

MAX_DONORS = 20
MIN_FIT = 6

ASSUME_NL = (
    "Synthetische controle: per station met maatregel een gewogen mix van vergelijkbare "
    "stations zonder maatregel die vóór de start hetzelfde verloop had; aangenomen wordt dat die "
    "mix het verloop zonder maatregel ook daarna volgt, en dat de donorstations zelf niet door de "
    "maatregel geraakt worden. Onzekerheid via placebo's: elk donorstation om de beurt als "
    "'behandeld'."
)
ASSUME_EN = (
    "Synthetic control: for each treated station a weighted mix of comparable stations without "
    "the measure that followed the same course before the start; it assumes the mix keeps "
    "following the course without the measure afterwards, and that the donor stations are not "
    "affected by the measure themselves. Uncertainty from placebos: each donor station in turn "
    "as 'treated'."
)


@dataclass
class Fit:
    weights: FloatArray  # over ``donors``
    donors: IntArray
    cf: FloatArray  # counterfactual over all periods
    fit_end: int
    start: int


def _fit(y: FloatArray, unit: int, pool: IntArray, start: int, leads: int, mult: bool) -> Fit:
    from scipy.optimize import nnls

    h = int(np.clip(start - MIN_FIT, 0, leads))
    fe = start - h
    yt = y[unit]
    pre = slice(0, fe)
    mt = float(yt[pre].mean())
    md = y[pool, pre].mean(1)
    if mult:
        ok = md > 0
        pool, md = pool[ok], md[ok]
    if len(pool) == 0:
        raise PanelError("no donor units with data before the start")
    if mult:
        if mt <= 0:
            raise PanelError(f"unit {unit}: no outcome before the start to scale from")
        xt = yt / mt
        xd = y[pool] / md[:, None]
    else:
        xt = yt - mt
        xd = y[pool] - md[:, None]
    # the MAX_DONORS donors closest in their course before the start
    if len(pool) > MAX_DONORS:
        dist = ((xd[:, pre] - xt[None, pre]) ** 2).mean(1)
        keep = np.argsort(dist)[:MAX_DONORS]
        pool, xd, md = pool[keep], xd[keep], md[keep]
    a = xd[:, pre].T
    scale = max(float(np.abs(a).max()), 1e-9)
    lam = 100.0 * scale * math.sqrt(fe)
    wgt, _ = nnls(np.vstack([a, np.full((1, len(pool)), lam)]), np.append(xt[pre], lam))
    wgt = wgt / wgt.sum() if wgt.sum() > 0 else np.full(len(pool), 1 / len(pool))
    synth = wgt @ xd
    cf = synth * mt if mult else synth + mt
    return Fit(wgt, pool, cf, fe, start)


@dataclass
class UnitStats:
    y_post: float
    cf_post: float
    n_post: int
    y_lead: float
    cf_lead: float
    gaps: dict[int, tuple[float, float]]  # e -> (y, cf)
    pre_rmspe: float
    post_rmspe: float
    level: float  # mean outcome in the fit window


def _stats(y: FloatArray, unit: int, f: Fit, mult: bool) -> UnitStats:
    yt = y[unit]
    t = len(yt)
    post = slice(f.start, t)
    lead = slice(f.fit_end, f.start)
    pre = slice(0, f.fit_end)
    if mult:  # Pearson scale: the error against the noise a count of that size has anyway
        level = max(math.sqrt(max(float(np.abs(f.cf[pre]).mean()), 1e-9)), 1e-9)
    else:
        level = max(float(np.abs(f.cf[pre]).mean()), 1e-9)
    gaps = {k - f.start: (float(yt[k]), float(f.cf[k])) for k in range(f.fit_end, t)}
    return UnitStats(
        float(yt[post].sum()),
        float(f.cf[post].sum()),
        t - f.start,
        float(yt[lead].sum()),
        float(f.cf[lead].sum()),
        gaps,
        float(np.sqrt(((yt[pre] - f.cf[pre]) ** 2).mean())) / level,
        float(np.sqrt(((yt[post] - f.cf[post]) ** 2).mean())) / level,
        float(np.abs(yt[pre]).mean()),
    )


def _recent(stats: list[UnitStats]) -> tuple[float, float]:
    """Observed and counterfactual over the last months before the start (held out)."""
    yv = cf = 0.0
    for s in stats:
        for e, (a, b) in s.gaps.items():
            if -ck.RTM_WINDOW <= e < 0:
                yv, cf = yv + a, cf + b
    return yv, cf


def _stat(yv: float, cf: float, n: int, mult: bool) -> float:
    """The statistic placebos are compared on: for counts the relative gap (observed over
    counterfactual − 1, finite also for months without incidents), else the mean gap."""
    if mult:
        return yv / cf - 1 if cf > 0 else math.nan
    return (yv - cf) / max(n, 1)


def _pool_stats(stats: list[UnitStats]) -> tuple[float, float, int, float, float]:
    return (
        sum(s.y_post for s in stats),
        sum(s.cf_post for s in stats),
        sum(s.n_post for s in stats),
        sum(s.y_lead for s in stats),
        sum(s.cf_lead for s in stats),
    )


def estimate(panel: Panel, opts: ck.Options, *, method: str = "synthetic_control") -> Evaluation:
    rng = np.random.default_rng(opts.seed)
    y = panel.y
    mult = panel.counts
    treated = panel.treated
    never = panel.never
    if len(treated) == 0:
        raise PanelError("no treated unit in the panel")
    if len(never) < 2:
        raise PanelError("synthetic control needs at least two never-treated donor units")
    if int(panel.start[treated].min()) < MIN_FIT:
        raise PanelError(
            f"synthetic control needs at least {MIN_FIT} months before each treated unit's start"
        )
    fits = [_fit(y, int(j), never, int(panel.start[j]), opts.leads, mult) for j in treated]
    tstats = [_stats(y, int(j), f, mult) for j, f in zip(treated, fits, strict=True)]
    yp, cp, npost, yl, cl = _pool_stats(tstats)
    att = (yp - cp) / npost
    stat = _stat(yp, cp, npost, mult)
    lead_stat = _stat(yl, cl, 1, mult) if cl else math.nan
    ry, rc = _recent(tstats)
    recent_stat = _stat(ry, rc, 1, mult) if rc else math.nan
    # placebos: each donor in turn, with a treated unit's start, the other donors as its pool
    cand = never.copy()
    rng.shuffle(cand)
    cand = cand[: max(opts.placebos, 0)]
    starts = panel.start[treated]
    pstats: list[UnitStats] = []
    for k, d in enumerate(cand):
        pool = never[never != d]
        try:
            f = _fit(y, int(d), pool, int(starts[k % len(starts)]), opts.leads, mult)
        except PanelError:
            continue
        pstats.append(_stats(y, int(d), f, mult))
    n_tr = len(treated)
    shrink = 1 / math.sqrt(n_tr)
    p_stat = np.array([_stat(s.y_post, s.cf_post, s.n_post, mult) for s in pstats]) * shrink
    p_lead = np.array([_stat(s.y_lead, s.cf_lead, 1, mult) for s in pstats]) * shrink
    p_recent = np.array([_stat(*_recent([s]), 1, mult) for s in pstats]) * shrink
    p_recent = p_recent[np.isfinite(p_recent)]
    p_stat = p_stat[np.isfinite(p_stat)]
    p_lead = p_lead[np.isfinite(p_lead)]
    cf_mean = cp / npost
    if len(p_stat) >= 5 and math.isfinite(stat):
        q_lo, q_hi = np.quantile(p_stat, [ck.ALPHA / 2, 1 - ck.ALPHA / 2])
        s_lo, s_hi = stat - q_hi, stat - q_lo
        sd = float(p_stat.std(ddof=1))
    else:
        s_lo = s_hi = stat
        sd = math.nan
    if mult:
        rel: float | None = stat if math.isfinite(stat) else None
        rlo: float | None = max(s_lo, -1.0) if math.isfinite(s_lo) else None
        rhi: float | None = s_hi if math.isfinite(s_hi) else None
        ci_lo = cf_mean * rlo if rlo is not None else att
        ci_hi = cf_mean * rhi if rhi is not None else att
        mde_rel = min(ck.POWER_FACTOR * sd, 1.0) if math.isfinite(sd) else None
        mde = cf_mean * mde_rel if mde_rel is not None else None
    else:
        ci_lo, ci_hi = s_lo, s_hi
        rel = att / cf_mean if cf_mean > 0 else None
        rlo = ci_lo / cf_mean if cf_mean > 0 else None
        rhi = ci_hi / cf_mean if cf_mean > 0 else None
        mde = ck.POWER_FACTOR * sd if math.isfinite(sd) else None
        mde_rel = mde / cf_mean if mde is not None and cf_mean > 0 else None
    # pre-trend (held-out months before the start) against the placebos' held-out months
    pre_p = None
    if len(p_lead) >= 5 and math.isfinite(lead_stat):
        pre_p = float((1 + np.sum(np.abs(p_lead) >= abs(lead_stat))) / (len(p_lead) + 1))
    # Abadie's post/pre RMSPE ratio p-value (placebo in space)
    ratio = np.mean([s.post_rmspe / max(s.pre_rmspe, 1e-9) for s in tstats])
    pr = np.array([s.post_rmspe / max(s.pre_rmspe, 1e-9) for s in pstats])
    placebo_p = float((1 + np.sum(pr >= ratio)) / (len(pr) + 1)) if len(pr) else None
    # event study: gaps by months since the start, simultaneous placebo band
    evs = sorted({e for s in tstats for e in s.gaps})
    gy = np.array([sum(s.gaps[e][0] for s in tstats if e in s.gaps) for e in evs])
    gc = np.array([sum(s.gaps[e][1] for s in tstats if e in s.gaps) for e in evs])
    ne = np.array([sum(1 for s in tstats if e in s.gaps) for e in evs], dtype=np.float64)
    att_e = (gy - gc) / np.maximum(ne, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_e = np.where(gc > 0, gy / gc - 1, np.nan)
    # placebo gaps per event time, for counts rescaled to the treated units' level
    t_level = float(np.mean([s.level for s in tstats]))
    pdraw = np.full((len(pstats), len(evs)), np.nan)
    for r, s in enumerate(pstats):
        scale = (t_level / s.level if s.level > 0 else np.nan) if mult else 1.0
        for k, e in enumerate(evs):
            if e in s.gaps:
                py, pc = s.gaps[e]
                pdraw[r, k] = (py - pc) * scale * shrink
    good = np.all(np.isfinite(pdraw), axis=1)
    low, high = ck.sup_t_bands(att_e, pdraw[good] if good.sum() > 2 else np.zeros((0, len(evs))))
    event: list[EventPoint] = ck.event_points(evs, att_e, rel_e, low, high, ne)
    # donor weights (pooled over the treated units) and leave-one-out
    wsum: dict[int, float] = {}
    for f in fits:
        for d, wv in zip(f.donors, f.weights, strict=True):
            wsum[int(d)] = wsum.get(int(d), 0.0) + float(wv) / len(fits)
    donors = [
        {"unit": panel.units[d], "weight": round(wv, 4)}
        for d, wv in sorted(wsum.items(), key=lambda kv: -kv[1])
        if wv >= 0.001
    ]
    loo: list[dict[str, Any]] = []
    for d, wv in sorted(wsum.items(), key=lambda kv: -kv[1])[:8]:
        if wv < 0.01:
            break
        pool = never[never != d]
        st = [
            _stats(y, int(j), _fit(y, int(j), pool, int(panel.start[j]), opts.leads, mult), mult)
            for j in treated
        ]
        a, b, n, _, _ = _pool_stats(st)
        loo.append(
            {
                "without": panel.units[d],
                "att": (a - b) / n,
                "relative": (a / b - 1) if b > 0 else None,
            }
        )
    # checks
    rise = z = None
    if math.isfinite(recent_stat):
        rise = recent_stat if mult else (ry - rc) / max(rc, 1e-9)
        sd_r = float(p_recent.std(ddof=1)) if len(p_recent) > 2 else math.nan
        z = recent_stat / sd_r if math.isfinite(sd_r) and sd_r > 0 else None
    raw, raw_ctl = ck.raw_rtm(panel)
    pre_fit = float(np.mean([s.pre_rmspe for s in tstats]))
    p_pre = np.array([s.pre_rmspe for s in pstats])
    fit_ok = not len(p_pre) or pre_fit <= float(np.quantile(p_pre, 0.9))
    sig = (ci_lo > 0) or (ci_hi < 0)
    flips = [
        x for x in loo if (x["att"] > 0) != (att > 0) and abs(x["att"]) > 0.5 * abs(ci_hi - ci_lo)
    ]
    checks: list[Check] = [
        ck.pre_trend_check(pre_p),
        ck.rtm_check(rise, float(z) if z is not None else None, raw, raw_ctl),
        ck.history_check(panel),
        ck.controls_check(int(len(never))),
        Check(
            "fit",
            fit_ok,
            pre_fit,
            "De synthetische controle volgt het station vóór de start met een afwijking van "
            f"{pre_fit:.2f} (RMSPE{' t.o.v. de ruis van een telling' if mult else ', relatief'})"
            + ("." if fit_ok else "; slechter dan 90 % van de placebo's: geen goede vergelijking."),
            "The synthetic control tracks the station before the start with an error of "
            f"{pre_fit:.2f} (RMSPE{' against the noise of a count' if mult else ', relative'})"
            + ("." if fit_ok else "; worse than 90 % of the placebos: not a good comparison."),
        ),
        Check(
            "leave_one_out",
            not (sig and flips),
            float(len(flips)),
            "Zonder één donorstation blijft de conclusie dezelfde."
            if not (sig and flips)
            else "De conclusie hangt af van één donorstation: zonder "
            f"{flips[0]['without']} keert het effect om.",
            "Without any single donor station the conclusion stays the same."
            if not (sig and flips)
            else f"The conclusion hinges on one donor station: without {flips[0]['without']} "
            "the effect turns around.",
        ),
        ck.placebo_check(placebo_p, len(pstats)),
    ]
    credible = all(c.passed for c in checks if c.fails_credibility)
    return Evaluation(
        method=method,
        design="few_treated",
        assumptions_nl=ASSUME_NL,
        assumptions_en=ASSUME_EN,
        att=float(att),
        ci_low=float(min(ci_lo, ci_hi)),
        ci_high=float(max(ci_lo, ci_hi)),
        relative=rel,
        relative_ci_low=rlo,
        relative_ci_high=rhi,
        counterfactual=float(cf_mean),
        observed=float(yp / npost),
        pre_trend_p=pre_p,
        placebo_p=placebo_p,
        credible=credible,
        counts=panel.counts,
        units=len(panel.units),
        treated_units=n_tr,
        periods=len(panel.periods),
        first_period=panel.periods[0],
        last_period=panel.periods[-1],
        mde=mde,
        mde_relative=mde_rel,
        naive_change=ck.naive_change(panel),
        twfe=None,
        event=event,
        checks=checks,
        donors=donors,
        leave_one_out=loo,
        treated=[panel.units[i] for i in panel.treated[:1000]],
        seed=opts.seed,
        replicates=len(pstats),
        outcome=panel.outcome,
        synthetic=panel.synthetic,
        source=panel.source,
    )

"""Staggered difference-in-differences by imputation, with cluster-bootstrap inference."""

from __future__ import annotations

import math

import numpy as np

from perron.effect import checks as ck
from perron.effect.imputation import Sums, fit_sums, twfe_static
from perron.effect.panel import FloatArray, Panel, PanelError
from perron.effect.result import Evaluation

ASSUME_NL = (
    "Gespreide difference-in-differences (imputatieschatter van Borusyak, Jaravel & Spiess): "
    "per station en per maand een vast niveau, geschat op de maanden zonder maatregel; "
    "aangenomen wordt dat de stations met maatregel zonder die maatregel gelijk waren "
    "opgelopen met de andere (parallelle trends) en dat niemand vooruitliep op de start."
)
ASSUME_EN = (
    "Staggered difference-in-differences (imputation estimator of Borusyak, Jaravel & Spiess): "
    "a level per station and per month, fitted on the months without the measure; it assumes "
    "the treated stations would have moved in step with the others without the measure "
    "(parallel trends) and that nobody acted ahead of the start."
)
POISSON_NL = " Aantallen als aantallen: een Poisson-model, het effect is een verhouding."
POISSON_EN = " Counts as counts: a Poisson model, the effect is a ratio."


def _weights(panel: Panel, reps: int, rng: np.random.Generator) -> FloatArray:
    """Row 0: the sample itself; then cluster-bootstrap weights, resampling treated and
    untreated units separately (multinomial counts)."""
    n = len(panel.units)
    w = np.ones((reps + 1, n))
    for group in (panel.treated, panel.never):
        if len(group):
            w[1:, group] = rng.multinomial(len(group), np.full(len(group), 1 / len(group)), reps)
    return w


def _safe_log_ratio(a: FloatArray, b: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(a / b)
    out[~((a > 0) & (b > 0))] = np.nan
    return out


def _sd(x: FloatArray) -> float:
    x = x[np.isfinite(x)]
    return float(x.std(ddof=1)) if len(x) > 2 else math.nan


def _placebo_space(
    panel: Panel, poisson: bool, opts: ck.Options, rng: np.random.Generator
) -> list[float]:
    never = panel.never
    k = min(len(panel.treated), len(never) // 2)
    if k < 1 or len(never) - k < ck.MIN_CONTROLS:
        return []
    base = panel.subset(never)
    starts = panel.start[panel.treated]
    out = []
    for _ in range(opts.placebos):
        fake = rng.choice(len(never), size=k, replace=False)
        st = np.full(len(never), -1, dtype=np.int64)
        st[fake] = rng.choice(starts, size=k, replace=True)
        p = Panel(base.units, base.periods, base.y, st, counts=base.counts)
        s = fit_sums(p, np.ones((1, len(never))), poisson=poisson, leads=opts.leads)
        if poisson or panel.counts:
            v = _safe_log_ratio(s.y_post, s.cf_post)[0]
        else:
            v = float(((s.y_post - s.cf_post) / s.n_post)[0])
        if math.isfinite(v):
            out.append(float(v))
    return out


def _bins(evs: list[int]) -> list[list[int]]:
    """Column groups of the leads: at most four bins of neighbouring months."""
    leads = [k for k, e in enumerate(evs) if e < 0]
    if not leads:
        return []
    size = max(1, math.ceil(len(leads) / 4))
    return [leads[i : i + size] for i in range(0, len(leads), size)]


def estimate(panel: Panel, opts: ck.Options, *, poisson: bool, method: str) -> Evaluation:
    rng = np.random.default_rng(opts.seed)
    w = _weights(panel, opts.replicates, rng)
    s: Sums = fit_sums(panel, w, poisson=poisson, leads=opts.leads)
    if s.n_post[0] <= 0:
        raise PanelError("no treated unit-month with enough history before its start")
    att = (s.y_post - s.cf_post) / s.n_post
    logr = _safe_log_ratio(s.y_post, s.cf_post)
    att0 = float(att[0])
    g = int(len(panel.treated)) - len(s.dropped)
    crit, infl = ck.t_crit(g), ck.small_sample(g)
    se = _sd(att[1:]) * infl
    rel0 = float(math.expm1(logr[0])) if math.isfinite(logr[0]) else None
    se_log = _sd(logr[1:]) * infl
    ci = (att0 - crit * se, att0 + crit * se) if math.isfinite(se) else (att0, att0)
    if rel0 is not None and math.isfinite(se_log):
        rci: tuple[float | None, float | None] = (
            math.expm1(logr[0] - crit * se_log),
            math.expm1(logr[0] + crit * se_log),
        )
    else:
        rci = (None, None)
    # event study with simultaneous bands
    with np.errstate(divide="ignore", invalid="ignore"):
        att_e = (s.y_e - s.cf_e) / s.n_e
        rel_e = s.y_e / s.cf_e - 1
    valid = s.n_e[0] > 0
    a0 = np.where(valid, att_e[0], np.nan)
    draws = att_e[1:][:, valid] - a0[valid][None, :]
    draws = np.where(np.isfinite(draws), draws, 0.0)
    low = np.full(len(s.event_times), np.nan)
    high = low.copy()
    lo_v, hi_v = ck.sup_t_bands(a0[valid], draws)
    low[valid], high[valid] = lo_v, hi_v
    event = ck.event_points(s.event_times, a0, rel_e[0], low, high, s.n_e[0])
    # pre-trend test on binned leads
    bins = _bins(s.event_times)
    pre_p = None
    if bins:
        th = np.stack(
            [
                (s.y_e[:, b].sum(1) - s.cf_e[:, b].sum(1)) / np.maximum(s.n_e[:, b].sum(1), 1e-12)
                for b in bins
            ],
            axis=1,
        )
        pre_p = ck.sup_t_p(th[0], th[1:] - th[0][None, :], g)
    # placebo in time: as if the measure had started at the first held-out month
    lead_cols = [k for k, e in enumerate(s.event_times) if e < 0]
    pt_est = pt_p = None
    if lead_cols:
        lr = _safe_log_ratio(s.y_e[:, lead_cols].sum(1), s.cf_e[:, lead_cols].sum(1))
        sd = _sd(lr[1:]) * infl
        if math.isfinite(lr[0]) and math.isfinite(sd) and sd > 0:
            pt_est = float(math.expm1(lr[0]))
            pt_p = float(2 * ck.t_sf(abs(lr[0]) / sd, g - 1))
    # regression to the mean: the last months before the start against the fit
    rtm_cols = [k for k, e in enumerate(s.event_times) if -ck.RTM_WINDOW <= e < 0]
    rise = z = None
    if rtm_cols:
        lr = _safe_log_ratio(s.y_e[:, rtm_cols].sum(1), s.cf_e[:, rtm_cols].sum(1))
        sd = _sd(lr[1:]) * infl
        if math.isfinite(lr[0]):
            rise = float(math.expm1(lr[0]))
            z = float(lr[0] / sd * ck.Z / crit) if math.isfinite(sd) and sd > 0 else None
    raw, raw_ctl = ck.raw_rtm(panel)
    placebos = _placebo_space(panel, poisson, opts, rng)
    stat = float(logr[0]) if (poisson or panel.counts) else att0
    placebo_p = None
    if placebos and math.isfinite(stat):
        arr = np.abs(np.array(placebos))
        placebo_p = float((1 + np.sum(arr >= abs(stat))) / (len(arr) + 1))
    twfe = twfe_static(panel)
    cf_mean = float(s.cf_post[0] / s.n_post[0])
    checks = [
        ck.pre_trend_check(pre_p),
        ck.placebo_time_check(pt_est, pt_p, len(lead_cols)),
        ck.rtm_check(rise, z, raw, raw_ctl),
        ck.history_check(panel),
        ck.controls_check(int(len(panel.never))),
        ck.placebo_check(placebo_p, len(placebos)),
        ck.twfe_check(twfe, att0),
    ]
    credible = all(c.passed for c in checks if c.fails_credibility)
    return Evaluation(
        method=method,
        design="staggered",
        assumptions_nl=ASSUME_NL + (POISSON_NL if poisson else ""),
        assumptions_en=ASSUME_EN + (POISSON_EN if poisson else ""),
        att=att0,
        ci_low=float(ci[0]),
        ci_high=float(ci[1]),
        relative=rel0,
        relative_ci_low=rci[0],
        relative_ci_high=rci[1],
        counterfactual=cf_mean,
        observed=float(s.y_post[0] / s.n_post[0]),
        pre_trend_p=pre_p,
        placebo_p=placebo_p,
        credible=credible,
        counts=panel.counts,
        units=len(panel.units),
        treated_units=int(len(panel.treated)) - len(s.dropped),
        periods=len(panel.periods),
        first_period=panel.periods[0],
        last_period=panel.periods[-1],
        mde=float(ck.POWER_FACTOR * se) if math.isfinite(se) else None,
        mde_relative=float(-math.expm1(-ck.POWER_FACTOR * se_log))
        if math.isfinite(se_log)
        else None,
        naive_change=ck.naive_change(panel),
        twfe=twfe,
        event=event,
        checks=checks,
        dropped=s.dropped,
        treated=[panel.units[i] for i in panel.treated[:1000]],
        seed=opts.seed,
        replicates=opts.replicates,
        outcome=panel.outcome,
        synthetic=panel.synthetic,
        source=panel.source,
    )

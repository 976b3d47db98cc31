"""The honest checks shared by the estimators, each with its verdict in Dutch and English."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from perron.effect.panel import FloatArray, Panel
from perron.effect.result import Check, EventPoint

ALPHA = 0.05
Z = 1.959963984540054
#: the effect an evaluation sees with 80 % power at 5 % (two-sided): (1.96 + 0.84) × SE
POWER_FACTOR = 2.801585218
#: a rise before the start above this fraction (and significant) flags regression to the mean
RTM_RISE = 0.10
RTM_WINDOW = 6
MIN_PRE = 6
MIN_CONTROLS = 3


@dataclass
class Options:
    seed: int = 0
    replicates: int = 199
    placebos: int = 49
    leads: int = 12


def pct(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x * 100:+.0f} %"


def sup_t_p(theta: FloatArray, draws: FloatArray, clusters: int) -> float | None:
    """P-value of H0: theta = 0 by the largest |t| over the columns against its bootstrap
    distribution (centred ``draws``, replicates × k): the test the simultaneous band makes
    (it rejects when the band of some lead excludes zero). Standard errors get the
    small-sample factor sqrt(G / (G − 1))."""
    k = theta.shape[0]
    b = draws.shape[0]
    if k == 0 or b < 19:
        return None
    se = draws.std(0, ddof=1)
    ok = se > 0
    if not ok.any():
        return None
    scale = small_sample(clusters) * t_crit(clusters) / Z  # Student-t tails for G clusters
    t_obs = float(np.max(np.abs(theta[ok]) / (se[ok] * scale)))
    t_boot = np.max(np.abs(draws[:, ok]) / se[ok], axis=1)
    return float((1 + np.sum(t_boot >= t_obs)) / (b + 1))


def t_sf(x: float, df: int) -> float:
    """P(T > x) for Student's t with ``df`` degrees of freedom."""
    from scipy.special import stdtr

    return float(stdtr(max(df, 1), -x))


def t_crit(clusters: int) -> float:
    """The two-sided 95 % critical value for a mean over ``clusters`` independent units."""
    from scipy.special import stdtrit

    return float(stdtrit(max(clusters - 1, 1), 1 - ALPHA / 2)) if clusters > 1 else Z


def small_sample(clusters: int) -> float:
    """Inflation of a cluster-bootstrap standard error: sqrt(G / (G − 1))."""
    return math.sqrt(clusters / (clusters - 1)) if clusters > 1 else 1.0


def sup_t_bands(est: FloatArray, draws: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Simultaneous 95 % bands over all columns from centred draws (replicates × k)."""
    se = draws.std(0, ddof=1) if draws.shape[0] > 1 else np.zeros(est.shape)
    ok = se > 0
    if draws.shape[0] > 1 and ok.any():
        tmax = np.max(np.abs(draws[:, ok]) / se[ok], axis=1)
        c = float(np.quantile(tmax, 1 - ALPHA))
    else:
        c = Z
    return est - c * se, est + c * se


def pre_trend_check(p: float | None) -> Check:
    if p is None:
        return Check(
            "pre_trends",
            False,
            None,
            "Er zijn te weinig maanden vóór de start om te toetsen of de stations gelijk "
            "opliepen met de vergelijkingsstations.",
            "There are too few months before the start to test whether the stations moved "
            "in step with the comparison stations.",
        )
    ok = p >= ALPHA
    if ok:
        return Check(
            "pre_trends",
            True,
            p,
            f"Vóór de start liepen de stations gelijk op met de vergelijking (p = {p:.2f}).",
            f"Before the start the stations moved in step with the comparison (p = {p:.2f}).",
        )
    return Check(
        "pre_trends",
        False,
        p,
        f"Al vóór de start liepen de stations anders dan de vergelijking (p = {p:.3f}): "
        "het verschil daarna kan niet aan de maatregel worden toegeschreven.",
        f"Already before the start the stations moved differently from the comparison "
        f"(p = {p:.3f}): the difference afterwards cannot be attributed to the measure.",
    )


def rtm_check(
    rise: float | None, z: float | None, raw: float | None, raw_ctl: float | None
) -> Check:
    flagged = rise is not None and z is not None and rise > RTM_RISE and z > Z
    extra_nl = extra_en = ""
    if raw is not None:
        extra_nl = (
            f" In de {RTM_WINDOW} maanden vóór de start lagen ze {pct(raw)} t.o.v. hun "
            f"langjarig gemiddelde (vergelijkingsstations {pct(raw_ctl)})."
        )
        extra_en = (
            f" In the {RTM_WINDOW} months before the start they were {pct(raw)} against their "
            f"long-run mean (comparison stations {pct(raw_ctl)})."
        )
    if flagged:
        return Check(
            "regression_to_mean",
            False,
            rise,
            f"Vlak vóór de start lag de uitkomst {pct(rise)} boven de verwachting: de stations "
            "lijken gekozen na een slechte periode, en een daling daarna is dan deels vanzelf "
            "(regressie naar het gemiddelde)." + extra_nl,
            f"Just before the start the outcome was {pct(rise)} above expectation: the stations "
            "seem to have been chosen after a bad period, and a fall afterwards is then partly "
            "by itself (regression to the mean)." + extra_en,
        )
    return Check(
        "regression_to_mean",
        True,
        rise,
        "Geen teken dat de stations na een uitschieter zijn gekozen." + extra_nl,
        "No sign that the stations were chosen after a spike." + extra_en,
    )


def history_check(panel: Panel) -> Check:
    s = panel.start[panel.treated]
    med = float(np.median(s)) if len(s) else 0.0
    ok = med >= MIN_PRE
    return Check(
        "history",
        ok,
        med,
        f"Mediaan {med:.0f} maanden gegevens vóór de start"
        + ("." if ok else f"; minder dan {MIN_PRE} is te kort voor een eerlijke vergelijking."),
        f"Median {med:.0f} months of data before the start"
        + ("." if ok else f"; fewer than {MIN_PRE} is too short for a fair comparison."),
    )


def controls_check(n: int) -> Check:
    ok = n >= MIN_CONTROLS
    return Check(
        "controls",
        ok,
        float(n),
        f"{n} vergelijkingsstations zonder de maatregel"
        + ("." if ok else f"; minstens {MIN_CONTROLS} nodig."),
        f"{n} comparison stations without the measure"
        + ("." if ok else f"; at least {MIN_CONTROLS} are needed."),
    )


def placebo_check(p: float | None, n: int) -> Check:
    if p is None:
        return Check(
            "placebo_space",
            True,
            None,
            "Geen placebo-stations beschikbaar.",
            "No placebo stations available.",
            False,
        )
    return Check(
        "placebo_space",
        p < ALPHA,
        p,
        f"Placebo in de ruimte: bij {n} stations zonder maatregel, met een verzonnen start, "
        f"was het effect in {p:.0%} van de gevallen minstens zo groot (placebo-p = {p:.2f}).",
        f"Placebo in space: for {n} stations without the measure, given an invented start, "
        f"the effect was at least as large in {p:.0%} of cases (placebo p = {p:.2f}).",
        False,
    )


def placebo_time_check(est: float | None, p: float | None, months: int) -> Check:
    if est is None or p is None:
        return Check(
            "placebo_time",
            False,
            None,
            "Placebo in de tijd niet mogelijk: te weinig maanden vóór de start.",
            "Placebo in time not possible: too few months before the start.",
        )
    ok = p >= ALPHA
    return Check(
        "placebo_time",
        ok,
        est,
        f"Placebo in de tijd: alsof de maatregel {months} maanden eerder begon, "
        f"{pct(est)} (p = {p:.2f})" + ("." if ok else ": een 'effect' zonder maatregel."),
        f"Placebo in time: as if the measure had started {months} months earlier, "
        f"{pct(est)} (p = {p:.2f})" + ("." if ok else ": an 'effect' without the measure."),
    )


def twfe_check(twfe: float | None, att: float) -> Check:
    if twfe is None:
        return Check("twfe", True, None, "", "", False)
    return Check(
        "twfe",
        True,
        twfe,
        f"Ter waarschuwing: een gewone two-way fixed-effects-regressie zou {twfe:.3g} geven; "
        "bij gespreide starts kan die methode ernstig misleiden en is hier niet het antwoord.",
        f"As a warning: a plain two-way fixed-effects regression would give {twfe:.3g}; with "
        "staggered starts that method can badly mislead and is not the answer here.",
        False,
    )


def event_points(
    evs: list[int],
    att_e: FloatArray,
    rel_e: FloatArray | None,
    low: FloatArray,
    high: FloatArray,
    n_e: FloatArray,
) -> list[EventPoint]:
    out = []
    for k, e in enumerate(evs):
        if n_e[k] <= 0 or not math.isfinite(float(att_e[k])):
            continue
        r = None if rel_e is None or not math.isfinite(float(rel_e[k])) else float(rel_e[k])
        out.append(
            EventPoint(
                e,
                float(att_e[k]),
                r,
                float(low[k]) if math.isfinite(float(low[k])) else float(att_e[k]),
                float(high[k]) if math.isfinite(float(high[k])) else float(att_e[k]),
                float(n_e[k]),
            )
        )
    return out


def raw_rtm(panel: Panel) -> tuple[float | None, float | None]:
    """The treated units' last months before the start against their own earlier mean, and the
    same windows for the never-treated units (the comparison)."""
    y = panel.y
    never = panel.never
    rec = early = rec_c = early_c = 0.0
    for i in panel.treated:
        s = int(panel.start[i])
        if s < RTM_WINDOW + 3:
            continue
        rec += float(y[i, s - RTM_WINDOW : s].mean())
        early += float(y[i, : s - RTM_WINDOW].mean())
        if len(never):
            rec_c += float(y[never, s - RTM_WINDOW : s].mean())
            early_c += float(y[never, : s - RTM_WINDOW].mean())
    raw = rec / early - 1 if early > 0 else None
    ctl = rec_c / early_c - 1 if early_c > 0 else None
    return raw, ctl


def naive_change(panel: Panel, window: int = 12) -> float | None:
    """Treated after the start against the ``window`` months before: what a plain before/after
    comparison would report."""
    y = panel.y
    post = pre = 0.0
    for i in panel.treated:
        s = int(panel.start[i])
        if s < 1:
            continue
        post += float(y[i, s:].mean())
        pre += float(y[i, max(0, s - window) : s].mean())
    return post / pre - 1 if pre > 0 else None

"""Generated panels with a known truth, for tests, the simulation study, the benchmark and the
demo. Everything made here is labelled synthetic."""

from __future__ import annotations

import numpy as np

from perron.effect.panel import NEVER, Panel, month_text

FIRST_MONTH = 2016 * 12  # 2016-01


def make_panel(
    *,
    units: int = 60,
    periods: int = 48,
    treated: int = 20,
    effect: float = -0.2,
    staggered: bool = True,
    first_start: int | None = None,
    last_start: int | None = None,
    level: float = 8.0,
    trend_gap: float = 0.0,
    rtm: bool = False,
    counts: bool = True,
    noise: float = 0.15,
    seed: int = 0,
    prefix: str = "S",
) -> Panel:
    """Units × months with a multiplicative ``effect`` from each treated unit's start.

    ``trend_gap``: extra growth per year of the treated units (parallel trends violated).
    ``rtm``: no fixed treated set; each unit has a persistent temporary component and the
    ``treated`` units with the highest outcome in the 6 months before the start are picked
    (a programme choosing stations after a bad period).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(periods)
    alpha = level * rng.lognormal(0.0, 0.5, units)
    gamma = 1 + 0.15 * np.sin(2 * np.pi * t / 12) + 0.004 * t
    u = np.zeros((units, periods))
    if rtm:
        eps = rng.normal(0, 0.2, (units, periods))
        for k in range(periods):
            u[:, k] = (0.9 * u[:, k - 1] if k else 0) + eps[:, k]
    else:
        u = rng.normal(0, noise, (units, periods))
    first = periods // 2 if first_start is None else first_start
    last = (periods * 3) // 4 if last_start is None else last_start
    start = np.full(units, NEVER, dtype=np.int64)
    if rtm:
        s = first
        lam0 = alpha[:, None] * gamma[None, :] * np.exp(u)
        recent = lam0[:, s - 12 : s].mean(1) / alpha
        pick = np.argsort(-recent)[:treated]
        start[pick] = s
    else:
        pick = rng.choice(units, treated, replace=False)
        start[pick] = rng.integers(first, last + 1, treated) if staggered else first
    lam = alpha[:, None] * gamma[None, :] * np.exp(u)
    treated_idx = np.flatnonzero(start >= 0)
    if trend_gap:
        lam[treated_idx] *= np.exp(trend_gap * (t[None, :] - first) / 12)
    post = (start[:, None] >= 0) & (t[None, :] >= start[:, None])
    lam = lam * np.where(post, 1 + effect, 1.0)
    y = rng.poisson(lam).astype(np.float64) if counts else lam
    names = [f"{prefix}{i:03d}" for i in range(units)]
    return Panel(
        names,
        [month_text(FIRST_MONTH + k) for k in range(periods)],
        y,
        start,
        outcome="synthetic incidents" if counts else "synthetic outcome",
        counts=counts,
        synthetic=True,
        source=f"synthetic panel (seed {seed}, true effect {effect:+.0%})",
    )

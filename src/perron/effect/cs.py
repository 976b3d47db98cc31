"""Group-time average effects of Callaway & Sant'Anna (2021), without covariates.

``ATT(g, t)`` is the effect in period ``t`` on the units first treated in period ``g``, from a
2 × 2 comparison with the never-treated units:

* ``t ≥ g`` (after the start): the change from ``g − 1`` (the last period before the start) to
  ``t`` of the group, minus the same change of the never-treated;
* ``t < g`` (a pre-period, a placebo): the change from ``t − 1`` to ``t`` (the "varying" base
  period), so that the leads are short differences that should be zero.

Each comes with the standard error of a difference of two independent means of changes
(the analytical influence-function standard error of the unconditional estimator). The overall
``simple`` aggregate weighs every post-start ATT(g, t) by the size of its group.

The imputation estimator (:mod:`perron.effect.did`) is Perron's answer for staggered starts;
this is the published estimator it is checked against (``tests/effect/test_reference.py``
reproduces the ATT(g, t) of the ``mpdta`` example of Callaway & Sant'Anna).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from perron.effect.panel import Panel, PanelError


@dataclass(frozen=True)
class GroupTime:
    group: int  # index of the group's first treated period
    period: int  # index of the period
    att: float
    se: float
    n_group: int
    n_control: int

    @property
    def post(self) -> bool:
        return self.period >= self.group


def att_gt(panel: Panel) -> list[GroupTime]:
    """ATT(g, t) for every group g (first treated period) and period t ≥ 1 of ``panel``."""
    y = panel.y
    never = panel.never
    if len(never) < 2:
        raise PanelError("the group-time comparison needs at least two never-treated units")
    groups = sorted({int(s) for s in panel.start[panel.treated] if s >= 1})
    if not groups:
        raise PanelError("no group has a period before its start")
    out = []
    for g in groups:
        members = np.flatnonzero(panel.start == g)
        for t in range(1, y.shape[1]):
            base = g - 1 if t >= g else t - 1
            d_g = y[members, t] - y[members, base]
            d_c = y[never, t] - y[never, base]
            att = float(d_g.mean() - d_c.mean())
            var = d_g.var(ddof=1) / len(d_g) if len(d_g) > 1 else math.nan
            se = float(math.sqrt(var + d_c.var(ddof=1) / len(d_c)))
            out.append(GroupTime(g, t, att, se, len(members), len(never)))
    return out


def simple_att(cells: list[GroupTime]) -> float:
    """The post-start ATT(g, t) averaged with the groups' sizes as weights."""
    post = [c for c in cells if c.post]
    if not post:
        raise PanelError("no period after a start")
    w = np.array([c.n_group for c in post], dtype=np.float64)
    return float(np.dot(w, [c.att for c in post]) / w.sum())

"""Disclosure control on a joint result: small cells, their complements, and noise.

*Suppression.* A cell under ``min_cell`` is opened as "small" only (the comparison runs on the
shares). When the national totals per month and group are published beside the cells, a line
with one small cell would give it away (total − the shown cells), so further cells of that line
are withheld — the smallest shown ones first — until the withheld cells of every line add up to
at least ``min_cell`` and number at least two. All of it is decided from what was opened anyway.

*Noise.* For a published figure each party adds discrete Laplace noise (OpenDP's
``make_laplace`` on integers: P(k) ∝ exp(−|k| / scale)) to its own input before it is shared, so
the opened sum carries the noise of every party: each party's own noise alone gives the result
ε-differential privacy (δ = 0) at the level of one incident report, whatever the other parties
know. The sensitivity is the number of parties: one event reported by every party changes the
joint count by that much.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def complementary(
    shown: list[int | None],
    small: list[bool],
    lines: Sequence[Sequence[int]],
    totals: list[int],
    min_cell: int,
) -> list[bool]:
    """Which cells to withhold so no small cell can be recovered from the published totals."""
    withheld = list(small)
    for line, total in zip(lines, totals, strict=True):
        if not any(withheld[i] for i in line):
            continue
        while True:
            hidden = [i for i in line if withheld[i]]
            hidden_sum = total - sum(int(shown[i] or 0) for i in line if not withheld[i])
            if len(hidden) >= 2 and hidden_sum >= min_cell:
                break
            candidates = sorted(
                (int(shown[i] or 0), i) for i in line if not withheld[i] and (shown[i] or 0) > 0
            )
            if not candidates:
                break  # the whole line is withheld; the total is withheld with it
            withheld[candidates[0][1]] = True
    return withheld


def laplace_scale(epsilon: float, parties: int) -> float:
    """The discrete Laplace scale that gives ``epsilon`` for a sensitivity of ``parties``."""
    if not epsilon > 0:
        raise ValueError("epsilon must be positive")
    return parties / epsilon


def sample_noise(scale: float, size: int) -> list[int]:
    """``size`` draws of discrete Laplace noise with ``scale``, from OpenDP's mechanism."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    mechanism = space >> dp.m.then_laplace(scale=scale)
    return [int(v) for v in mechanism([0] * size)]


def discrete_laplace_pmf(k: np.ndarray, scale: float) -> np.ndarray:
    """P(X = k) of the discrete Laplace distribution with ``scale``."""
    a = math.exp(-1.0 / scale)
    out: np.ndarray = (1 - a) / (1 + a) * np.power(a, np.abs(k))
    return out


def noise_sd(scale: float, parties: int) -> float:
    """The standard deviation of the opened sum's noise (``parties`` independent draws)."""
    a = math.exp(-1.0 / scale)
    return math.sqrt(parties * 2 * a / (1 - a) ** 2)

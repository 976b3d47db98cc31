"""The estimators, by name: a small registry the built-ins register into too.

``choose`` picks by design: one to three treated units with enough never-treated donors get a
synthetic control; otherwise the staggered imputation estimator (Poisson for counts). A plain
two-way fixed-effects regression is never the answer; it is shown beside as a warning only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perron.effect import did, synth
from perron.effect.checks import Options
from perron.effect.panel import Panel, PanelError
from perron.effect.result import Evaluation

#: one to this many treated units: synthetic control (when there are donors enough)
FEW_TREATED = 3
MIN_DONORS = 10


@dataclass(frozen=True)
class Estimator:
    name: str
    description: str
    run: Callable[[Panel, Options], Evaluation]


ESTIMATORS: dict[str, Estimator] = {}


def register_estimator(est: Estimator) -> Estimator:
    """Add an estimator by its name; a name taken already is a ``ValueError``."""
    if est.name in ESTIMATORS or est.name == "auto":
        raise ValueError(f"estimator {est.name!r} already registered")
    ESTIMATORS[est.name] = est
    return est


def _imputation(panel: Panel, opts: Options) -> Evaluation:
    poisson = panel.counts
    name = "imputation_poisson" if poisson else "imputation_linear"
    return did.estimate(panel, opts, poisson=poisson, method=name)


def _imputation_linear(panel: Panel, opts: Options) -> Evaluation:
    return did.estimate(panel, opts, poisson=False, method="imputation_linear")


def _synth(panel: Panel, opts: Options) -> Evaluation:
    return synth.estimate(panel, opts)


register_estimator(
    Estimator(
        "imputation",
        "staggered difference-in-differences by imputation (Borusyak, Jaravel & Spiess); "
        "Poisson for counts",
        _imputation,
    )
)
register_estimator(
    Estimator(
        "imputation_linear",
        "the imputation estimator on the outcome's own scale, also for counts",
        _imputation_linear,
    )
)
register_estimator(
    Estimator(
        "synthetic_control",
        "synthetic control from never-treated donors, placebo inference",
        _synth,
    )
)


def choose(panel: Panel) -> str:
    """The estimator for ``panel``: synthetic control for few treated units with enough donors,
    else imputation."""
    n_tr = len(panel.treated)
    if n_tr == 0:
        raise PanelError("no unit is treated within the panel: nothing to evaluate")
    if n_tr <= FEW_TREATED and len(panel.never) >= MIN_DONORS:
        return "synthetic_control"
    return "imputation"


def run(panel: Panel, method: str = "auto", opts: Options | None = None) -> Evaluation:
    """Evaluate ``panel`` with ``method`` (a registered name, or ``auto``)."""
    opts = opts or Options()
    name = choose(panel) if method == "auto" else method
    if name not in ESTIMATORS:
        raise PanelError(f"unknown method {method!r}; choose auto, {', '.join(sorted(ESTIMATORS))}")
    if len(panel.treated) == 0:
        raise PanelError("no unit is treated within the panel: nothing to evaluate")
    if len(panel.treated) == len(panel.units):
        raise PanelError("every unit is treated: there is no comparison")
    if not 0 <= opts.replicates <= 2000 or not 0 <= opts.placebos <= 1000:
        raise PanelError("replicates must be 0–2000 and placebos 0–1000")
    return ESTIMATORS[name].run(panel, opts)

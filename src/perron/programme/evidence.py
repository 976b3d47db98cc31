"""Evidence sources for the measure catalogue: what the optimiser knows of each measure's
effect beyond the literature.

A source is a function ``(session, actor, catalogue) -> catalogue`` that returns the catalogue
with its own evidence folded into the measures' effects (the effect evaluations of Perron
itself are one: ``perron.effect.service.catalogue_with_local_evidence``). Sources are found
through the ``perron.programme.evidence`` entry points, Perron's own among them, and applied in
name order. A source that refuses the actor (it may not read that evidence) leaves the
catalogue as it was: the optimiser then works from the literature alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from perron.plugins import Registry, callable_plugin
from perron.programme.catalogue import Catalogue

EvidenceSource = Callable[[Session, Any, Catalogue], Catalogue]

#: the evidence sources by name (``perron.programme.evidence`` entry points)
EVIDENCE: Registry[EvidenceSource] = Registry(
    "perron.programme.evidence", callable_plugin, builtin=("effect",)
)


def with_evidence(session: Session, actor: Any, catalogue: Catalogue) -> Catalogue:
    """``catalogue`` with every evidence source's findings folded in, in name order."""
    out = catalogue
    for name in EVIDENCE.names():
        try:
            found = EVIDENCE.get(name)(session, actor, out)
        except PermissionError:  # the actor may not read this evidence: literature only
            continue
        if not isinstance(found, Catalogue):
            raise TypeError(f"evidence source {name!r} returned {type(found).__name__}")
        out = found
    return out


def fingerprint(catalogue: Catalogue) -> tuple[tuple[str, float, float, float], ...]:
    """What of a catalogue changes the optimiser's instance: each measure's effect."""
    return tuple(
        (m.code, m.effect.estimate, m.effect.low, m.effect.high) for m in catalogue.measures
    )

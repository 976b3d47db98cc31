"""Feedback into the catalogue: Perron's own credible evaluations of deal measures are pooled
with the literature's effect, and the optimiser's instance is built on the pooled effect."""

from __future__ import annotations

import math

import pytest

from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.effect import (
    Panel,
    catalogue_with_local_evidence,
    evaluate_panel,
    make_panel,
    measure_evidence,
    panel_digest,
    save_evaluation,
)
from perron.programme import load_catalogue
from perron.store.db import transaction

ADMIN = Principal(0, "cli:prorail", "x", "prorail", Role.ADMIN)
OTHER = Principal(0, "cli:ns", "x", "ns", Role.ADMIN)
Z = 1.959963984540054


def _store(s, effect, *, synthetic, code="cctv", seed=1):
    p = make_panel(units=60, periods=48, treated=12, effect=effect, seed=seed)
    panel = Panel(p.units, p.periods, p.y, p.start, counts=True, synthetic=synthetic)
    ev = evaluate_panel(ADMIN, panel)
    info = {"measure": code, "stations": ["UT"], "actual_start": "2024-07-01"}
    save_evaluation(
        s,
        ADMIN,
        ev,
        title=f"{code} test",
        source="measure",
        panel_sha256=panel_digest(panel),
        measure_id="1",
        measure=info,
    )
    return ev


def test_credible_local_evidence_is_pooled_with_the_literature(engine):
    from perron.programme.portfolio import build_instance
    from perron.registry.synthetic import generate

    with transaction(engine) as s:
        generate(s, 2023, seed=4, scale=0.2)
        local = _store(s, -0.4, synthetic=False)
        _store(s, -0.9, synthetic=True, seed=2)  # a demo evaluation: shown, never pooled
    assert local.credible and not local.synthetic
    with transaction(engine) as s:
        rows = measure_evidence(s, ADMIN, "cctv")
        assert len(rows) == 2 and sorted(r["synthetic"] for r in rows) == [False, True]
        cat = catalogue_with_local_evidence(s, ADMIN)
        assert catalogue_with_local_evidence(s, OTHER).get("cctv") == load_catalogue().get(
            "cctv"
        )  # another party's evaluations are not its evidence
        inst, _facts = build_instance(s, ADMIN, 1e6, catalogue=cat)
    lit = load_catalogue().get("cctv")
    got = cat.get("cctv")
    # by hand: inverse-variance pooling of log ratios, the SEs from the 95 % intervals
    x_lit = math.log(1 - lit.effect.estimate)
    se_lit = (math.log(1 - lit.effect.low) - math.log(1 - lit.effect.high)) / (2 * Z)
    x_loc = math.log1p(local.relative)
    se_loc = (math.log1p(local.relative_ci_high) - math.log1p(local.relative_ci_low)) / (2 * Z)
    w1, w2 = 1 / se_lit**2, 1 / se_loc**2
    mean = (w1 * x_lit + w2 * x_loc) / (w1 + w2)
    se = math.sqrt(1 / (w1 + w2))
    assert got.effect.estimate == pytest.approx(1 - math.exp(mean), abs=1e-6)
    assert got.effect.low == pytest.approx(1 - math.exp(mean + Z * se), abs=1e-6)
    assert got.effect.high == pytest.approx(1 - math.exp(mean - Z * se), abs=1e-6)
    assert lit.effect.estimate < got.effect.estimate < 0.4  # pulled toward the local −40 %
    assert got.effect.high - got.effect.low < lit.effect.high - lit.effect.low
    assert "Perron's own evaluations (1)" in got.evidence
    # other measures keep the literature's effect
    assert cat.get("lighting") == load_catalogue().get("lighting")
    # and the optimiser's instance is built on the pooled effect
    option = next(m for m in inst.measures if m.code == "cctv")
    assert option.effect == pytest.approx(got.effect.estimate)
    assert option.low == pytest.approx(got.effect.low)


def test_the_optimiser_uses_the_party_s_own_evidence_through_the_evidence_registry(engine):
    from perron.programme.evidence import EVIDENCE, with_evidence
    from perron.programme.portfolio import _built
    from perron.registry.synthetic import generate

    assert "effect" in EVIDENCE.names()  # declared as an entry point, like a plugin's
    with transaction(engine) as s:
        generate(s, 2023, seed=4, scale=0.2)
        _, inst_before, *_ = _built(s, ADMIN, 1e6, None)
        before = next(m for m in inst_before.measures if m.code == "cctv")
        assert before.effect == pytest.approx(load_catalogue().get("cctv").effect.estimate)
        _store(s, -0.4, synthetic=False)
    with transaction(engine) as s:
        pooled = with_evidence(s, ADMIN, load_catalogue()).get("cctv")
        assert pooled != load_catalogue().get("cctv")
        _, inst, *_ = _built(s, ADMIN, 1e6, None)  # not the instance remembered before
        option = next(m for m in inst.measures if m.code == "cctv")
        assert option.effect == pytest.approx(pooled.effect.estimate)
        # a party without the evaluation optimises on the literature
        _, inst_other, *_ = _built(s, OTHER, 1e6, None)
        other = next(m for m in inst_other.measures if m.code == "cctv")
        assert other.effect == pytest.approx(load_catalogue().get("cctv").effect.estimate)

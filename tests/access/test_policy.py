"""The pure policy function, with concrete expectations per case."""

import pytest

from perron.access.policy import (
    PROTECTED_FIELDS,
    STANDARD_FIELDS,
    Grant,
    Level,
    Purpose,
    Viewer,
    decide,
    scope,
)
from perron.domain.parties import Role

D, A = Level.DETAIL, Level.AGGREGATE
OPS, ANA, ACC = Purpose.OPERATIONAL, Purpose.ANALYSIS, Purpose.ACCOUNTABILITY

GROUPS = {"aggression": "social_safety", "copper_theft": "security"}


def group_of(code):
    return GROUPS.get(code)


def viewer(party="ns", role=Role.ANALYST, grants=(), public=("rdt",)):
    return Viewer(party, role, tuple(grants), frozenset(public))


def test_the_owner_sees_its_own_records_with_every_field():
    d = decide(viewer(), ANA, D, "ns", "aggression", group_of)
    assert d.allowed and d.level is D and d.basis == "owner"
    assert d.fields == STANDARD_FIELDS | PROTECTED_FIELDS


def test_detail_without_an_agreement_is_refused_with_a_reason():
    d = decide(viewer(), ANA, D, "prorail", "aggression", group_of)
    assert not d.allowed
    assert "no agreement" in d.reason and "'prorail'" in d.reason and "'analysis'" in d.reason


def test_an_agreement_grants_standard_fields_plus_only_the_named_protected_ones():
    g = Grant("prorail", D, frozenset({ANA}), None, frozenset({"description"}), 7)
    d = decide(viewer(grants=[g]), ANA, D, "prorail", "aggression", group_of)
    assert d.allowed and d.fields == STANDARD_FIELDS | {"description"}
    assert "person_ref" not in d.fields and d.basis == "agreement 7"


def test_the_purpose_must_match_the_agreement():
    g = Grant("prorail", D, frozenset({OPS}), None, frozenset(), 1)
    assert not decide(viewer(role=Role.ADMIN, grants=[g]), ANA, D, "prorail", "x").allowed
    assert decide(viewer(role=Role.ADMIN, grants=[g]), OPS, D, "prorail", "x").allowed


def test_categories_match_by_code_or_group():
    g = Grant("politie", D, frozenset({OPS}), frozenset({"social_safety"}), frozenset(), 2)
    v = viewer(role=Role.OPERATOR, grants=[g])
    assert decide(v, OPS, D, "politie", "aggression", group_of).allowed
    assert not decide(v, OPS, D, "politie", "copper_theft", group_of).allowed


def test_an_aggregate_agreement_gives_no_detail_but_aggregates():
    g = Grant("prorail", A, frozenset({ANA}), None, frozenset(), 3)
    d = decide(viewer(grants=[g]), ANA, D, "prorail", "x")
    assert not d.allowed and "ask for aggregates" in d.reason
    assert decide(viewer(grants=[g]), ANA, A, "prorail", "x").level is A


@pytest.mark.parametrize(
    ("role", "purpose", "level", "allowed"),
    [
        (Role.ADMIN, OPS, D, True),
        (Role.ADMIN, ACC, D, True),
        (Role.ANALYST, OPS, D, False),
        (Role.ANALYST, ANA, D, True),
        (Role.OPERATOR, OPS, D, True),
        (Role.OPERATOR, ANA, A, False),
        (Role.FIELD_UNIT, OPS, D, True),
        (Role.FIELD_UNIT, ACC, A, False),
        (Role.VIEWER, ANA, D, False),
        (Role.VIEWER, ANA, A, True),
        (Role.VIEWER, OPS, A, False),
    ],
)
def test_role_rules_apply_even_to_own_records(role, purpose, level, allowed):
    assert decide(viewer(role=role), purpose, level, "ns", "x").allowed is allowed


def test_public_sources_are_visible_to_all_without_protected_fields():
    d = decide(viewer(party="ilt", role=Role.ANALYST), ACC, D, "rdt", "disruption")
    assert d.allowed and d.fields == STANDARD_FIELDS


def test_scope_of_a_viewer_is_aggregate_only():
    g = Grant("prorail", D, frozenset({ANA}), None, frozenset(), 1)
    s = scope(viewer(role=Role.VIEWER, grants=[g]), ANA, A)
    assert s.detail == {} and set(s.aggregate_only) == {"ns", "rdt", "prorail"}
    assert scope(viewer(role=Role.VIEWER), ANA, D).role_refusal


def test_scope_merges_agreements_per_owner():
    grants = [
        Grant("politie", D, frozenset({OPS}), frozenset({"social_safety"}), frozenset(), 1),
        Grant(
            "politie", D, frozenset({OPS}), frozenset({"security"}), frozenset({"person_ref"}), 2
        ),
        Grant("prorail", A, frozenset({OPS}), None, frozenset(), 3),
        Grant("arriva", D, frozenset({ANA}), None, frozenset(), 4),
    ]
    s = scope(viewer(role=Role.OPERATOR, grants=grants), OPS, D)
    assert s.detail["politie"] == {"social_safety", "security"}
    assert s.fields["politie"] == STANDARD_FIELDS | {"person_ref"}
    assert s.aggregate_only == {"prorail": None}
    assert "arriva" not in s.detail and "arriva" not in s.aggregate_only


def test_the_documented_policy_table_is_the_declared_policy():
    from pathlib import Path

    from perron.access.policy import policy_table

    docs = Path(__file__).resolve().parents[2] / "docs" / "registry.md"
    assert policy_table() in docs.read_text()


def test_protected_fields_are_the_columns_the_model_marks_personal():
    from perron.registry.read_model import PERSONAL_COLUMNS

    assert PERSONAL_COLUMNS == PROTECTED_FIELDS

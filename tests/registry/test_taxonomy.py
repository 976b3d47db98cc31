import csv

import pytest

from perron.domain import taxonomy

REQUIRED = {
    "social_safety": {
        "aggression_staff_physical",
        "aggression_staff_verbal",
        "aggression_traveller_physical",
        "aggression_traveller_verbal",
        "sexual_harassment",
        "nuisance",
        "confused_person",
        "drugs",
        "vandalism",
        "theft",
    },
    "rail_safety": {
        "level_crossing_accident",
        "person_on_track",
        "collision_person",
        "near_miss",
        "track_worker_safety",
    },
    "security": {"sabotage", "copper_theft", "suspicious_object", "bomb_threat", "cyber_incident"},
}


def test_every_required_category_exists_in_its_group_with_a_label_and_definition():
    for group, codes in REQUIRED.items():
        assert codes <= set(taxonomy.members(group))
    for category in taxonomy.CATEGORIES.values():
        assert category.group in taxonomy.GROUPS
        assert category.label_nl and category.label_en
        assert len(category.definition) > 20


def test_every_disruption_cause_in_the_real_data_is_mapped(shared_data):
    path = shared_data / "disruptions" / "disruptions-2011-2023.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        causes = {row["statistical_cause_nl"] for row in csv.DictReader(fh)}
    unmapped = sorted(c for c in causes if c not in taxonomy.DISRUPTION_CAUSES)
    assert unmapped == [], f"map these causes in perron.domain.taxonomy: {unmapped}"
    for cause in causes:
        category = taxonomy.category_for_disruption_cause(cause)
        assert category is None or category in taxonomy.CATEGORIES


def test_every_prorail_cause_label_is_mapped(shared_data):
    labels = [
        line.strip()
        for line in (shared_data / "taxonomy" / "prorail-cause-labels.txt").read_text().splitlines()
        if line.strip()
    ]
    assert len(labels) > 60
    unmapped = [label for label in labels if label not in taxonomy.PRORAIL_LABELS]
    assert unmapped == []
    assert taxonomy.category_for_prorail_label("Vandalisme") == "vandalism"
    assert taxonomy.category_for_prorail_label("Slijtage") is None


def test_an_unknown_cause_is_an_error_not_a_silent_skip():
    with pytest.raises(taxonomy.UnmappedCause, match="not in the taxonomy"):
        taxonomy.category_for_disruption_cause("buitenaardse landing")


def test_mapped_codes_all_exist():
    for mapping in (taxonomy.DISRUPTION_CAUSES, taxonomy.PRORAIL_LABELS):
        for code in mapping.values():
            assert code is None or code in taxonomy.CATEGORIES


def test_groups_and_labels():
    assert taxonomy.group_of("copper_theft") == "security"
    assert taxonomy.group_of("nope") is None
    assert taxonomy.label("theft", "nl") == "Diefstal / zakkenrollerij"
    assert taxonomy.label("social_safety", "en") == "Social safety"

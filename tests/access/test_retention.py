"""Retention periods and erasure requests, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import registry_read_seed as seed_data
from perron.access import agreements, audit
from perron.access import retention as policy
from perron.registry import queries, retention


@pytest.fixture
def world(session):
    ids = seed_data.seed(session)
    session.commit()
    return ids


def _get(session, ids, label, party):
    v = agreements.viewer_for(session, party, "admin", "adm")
    return queries.get_incident(session, v, "analysis", ids[label])


def test_purge_blanks_personal_data_past_the_period_in_every_version(session, world):
    # 2024 incidents, checked in 2026-06: social safety (730 days) expired, rail safety not
    report = retention.purge(session, now=datetime(2026, 6, 1, tzinfo=UTC), actor="t")
    session.commit()
    agg = _get(session, world, "ns-agg-1", "ns")
    assert agg["description"] is None and agg["person_ref"] is None
    assert all(v["description"] is None and v["person_ref"] is None for v in agg["versions"])
    track = _get(session, world, "pr-track-1", "prorail")
    assert track["person_ref"] == seed_data.PERSON_B and track["description"]
    assert report.incidents == 12  # 6 ns + 3 prorail vandalism + 3 politie with text or person
    entries = audit.entries(session, action="retention.purge")
    assert entries[-1]["detail"]["incidents"] == 12
    assert audit.verify(session).ok


def test_a_dry_run_changes_nothing(session, world):
    report = retention.purge(session, now=datetime(2026, 6, 1, tzinfo=UTC), dry_run=True)
    session.commit()
    assert report.incidents == 12 and report.dry_run
    assert _get(session, world, "ns-agg-1", "ns")["person_ref"] == seed_data.PERSON_A


def test_configured_periods_override_the_defaults(session, world):
    policy.set_period(session, "rail_safety", 30, actor="t")
    retention.purge(session, now=datetime(2026, 6, 1, tzinfo=UTC))
    session.commit()
    assert _get(session, world, "pr-track-1", "prorail")["person_ref"] is None
    with pytest.raises(policy.RetentionError):
        policy.set_period(session, "rail_safety", 0)


def test_erasure_removes_the_person_everywhere_and_logs_without_the_pseudonym(session, world):
    report = retention.erase(session, seed_data.PERSON_B, actor="privacy-officer")
    session.commit()
    assert report.incidents == 4  # pr-track-1 and three politie records
    for label, party in (("pr-track-1", "prorail"), ("pol-agg-2", "politie")):
        item = _get(session, world, label, party)
        assert item["person_ref"] is None and item["description"] is None
        assert all(v["person_ref"] is None for v in item["versions"])
    assert _get(session, world, "ns-agg-1", "ns")["person_ref"] == seed_data.PERSON_A
    (entry,) = audit.entries(session, action="personal_data.erase")
    assert entry["detail"] == {"incidents": 4, "versions": 4}
    assert seed_data.PERSON_B not in str(audit.entries(session, limit=1000))


def test_erasure_refuses_what_is_not_a_pseudonym(session, world):
    with pytest.raises(retention.RetentionError, match="not a pseudonym"):
        retention.erase(session, "Piet Pietersen")

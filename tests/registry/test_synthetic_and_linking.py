from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from perron.domain.incidents import IncidentFacts
from perron.registry import incidents, linking
from perron.registry.synthetic import generate, generate_records
from perron.store.tables.registry import Incident

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from perron.config import get_settings

    monkeypatch.setenv("PERRON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_synthetic_incidents_are_reproducible_and_shaped_like_the_real_thing(data_dir):
    first = generate_records(2024, seed=7, scale=0.25)
    assert generate_records(2024, seed=7, scale=0.25) == first
    assert generate_records(2024, seed=8, scale=0.25) != first
    records = [r for rows in first.values() for r in rows]
    hours = Counter(r["occurred_at"].astimezone(AMS).hour for r in records)
    evening = sum(hours[h] for h in (19, 20, 21, 22, 23))
    morning = sum(hours[h] for h in (3, 4, 5, 6, 7))
    assert evening > 3 * morning
    per_station = Counter(r["station_code"] for r in records)
    assert per_station["UT"] > 10 * max(per_station.get("HRY", 0), 1)
    assert {"ns", "prorail", "politie"} <= set(first)
    assert any(p.startswith("gm") for p in first)


def test_generate_writes_synthetic_incidents_once(session, settings):
    results = generate(session, 2023, seed=3, scale=0.1)
    session.commit()
    created = sum(r.created for r in results)
    assert created > 100
    assert all(i.synthetic and i.source == "synthetic" for i in session.scalars(select(Incident)))
    again = generate(session, 2023, seed=3, scale=0.1)
    assert sum(r.created for r in again) == 0


def _record(session, party, ref, category, station, when):
    return incidents.record(
        session,
        party,
        ref,
        IncidentFacts(category=category, occurred_at=when, station_code=station),
        "tester",
    )


def test_reports_of_the_same_event_are_proposed_and_count_once_when_confirmed(session, settings):
    t0 = datetime(2024, 4, 5, 21, 0, tzinfo=UTC)
    ns = _record(session, "ns", "N1", "aggression_staff_physical", "UT", t0)
    pol = _record(
        session, "politie", "P1", "aggression_staff_physical", "UT", t0 + timedelta(minutes=8)
    )
    _record(session, "politie", "P2", "theft", "UT", t0 + timedelta(minutes=3))  # other group
    _record(session, "politie", "P3", "aggression_staff_physical", "UT", t0 + timedelta(hours=3))
    _record(session, "ns", "N2", "aggression_staff_physical", "UT", t0 + timedelta(minutes=1))
    session.commit()
    proposals = linking.propose_links(session)
    session.commit()
    pairs = {(p.incident_id, p.linked_id) for p in proposals}
    assert (ns.id, pol.id) in pairs
    assert all(
        session.get(Incident, a).party_code != session.get(Incident, b).party_code for a, b in pairs
    )
    assert linking.propose_links(session) == []  # nothing new the second time
    before = incidents.summary(session)["total"]
    link_id = next(
        lk["id"]
        for lk in linking.list_links(session)
        if (lk["incident_id"], lk["linked_id"]) == (ns.id, pol.id)
    )
    linking.decide_link(session, link_id, True, "analyst", "prorail")
    session.commit()
    assert incidents.summary(session)["total"] == before - 1
    assert session.get(Incident, pol.id).duplicate_of == ns.id
    with pytest.raises(linking.LinkError, match="already confirmed"):
        linking.decide_link(session, link_id, False, "analyst", "prorail")


def test_a_rejected_link_counts_both(session, settings):
    t0 = datetime(2024, 4, 5, 21, 0, tzinfo=UTC)
    _record(session, "ns", "N1", "sexual_harassment", "ASD", t0)
    _record(session, "politie", "P1", "sexual_harassment", "ASD", t0 + timedelta(minutes=5))
    session.commit()
    [proposal] = linking.propose_links(session)
    before = incidents.summary(session)["total"]
    link_id = linking.list_links(session)[0]["id"]
    linking.decide_link(session, link_id, False, "analyst", "prorail")
    session.commit()
    assert incidents.summary(session)["total"] == before == 2
    assert proposal.score > 0

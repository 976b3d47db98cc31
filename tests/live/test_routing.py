"""Routing: responsible party by zone, time and severity; nearest unit by travel time."""

from __future__ import annotations

from datetime import UTC, datetime

from perron.live.routing import (
    UnitPosition,
    acting_parties,
    haversine_km,
    rank_units,
    responsible_party,
    travel_minutes,
    zone_domain,
)

WINTER_22H = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 22:00 local
SUMMER_0030 = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 local (CEST)
SUMMER_0130 = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 01:30 local


def test_zone_domains():
    assert zone_domain("tunnel") == "station"
    assert zone_domain("bicycle_parking") == "surroundings"
    assert zone_domain(None) == "station"


def test_responsible_party_by_domain_time_and_severity():
    assert responsible_party("station", "high", "GM0344", WINTER_22H) == "ns"
    assert responsible_party("station", "high", "GM0344", SUMMER_0030) == "ns"
    assert responsible_party("station", "high", "GM0344", SUMMER_0130) == "prorail"
    assert responsible_party("surroundings", "medium", "GM0344", WINTER_22H) == "gm0344"
    assert responsible_party("surroundings", "medium", "GM0344", SUMMER_0030) == "politie"
    assert responsible_party("station", "critical", "GM0344", WINTER_22H) == "politie"


def test_acting_parties():
    assert acting_parties("ns", "station", "medium") == {"ns", "prorail"}
    assert acting_parties("gm0344", "surroundings", "low") == {"gm0344"}
    assert acting_parties("gm0344", "surroundings", "high") == {"gm0344", "politie"}


def test_haversine_and_travel_time():
    # Utrecht Centraal → Amsterdam Centraal is about 35 km as the crow flies
    km = haversine_km(52.0894, 5.1100, 52.3789, 4.9003)
    assert 34 < km < 37
    # 1 km for a boa on a bicycle: 1.3 km at 15 km/h = 5.2 minutes
    one_km_lat = 1 / 111.195
    assert abs(travel_minutes("boa", 52.0, 5.0, 52.0 + one_km_lat, 5.0) - 5.2) < 0.05


def test_nearest_available_unit_by_travel_time_not_distance():
    station = (52.0894, 5.1100)
    units = [
        # security on foot 600 m away: 0.78 km / 6 km/h ≈ 7.8 min
        UnitPosition(1, "FOOT", "ns", "security", "available", 52.0894 + 0.6 / 111.195, 5.11),
        # police car 2 km away: 2.6 km / 30 km/h ≈ 5.2 min → faster although farther
        UnitPosition(2, "CAR", "politie", "police", "available", 52.0894 + 2 / 111.195, 5.11),
        # closest of all, but busy
        UnitPosition(3, "BUSY", "ns", "security", "dispatched", 52.0895, 5.11),
        # closest available, but of a party that may not act
        UnitPosition(4, "GM", "gm0344", "boa", "available", 52.0896, 5.11),
    ]
    ranked = rank_units(units, *station, frozenset({"ns", "politie"}))
    assert [p.unit_code for p in ranked] == ["CAR", "FOOT"]
    assert ranked[0].travel_minutes < ranked[1].travel_minutes
    assert ranked[1].distance_km < ranked[0].distance_km


def test_demo_units_around_large_stations_and_the_proposal(session):
    from sqlalchemy import func, select

    from live.alertkit import change
    from perron.live.alerts import apply_changes
    from perron.live.units import propose, seed_demo_units
    from perron.store.tables.live import Alert, ResponseUnit
    from perron.store.tables.reference import Station

    added = seed_demo_units(session)
    large = session.scalar(select(func.count()).where(Station.size_class == "large"))
    assert added == 4 * large
    assert seed_demo_units(session) == 0  # idempotent
    assert session.scalar(select(func.count()).select_from(ResponseUnit)) == added
    (aid,) = apply_changes(session, [change(station="UT", zone="tunnel")])
    alert = session.get(Alert, aid)
    props = propose(session, alert)
    # NS or ProRail security near Utrecht Centraal comes first; nobody from another city
    assert props and props[0].party_code in ("ns", "prorail")
    assert props[0].unit_code.endswith("-UT")
    assert all(p.travel_minutes < 30 for p in props)

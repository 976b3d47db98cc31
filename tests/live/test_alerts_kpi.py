"""Response-time figures: percentiles per station, party and period."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from live.alertkit import T0, change
from perron.live.alerts import apply_changes, transition
from perron.live.kpi import response_times
from perron.live.units import create_unit


def test_percentiles_per_group(session):
    create_unit(session, code="U", name="u", party="ns", kind="security", lat=52.09, lng=5.11)
    acks = [10, 20, 30, 40, 100]
    zones = ["hall", "platform", "tunnel", "waiting_room", "lift"]  # five separate situations
    for i, ack in enumerate(acks):
        start = T0 + timedelta(days=i)
        (aid,) = apply_changes(session, [change(zone=zones[i], at=start)], now=start)
        transition(session, aid, "acknowledged", actor="o", now=start + timedelta(seconds=ack))
        if i < 2:  # two alerts go all the way
            transition(
                session,
                aid,
                "dispatched",
                actor="o",
                unit="U",
                now=start + timedelta(seconds=ack + 5),
            )
            transition(session, aid, "on_scene", actor="o", now=start + timedelta(seconds=300))
            transition(
                session,
                aid,
                "resolved",
                actor="o",
                outcome="true_alarm",
                now=start + timedelta(seconds=600),
            )
    # one at another station, never acknowledged
    apply_changes(session, [change(station="ASD", zone="hall")], now=T0)
    session.flush()

    (all_,) = response_times(session)
    assert all_["alerts"] == 6
    ack = all_["acknowledge"]
    assert ack["n"] == 5
    assert ack["p50"] == float(np.percentile(acks, 50)) == 30.0
    assert ack["p90"] == round(float(np.percentile(acks, 90)), 1)
    assert all_["resolve"] == {"n": 2, "p50": 600.0, "p90": 600.0, "p95": 600.0, "mean": 600.0}

    by_station = {r["group"]: r for r in response_times(session, group_by="station")}
    assert set(by_station) == {"ASD", "UT"} and by_station["ASD"]["acknowledge"]["n"] == 0
    by_party = {r["group"] for r in response_times(session, group_by="party")}
    assert by_party == {"ns"}  # 22:00 local, station domain
    by_day = response_times(session, group_by="period", period="day")
    assert [r["group"] for r in by_day] == [f"2026-11-{d}" for d in (20, 21, 22, 23, 24)]
    assert response_times(session, station="ASD")[0]["alerts"] == 1

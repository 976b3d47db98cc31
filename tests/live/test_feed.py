"""The live feed's cursor: each change once, late commits within the overlap still delivered,
only what the subscriber may see."""

from __future__ import annotations

from datetime import timedelta

from live.alertkit import T0, change
from perron.access.accounts import Principal
from perron.domain.parties import Role
from perron.live.alerts import apply_changes, transition
from perron.live.feed import AlertFeed

NS_OP = Principal(1, "op", "op", "ns", Role.OPERATOR)


def test_feed_sends_each_change_once_and_respects_visibility(session):
    feed = AlertFeed(NS_OP, T0 - timedelta(seconds=1))
    (a,) = apply_changes(session, [change(zone="tunnel")], now=T0)
    apply_changes(session, [change(zone="bicycle_parking", rule="loitering_evening")], now=T0)
    session.commit()
    first = feed.poll(session)
    assert [(k, d["id"]) for k, d in first] == [("alert.created", a)]  # not the municipality's
    assert feed.poll(session) == []  # nothing new
    transition(session, a, "acknowledged", actor="x", now=T0 + timedelta(seconds=5))
    session.commit()
    upd = feed.poll(session)
    assert [(k, d["id"], d["state"]) for k, d in upd] == [("alert.updated", a, "acknowledged")]


def test_a_change_committed_late_within_the_overlap_is_not_lost(session):
    feed = AlertFeed(NS_OP, T0)
    apply_changes(session, [change(zone="hall")], now=T0 + timedelta(seconds=10))
    session.commit()
    assert len(feed.poll(session)) == 1
    # another transaction commits afterwards with an earlier timestamp (3 s before the cursor)
    (late,) = apply_changes(session, [change(zone="platform")], now=T0 + timedelta(seconds=7))
    session.commit()
    assert [d["id"] for _, d in feed.poll(session)] == [late]

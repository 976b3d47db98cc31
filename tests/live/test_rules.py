"""Correlation rules: validation of the rules file and the semantics of each rule type."""

from __future__ import annotations

from datetime import timedelta

import pytest

from live.alertkit import T0, Ev, ev
from perron.live.rules import BUILTIN_RULES, Correlator, RulesError, load_rules, parse_rules


def test_builtin_rules_load_and_cover_the_required_situations():
    ids = {r.id for r in load_rules().rules}
    assert {"aggression", "help_point", "loitering_evening", "crowding"} <= ids
    assert "vandalism_repeated" in ids
    assert BUILTIN_RULES.exists()


def test_yell_then_person_within_30_s_is_possible_aggression():
    c = Correlator()
    assert c.feed(ev("yell", 0)) == []
    out = c.feed(ev("person", 29))
    assert len(out) == 1
    ch = out[0]
    assert (ch.action, ch.rule_id, ch.station_code, ch.zone) == (
        "open",
        "aggression",
        "UT",
        "tunnel",
    )
    assert ch.severity == "high" and ch.dedup_key == "aggression:UT:tunnel"
    assert len(ch.event_ids) == 2


def test_aggression_needs_the_same_zone_and_the_window():
    c = Correlator()
    c.feed(ev("glass", 0))
    assert c.feed(ev("person", 31)) == []  # 31 s later: outside the 30 s window
    c2 = Correlator()
    c2.feed(ev("scream", 0, zone="platform"))
    assert c2.feed(ev("person", 5, zone="tunnel")) == []  # other zone
    c3 = Correlator()
    c3.feed(ev("person", 0))
    assert [x.rule_id for x in c3.feed(ev("yell", 10))] == ["aggression"]  # order does not matter


def test_one_situation_is_one_alert_updated_with_cooldown():
    c = Correlator()
    c.feed(ev("yell", 0))
    changes = [x for s in range(1, 120) for x in c.feed(ev("person", s))]
    opens = [x for x in changes if x.action == "open"]
    updates = [x for x in changes if x.action == "update"]
    assert len(opens) == 1
    # triggers only while the yell is within 30 s; updates coalesced to one per 10 s
    assert 1 <= len(updates) <= 3
    assert sum(u.count for u in updates) + 1 <= 30
    assert all(u.dedup_key == opens[0].dedup_key for u in updates)
    # after the cool-down (300 s since the last trigger) a new situation opens a new alert
    c.feed(ev("yell", 29 + 301))
    again = c.feed(ev("person", 29 + 302))
    assert [x.action for x in again] == ["open"]


def test_help_point_is_immediate_and_critical():
    c = Correlator()
    out = c.feed(ev("help_point", 0, zone="platform"))
    assert [(x.rule_id, x.severity, x.action) for x in out] == [("help_point", "critical", "open")]
    # pressed again 15 s later: the same situation (cool-down 120 s), an update, no new alert
    assert [x.action for x in c.feed(ev("help_point", 15, zone="platform"))] == ["update"]
    # pressed again beyond the cool-down: a new alert
    out2 = c.feed(ev("help_point", 200, zone="platform"))
    assert [x.action for x in out2] == ["open"]


def test_loitering_after_19_in_tunnel_beyond_10_minutes():
    c = Correlator()
    out = []
    for s in range(0, 601, 60):  # a person seen every minute for 10 minutes, at 22:00 local
        out += c.feed(ev("person", s))
    assert [x.rule_id for x in out] == ["loitering_evening"]
    # the same in the afternoon (14:00 local) raises nothing
    c2 = Correlator()
    day = T0.replace(hour=13)
    got = [
        x for s in range(0, 700, 60) for x in c2.feed(Ev("person", at=day + timedelta(seconds=s)))
    ]
    assert got == []
    # a gap longer than 90 s restarts the clock
    c3 = Correlator()
    got = [x for s in (0, 60, 120, 300, 360, 420, 480, 540, 600) for x in c3.feed(ev("person", s))]
    assert got == []
    # not on a platform (rule limited to tunnel and bicycle parking)
    c4 = Correlator()
    got = [x for s in range(0, 700, 60) for x in c4.feed(ev("person", s, zone="platform"))]
    assert got == []


def test_loitering_reported_by_the_source_with_its_dwell_time():
    c = Correlator()
    out = c.feed(ev("loitering", 0, zone="bicycle_parking", value=900))
    assert [x.rule_id for x in out] == ["loitering_evening"]
    assert c.feed(ev("loitering", 1, zone="bicycle_parking", value=100)) == []


def test_crowd_threshold():
    c = Correlator()
    assert c.feed(ev("crowd_count", 0, zone="platform", value=149)) == []
    out = c.feed(ev("crowd_count", 1, zone="platform", value=150))
    assert [x.rule_id for x in out] == ["crowding"]
    assert out[0].detail["threshold"] == 150


def test_repeated_vandalism_is_station_wide():
    c = Correlator()
    assert c.feed(ev("graffiti", 0, zone="tunnel")) == []
    assert c.feed(ev("vandalism", 600, zone="platform")) == []
    out = c.feed(ev("tamper", 1200, zone="hall"))
    assert [(x.rule_id, x.zone, x.dedup_key) for x in out] == [
        ("vandalism_repeated", None, "vandalism_repeated:UT:*")
    ]
    c2 = Correlator()
    for s in (0, 1000, 2000):  # spread over more than 30 minutes
        assert c2.feed(ev("graffiti", s)) == []


def test_invalid_rules_name_file_rule_and_field(tmp_path):
    path = tmp_path / "my-rules.toml"
    path.write_text(
        'version = 1\n[[rules]]\nid = "night_tunnel"\ntype = "dwell"\ntitle_nl = "x"\n'
        'title_en = "x"\nseverity = "urgent"\nsubcategory = "assault"\nsignals = ["person"]\n'
        'zones = ["moon"]\n'
    )
    with pytest.raises(RulesError) as info:
        load_rules(path)
    msg = str(info.value)
    assert "my-rules.toml" in msg and "rule 'night_tunnel'" in msg
    assert "field severity" in msg and "field zones" in msg


def test_type_specific_fields_and_duplicates_are_checked():
    base = (
        'id = "{id}"\ntitle_nl = "x"\ntitle_en = "x"\nseverity = "low"\nsubcategory = "assault"\n'
    )
    doc = "[[rules]]\n" + base.format(id="ab") + 'type = "threshold"\nsignals = ["crowd_count"]\n'
    with pytest.raises(RulesError, match="needs threshold"):
        parse_rules(doc, "f.toml")
    doc = "".join(
        "[[rules]]\n" + base.format(id="same") + 'type = "immediate"\nsignals = ["x"]\n'
        for _ in range(2)
    )
    with pytest.raises(RulesError, match="used twice"):
        parse_rules(doc, "f.toml")
    with pytest.raises(RulesError, match="not valid TOML"):
        parse_rules("[[rules]\n", "f.toml")


def test_the_real_event_model_is_read_through_its_signal():
    from perron.domain.events import Event

    def real(kind: str, label: str, seconds: float, **kw) -> Event:
        at = T0 + timedelta(seconds=seconds)
        return Event(
            id=f"e{seconds}",
            source="simulator",
            kind=kind,
            label=label,
            station_code="UT",
            zone="hall",
            occurred_at=at,
            received_at=at,
            **kw,
        )

    c = Correlator()
    assert c.feed(real("audio", "glass_break", 0)) == []
    out = c.feed(real("detection", "person", 12))
    assert [(x.rule_id, x.event_ids) for x in out] == [("aggression", ("e12", "e0"))]
    out = c.feed(real("panic", "panic", 20))
    assert [(x.rule_id, x.severity) for x in out] == [("help_point", "critical")]
    out = c.feed(real("crowd", "crowd", 30, value=180.0))
    assert [x.rule_id for x in out] == ["crowding"]

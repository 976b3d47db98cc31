"""Correlation rules: from a stream of sensor events to alerts.

Rules are declared in TOML (the built-in set is ``rules.toml`` beside this module), validated with
pydantic, and run by :class:`Correlator`, a pure in-memory state machine: ``feed(event)`` returns
the alert changes the event causes — open a new alert, or update the one already open for the
same situation. One situation is one alert: the de-duplication key is rule × station × zone (or
rule × station for station-wide rules) and a trigger within the rule's cool-down of the previous
trigger updates the existing alert instead of opening another one. Updates of a running situation
are coalesced to at most one per ``update_interval_s``.

Rule types (kinds of the ``perron.rules`` registry, :data:`RULE_KINDS`; other packages add theirs
through the same entry point group, see docs/plugins.md)
    ``immediate``    any event of ``signals`` (help point, panic button) raises an alert.
    ``combination``  events of every group in ``all_of`` in the same station zone within
                     ``window_s`` seconds (yell or breaking glass plus a person → aggression).
    ``dwell``        ``signals`` seen in a zone without a gap longer than ``max_gap_s`` for at
                     least ``min_duration_s`` (or an event that reports its own dwell time in
                     ``value`` seconds), optionally only between ``after`` and ``before`` local
                     time (Europe/Amsterdam).
    ``threshold``    a ``signals`` event whose ``value`` (a count) is at least ``threshold``.
    ``repeat``       at least ``count`` ``signals`` events within ``window_s`` (repeated
                     vandalism signals).
"""

from __future__ import annotations

import tomllib
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from perron.domain.alerts import Severity, higher
from perron.domain.events import Event
from perron.domain.local_time import LOCAL_TZ
from perron.domain.zones import ZONE_CODES
from perron.plugins import Registry, UnknownPlugin

BUILTIN_RULES = Path(__file__).with_name("rules.toml")

# The NGSI-LD Alert subcategories an alert of Perron may carry (all in the Smart Data Models enum).
SUBCATEGORIES = ("assault", "robbery", "civilDisorder", "suspiciousAction", "crowdRisk")


class SensedEvent(Protocol):
    """What the correlator reads of an event (``perron.domain.events.Event`` has these)."""

    @property
    def id(self) -> Any: ...
    @property
    def kind(self) -> str: ...
    @property
    def station_code(self) -> str: ...
    @property
    def zone(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def value(self) -> float | None: ...


class Rule(BaseModel):
    """One correlation rule as declared in the rules file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")
    type: str = Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")
    title_nl: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    severity: Severity
    subcategory: Literal["assault", "robbery", "civilDisorder", "suspiciousAction", "crowdRisk"]
    signals: tuple[str, ...] = ()
    all_of: tuple[tuple[str, ...], ...] = ()
    zones: tuple[str, ...] | None = None
    scope: Literal["zone", "station"] = "zone"
    window_s: float = Field(default=30.0, gt=0)
    min_duration_s: float | None = Field(default=None, gt=0)
    max_gap_s: float = Field(default=60.0, gt=0)
    threshold: float | None = None
    count: int | None = Field(default=None, ge=2)
    after: time | None = None
    before: time | None = None
    cooldown_s: float = Field(default=300.0, ge=0)
    update_interval_s: float = Field(default=10.0, ge=0)
    enabled: bool = True
    #: settings of a rule kind that the fields above do not cover (kinds of other packages)
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("zones")
    @classmethod
    def _known_zones(cls, zones: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if zones is not None:
            unknown = [z for z in zones if z not in ZONE_CODES]
            if unknown:
                raise ValueError(
                    f"unknown zone(s) {', '.join(unknown)}; known: {', '.join(ZONE_CODES)}"
                )
        return zones

    @model_validator(mode="after")
    def _fields_of_type(self) -> Rule:
        try:
            kind = RULE_KINDS.get(self.type)
        except UnknownPlugin as exc:
            raise ValueError(
                f"unknown rule type {self.type!r}; known: {', '.join(exc.known)}"
            ) from None
        missing = [f for f in kind.needs if not getattr(self, f)]
        if missing:
            raise ValueError(f"a {self.type} rule needs {', '.join(missing)}")
        kind.check(self)
        if (self.after is None) != (self.before is None):
            raise ValueError("give both after and before (local time), or neither")
        return self

    def __hash__(self) -> int:  # params is a table: hash what identifies the rule
        return hash((self.id, self.type, self.severity))

    def in_hours(self, at: datetime) -> bool:
        """Whether ``at`` falls in the rule's local-time window (always, without one)."""
        if self.after is None or self.before is None:
            return True
        local = at.astimezone(LOCAL_TZ).time()
        if self.after <= self.before:
            return self.after <= local < self.before
        return local >= self.after or local < self.before  # across midnight


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file, the rule and the field."""


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Parse and validate a rules document; errors name ``source``, the rule and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raw = data.get("rules") if isinstance(data, dict) else None
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            where = ".".join(str(p) for p in loc) or "(document)"
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                index = loc[1]
                rule_id = None
                if isinstance(raw, list) and index < len(raw) and isinstance(raw[index], dict):
                    rule_id = raw[index].get("id")
                name = f"rule {rule_id!r}" if rule_id else f"rule #{index + 1}"
                fld = ".".join(str(p) for p in loc[2:]) or "(rule)"
                where = f"{name}, field {fld}"
            lines.append(f"{source}: {where}: {err['msg']}")
        raise RulesError("\n".join(lines)) from exc


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load a rules file (the built-in rules by default)."""
    p = Path(path) if path is not None else BUILTIN_RULES
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{p}: cannot read: {exc.strerror}") from exc
    return parse_rules(text, str(p))


@dataclass(frozen=True, slots=True)
class AlertChange:
    """What a rule concluded: open a new alert or update the open one with the same key."""

    action: Literal["open", "update"]
    rule_id: str
    dedup_key: str
    station_code: str
    zone: str | None
    severity: str
    subcategory: str
    title_nl: str
    title_en: str
    at: datetime
    event_ids: tuple[str, ...]
    count: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Situation:
    last_trigger: float
    last_emit: float
    pending_ids: dict[str, None]
    pending_count: int
    severity: str


# ------------------------------------------------------------------ rule kinds (a registry)


class RuleKind:
    """A kind of correlation rule: one instance runs one rule over the events of its signals.

    A kind is a subclass named in the ``perron.rules`` entry point group (the five kinds of
    Perron are declared there too). ``needs`` lists the fields of :class:`Rule` a rule of the kind
    must set; :meth:`check` may refuse a rule further (raise ``ValueError``, the rules file error
    then names the rule). Settings of a kind that :class:`Rule` has no field for go into the
    rule's ``params`` table. :meth:`evaluate` sees only events of :meth:`signals` in the rule's
    zones and hours and returns the ids of the events that triggered the rule and a detail
    dictionary, or None.
    """

    needs: tuple[str, ...] = ("signals",)

    @classmethod
    def check(cls, rule: Rule) -> None:
        """Refuse a rule this kind cannot run (``ValueError``); the default accepts any."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def signals(self) -> Iterable[str]:
        return self.rule.signals

    def key(self, event: SensedEvent) -> tuple[str, str | None]:
        """Where the rule counts: per station and zone, or per station for station-wide rules."""
        return (event.station_code, event.zone if self.rule.scope == "zone" else None)

    def evaluate(
        self, event: SensedEvent, t: float, eid: str
    ) -> tuple[tuple[str, ...], dict[str, Any]] | None:
        raise NotImplementedError

    def forget(self, stations: frozenset[str]) -> None:
        """Drop what the rule remembers of ``stations``: every dictionary attribute keyed by
        :meth:`key` (station, zone) loses those stations' entries. A kind that keeps state in
        another shape overrides this."""
        for table in vars(self).values():
            if isinstance(table, dict):
                for k in [k for k in table if isinstance(k, tuple) and k and k[0] in stations]:
                    del table[k]


def _kind_class(name: str, obj: Any) -> type[RuleKind]:
    if not (isinstance(obj, type) and issubclass(obj, RuleKind)):
        raise TypeError(f"{obj!r} is not a subclass of perron.live.rules.RuleKind")
    return obj


#: rule type → kind, from the ``perron.rules`` entry points
RULE_KINDS: Registry[type[RuleKind]] = Registry(
    "perron.rules",
    _kind_class,
    builtin=("combination", "dwell", "immediate", "repeat", "threshold"),
)


class Immediate(RuleKind):
    """Any event of ``signals`` (help point, panic button) raises an alert."""

    def evaluate(self, event, t, eid):
        return (eid,), {}


class Threshold(RuleKind):
    """A ``signals`` event whose ``value`` (a count) is at least ``threshold``."""

    needs = ("signals", "threshold")

    def evaluate(self, event, t, eid):
        value, threshold = event.value, self.rule.threshold
        if value is not None and threshold is not None and value >= threshold:
            return (eid,), {"value": value, "threshold": threshold}
        return None


class Combination(RuleKind):
    """Events of every group in ``all_of`` in the same station zone within ``window_s``."""

    needs = ("all_of",)

    @classmethod
    def check(cls, rule: Rule) -> None:
        if len(rule.all_of) < 2 or any(not group for group in rule.all_of):
            raise ValueError("all_of needs at least two non-empty groups of signals")

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        # signal → indices of the groups it belongs to
        self.groups: dict[str, tuple[int, ...]] = {}
        for i, group in enumerate(rule.all_of):
            for signal in group:
                self.groups[signal] = (*self.groups.get(signal, ()), i)
        # (station, zone) → per-group deques of (t, id)
        self.windows: dict[tuple[str, str | None], list[deque[tuple[float, str]]]] = {}

    def signals(self) -> Iterable[str]:
        return self.groups

    def evaluate(self, event, t, eid):
        rule = self.rule
        key = self.key(event)
        wins = self.windows.get(key)
        if wins is None:
            wins = self.windows[key] = [deque(maxlen=16) for _ in rule.all_of]
        for gi in self.groups[event.kind]:
            wins[gi].append((t, eid))
        horizon = t - rule.window_s
        complete = True
        for win in wins:
            while win and win[0][0] < horizon:
                win.popleft()
            if not win:
                complete = False
        if not complete:
            return None
        # evidence: this event and the latest event of every other group
        ids = tuple(dict.fromkeys([eid, *(win[-1][1] for win in wins)]))
        return ids, {"window_s": rule.window_s}


class Repeat(RuleKind):
    """At least ``count`` ``signals`` events within ``window_s`` (repeated vandalism signals)."""

    needs = ("signals", "count")

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.windows: dict[tuple[str, str | None], deque[tuple[float, str]]] = {}

    def evaluate(self, event, t, eid):
        rule = self.rule
        key = self.key(event)
        win = self.windows.get(key)
        if win is None:
            win = self.windows[key] = deque()
        win.append((t, eid))
        horizon = t - rule.window_s
        while win and win[0][0] < horizon:
            win.popleft()
        if rule.count is not None and len(win) >= rule.count:
            return tuple(i for _, i in win), {"count": len(win), "window_s": rule.window_s}
        return None


class Dwell(RuleKind):
    """``signals`` seen in a zone without a gap longer than ``max_gap_s`` for ``min_duration_s``
    (or an event that reports its own dwell time in ``value`` seconds)."""

    needs = ("signals", "min_duration_s")

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        # (station, zone) → [start, last, ids]
        self.dwell: dict[tuple[str, str | None], list[Any]] = {}

    def evaluate(self, event, t, eid):
        rule = self.rule
        min_s = rule.min_duration_s or 0.0
        if event.value is not None and event.value >= min_s:
            return (eid,), {"dwell_s": float(event.value)}
        key = self.key(event)
        state = self.dwell.get(key)
        if state is None or t - state[1] > rule.max_gap_s or t < state[0]:
            state = self.dwell[key] = [t, t, [eid]]
        else:
            state[1] = max(state[1], t)
            if len(state[2]) < 20:
                state[2].append(eid)
        if state[1] - state[0] >= min_s:
            return tuple(state[2]), {"dwell_s": state[1] - state[0]}
        return None


class _RuleState:
    """The running state of one rule: its zones and hours, and the state of its kind."""

    __slots__ = ("rule", "kind", "zones")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.zones = frozenset(rule.zones) if rule.zones is not None else None
        self.kind = RULE_KINDS.get(rule.type)(rule)

    def signals(self) -> Iterable[str]:
        return self.kind.signals()

    def evaluate(
        self, event: SensedEvent, t: float, eid: str
    ) -> tuple[tuple[str, ...], dict[str, Any]] | None:
        """The event ids of a trigger caused by this event, or None."""
        if self.zones is not None and event.zone not in self.zones:
            return None
        if not self.rule.in_hours(event.at):
            return None
        return self.kind.evaluate(event, t, eid)


class Correlator:
    """Runs the rules over a stream of events; see the module documentation.

    Not thread-safe: feed it from one thread (the live engine does).
    """

    def __init__(self, rules: RuleSet | Sequence[Rule] | None = None) -> None:
        if rules is None:
            rules = load_rules()
        seq = rules.rules if isinstance(rules, RuleSet) else tuple(rules)
        self.rules: tuple[Rule, ...] = tuple(r for r in seq if r.enabled)
        self._by_signal: dict[str, list[_RuleState]] = {}
        for rule in self.rules:
            state = _RuleState(rule)
            for signal in state.signals():
                self._by_signal.setdefault(signal, []).append(state)
        self._situations: dict[str, _Situation] = {}

    @property
    def signals(self) -> frozenset[str]:
        """Every event kind some rule listens to."""
        return frozenset(self._by_signal)

    def forget(self, stations: Iterable[str]) -> None:
        """Drop what is known of ``stations`` (windows, dwell times, situations): before a live
        worker that takes a station over warms it up again from the stored events."""
        codes = frozenset(stations)
        if not codes:
            return
        for states in self._by_signal.values():
            for state in states:
                state.kind.forget(codes)
        for key in [k for k in self._situations if k.split(":")[1] in codes]:
            del self._situations[key]

    def feed(self, event: Event | SensedEvent) -> list[AlertChange]:
        """Take one event; return the alert changes it causes (usually none).

        Takes a :class:`perron.domain.events.Event` (read through its ``sensed()`` view, whose
        kind is the signal: ``person``, ``yell``, ``panic_button`` …) or anything with the
        fields of :class:`SensedEvent`."""
        sensed: SensedEvent = event.sensed() if isinstance(event, Event) else event
        states = self._by_signal.get(sensed.kind)
        if not states:
            return []
        at = sensed.at
        t = at.timestamp()
        eid = str(sensed.id)
        changes: list[AlertChange] = []
        for state in states:
            hit = state.evaluate(sensed, t, eid)
            if hit is None:
                continue
            change = self._situation(state.rule, sensed, t, hit[0], hit[1])
            if change is not None:
                changes.append(change)
        return changes

    def _situation(
        self,
        rule: Rule,
        event: SensedEvent,
        t: float,
        ids: tuple[str, ...],
        detail: dict[str, Any],
    ) -> AlertChange | None:
        zone = event.zone if rule.scope == "zone" else None
        key = f"{rule.id}:{event.station_code}:{zone or '*'}"
        sit = self._situations.get(key)
        severity = rule.severity.value
        if sit is None or t - sit.last_trigger > rule.cooldown_s:
            self._situations[key] = _Situation(t, t, {}, 0, severity)
            action: Literal["open", "update"] = "open"
            count = 1
            out_ids = ids
        else:
            if t > sit.last_trigger:
                sit.last_trigger = t
            pending = sit.pending_ids
            if len(pending) < 50:
                for i in ids:
                    pending[i] = None
            sit.pending_count += 1
            if t - sit.last_emit < rule.update_interval_s:
                return None
            action = "update"
            out_ids = tuple(pending)
            count = sit.pending_count
            sit.pending_ids, sit.pending_count, sit.last_emit = {}, 0, t
            severity = higher(severity, sit.severity)
        return AlertChange(
            action=action,
            rule_id=rule.id,
            dedup_key=key,
            station_code=event.station_code,
            zone=zone,
            severity=severity,
            subcategory=rule.subcategory,
            title_nl=rule.title_nl,
            title_en=rule.title_en,
            at=event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC),
            event_ids=out_ids,
            count=count,
            detail=detail,
        )

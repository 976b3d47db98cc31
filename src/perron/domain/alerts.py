"""Alerts: severities, the states of an alert's lifecycle and which transitions are allowed.

Pure: no database, no clock. The store and the services in ``perron.live`` apply these rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from perron.domain.errors import Conflict


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.LOW,
    Severity.MEDIUM,
    Severity.HIGH,
    Severity.CRITICAL,
)
SEVERITY_RANK: dict[str, int] = {s.value: i for i, s in enumerate(SEVERITY_ORDER)}


def higher(a: str, b: str) -> str:
    """The more severe of two severities."""
    return a if SEVERITY_RANK[a] >= SEVERITY_RANK[b] else b


def raised(severity: str) -> str:
    """One step more severe (critical stays critical)."""
    i = SEVERITY_RANK[severity]
    return SEVERITY_ORDER[min(i + 1, len(SEVERITY_ORDER) - 1)].value


class AlertState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"


OPEN_STATES: tuple[str, ...] = (
    AlertState.NEW.value,
    AlertState.ACKNOWLEDGED.value,
    AlertState.DISPATCHED.value,
    AlertState.ON_SCENE.value,
)

# Allowed moves. An operator may close an alert as a false alarm at any open state; a unit that
# cannot go (declines) sends a dispatched alert back to acknowledged for another unit.
TRANSITIONS: dict[AlertState, frozenset[AlertState]] = {
    AlertState.NEW: frozenset({AlertState.ACKNOWLEDGED, AlertState.RESOLVED}),
    AlertState.ACKNOWLEDGED: frozenset({AlertState.DISPATCHED, AlertState.RESOLVED}),
    AlertState.DISPATCHED: frozenset(
        {AlertState.ON_SCENE, AlertState.ACKNOWLEDGED, AlertState.RESOLVED}
    ),
    AlertState.ON_SCENE: frozenset({AlertState.RESOLVED}),
    AlertState.RESOLVED: frozenset(),
}


class Outcome(StrEnum):
    """How a resolved alert ended."""

    TRUE_ALARM = "true_alarm"
    FALSE_ALARM = "false_alarm"


class TransitionError(Conflict, ValueError):
    """A move the lifecycle does not allow, with a message that says what is allowed."""

    title = "Transition not allowed"


def check_transition(current: str, target: str, *, outcome: str | None = None) -> None:
    """Raise TransitionError unless ``current`` → ``target`` is allowed (resolving needs an
    outcome: true_alarm or false_alarm)."""
    try:
        cur, tgt = AlertState(current), AlertState(target)
    except ValueError as exc:
        raise TransitionError(
            f"unknown state in {current!r} → {target!r}; states are "
            + ", ".join(s.value for s in AlertState)
        ) from exc
    if tgt not in TRANSITIONS[cur]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[cur])) or "none (it is closed)"
        raise TransitionError(
            f"an alert in state {cur.value!r} cannot move to {tgt.value!r}; allowed: {allowed}"
        )
    if tgt is AlertState.RESOLVED:
        if outcome is None:
            raise TransitionError("resolving needs an outcome: true_alarm or false_alarm")
        if outcome not in {o.value for o in Outcome}:
            raise TransitionError(f"unknown outcome {outcome!r}: use true_alarm or false_alarm")


class LifecycleEvent(Protocol):
    """One recorded step of an alert's lifecycle (a row of its transitions)."""

    @property
    def from_state(self) -> str | None: ...

    @property
    def to_state(self) -> str: ...


def is_acceptance(event: LifecycleEvent) -> bool:
    """A dispatched unit confirmed it takes the alert: the one event that keeps an alert
    dispatched (escalation happens only to new alerts; every other event changes the state)."""
    return event.from_state == AlertState.DISPATCHED.value == event.to_state


def accepted(events: Iterable[LifecycleEvent]) -> bool:
    """Whether the unit now dispatched to an alert has accepted it: an acceptance after the
    alert's latest move into dispatched (a unit released and another sent must accept anew).
    ``events`` in the order they happened."""
    state = False
    for event in events:
        if is_acceptance(event):
            state = True
        elif event.to_state == AlertState.DISPATCHED.value or event.to_state != event.from_state:
            state = False
    return state


# How long an alert may stay unacknowledged before it escalates, per severity. Each escalation
# raises the severity one step and notifies the next party; the limit of the new severity then
# applies from the moment of escalation.
ACK_LIMITS: dict[str, timedelta] = {
    Severity.CRITICAL.value: timedelta(seconds=60),
    Severity.HIGH.value: timedelta(seconds=120),
    Severity.MEDIUM.value: timedelta(minutes=5),
    Severity.LOW.value: timedelta(minutes=15),
}

# Mapping to the vocabularies of the exchange formats.
CAP_SEVERITY: dict[str, str] = {
    "low": "Minor",
    "medium": "Moderate",
    "high": "Severe",
    "critical": "Extreme",
}
CAP_URGENCY: dict[str, str] = {
    "low": "Expected",
    "medium": "Expected",
    "high": "Immediate",
    "critical": "Immediate",
}

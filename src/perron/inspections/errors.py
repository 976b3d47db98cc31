"""Errors of the inspections capability, each fit to show to the person who caused it."""

from __future__ import annotations


class InspectionError(ValueError):
    """Bad input or a rule that forbids the change; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(InspectionError):
    """The actor's party or role may not do this."""


class NotFound(InspectionError):
    """No such walk, finding, action, photo or recommendation."""

"""Errors of the programme's service functions; API and CLI map them to 4xx answers."""

from __future__ import annotations


class ProgrammeError(ValueError):
    """Input that cannot be used (422); the message names the field."""


class NotFound(LookupError):
    """No such deal, measure or budget line (404)."""


class Forbidden(PermissionError):
    """The actor may not do this (403); the message says who may."""


class Conflict(RuntimeError):
    """The record changed since the actor read it, or the change breaks a rule of state (409)."""

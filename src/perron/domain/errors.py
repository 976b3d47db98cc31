"""The errors every service function raises, whatever its capability.

Each front end maps them in one place: the API to problem documents (404, 403, 422, 409), the
command line to an error message with exit code 1 (2 for bad input), the web pages to a
message on the page. A capability may subclass them to say more (``AlertNotFound``), never to
mean something else. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request a service function cannot carry out; the message says why, fit to show."""

    #: the HTTP status the API answers with, and the title of its problem document
    status = 400
    title = "Bad Request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def extra(self) -> dict[str, Any]:
        """Members the API adds to its problem document (the field, and what a subclass says
        more, e.g. which agreement is missing)."""
        return {"field": self.field} if self.field else {}


class NotFound(ServiceError):
    """No such record, or none the actor may see (the two are not told apart)."""

    status = 404
    title = "Not Found"


class Forbidden(ServiceError):
    """The actor's party, role or purpose does not allow this; the message says who may."""

    status = 403
    title = "Forbidden"


class Invalid(ServiceError):
    """Input that cannot be used; ``field`` names the offending field."""

    status = 422
    title = "Invalid request"


class Conflict(ServiceError):
    """The request breaks a rule of state (a lifecycle move, a busy unit, a record changed)."""

    status = 409
    title = "Conflict"

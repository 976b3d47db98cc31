"""The web pages' one mapping of the service functions' errors to what a page shows: the
service's message, with the field it names (pages put it next to the form or in the page's
message line)."""

from __future__ import annotations

from perron.domain.errors import ServiceError


def service_message(exc: ServiceError) -> str:
    """The message a page shows for ``exc``."""
    text = str(exc)
    if exc.field and exc.field not in text:
        text = f"{text} (field {exc.field})"
    return text

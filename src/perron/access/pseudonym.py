"""Pseudonymisation of identifiers of persons with a keyed hash."""

from __future__ import annotations

import hmac

from perron.config import get_settings

PREFIX = "psn_"


def pseudonymise(value: str, key: bytes | None = None) -> str:
    """Return a stable pseudonym for ``value``: HMAC-SHA256 under the installation's secret key.

    The same person gets the same pseudonym in every record of this installation (so an
    erasure request by pseudonym finds them everywhere), while the identifier itself is never
    stored and cannot be recovered without the key.
    """
    key = key if key is not None else get_settings().secret("pseudonym_key")
    normalised = " ".join(value.strip().lower().split())
    digest = hmac.digest(key, normalised.encode(), "sha256").hex()
    return PREFIX + digest[:32]


def is_pseudonym(value: str) -> bool:
    """Whether ``value`` has the form of a pseudonym made by :func:`pseudonymise`."""
    return value.startswith(PREFIX) and len(value) == len(PREFIX) + 32

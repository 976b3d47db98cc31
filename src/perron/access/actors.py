"""Who calls a service function: a user (:class:`~perron.access.accounts.Principal`, with party
and role) or the person who runs the installation at its command line.

Every service function takes an :data:`Actor` and decides from it what may be done; the front
ends only say who is asking.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.access.accounts import Principal
from perron.domain.errors import Invalid
from perron.domain.parties import Role

#: the party recorded in the audit trail for the installation's own actions
NO_PARTY = "-"


@dataclass(frozen=True)
class Installation:
    """The person who runs this installation, acting at its command line without ``--user``:
    they administer every party's data here, so they see and act on everything, and what they
    change is recorded under their login name (``cli:<login>``)."""

    username: str
    party_code: str = NO_PARTY
    role: Role = Role.ADMIN


Actor = Principal | Installation


def installation(name: str | None = None) -> Installation:
    """The installation's actor, named ``name`` or ``cli:<login name>``."""
    if name:
        return Installation(name)
    try:
        return Installation(f"cli:{getpass.getuser()}")
    except OSError:
        return Installation("cli")


def user_actor(session: Session, username: str) -> Principal:
    """The active user ``username`` as an actor (the command line's ``--user``)."""
    from perron.access.accounts import _principal
    from perron.store.tables.accounts import User

    row = session.scalar(select(User).where(User.username == username))
    if row is None or not row.active:
        raise Invalid(f"unknown user {username!r}", "user")
    return _principal(row)


def principal_of(actor: Actor) -> Principal | None:
    """The user behind ``actor``; None for the installation (which sees everything)."""
    return actor if isinstance(actor, Principal) else None

"""Small builders shared by the alert tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

from perron.access.accounts import start_session
from perron.api.deps import SESSION_COOKIE
from perron.live.rules import AlertChange
from perron.store.db import make_engine, transaction
from perron.store.tables.accounts import User

T0 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 22:00 in Amsterdam
_ids = count(1)


@dataclass
class Ev:
    """An event as the correlator reads it."""

    kind: str
    station_code: str = "UT"
    zone: str | None = "tunnel"
    at: datetime = T0
    value: float | None = None
    id: int = 0

    def __post_init__(self) -> None:
        if not self.id:
            self.id = next(_ids)


def ev(kind: str, seconds: float = 0, **kw) -> Ev:
    return Ev(kind, at=T0 + timedelta(seconds=seconds), **kw)


def change(
    rule: str = "aggression",
    station: str = "UT",
    zone: str | None = "tunnel",
    severity: str = "high",
    at: datetime = T0,
    action: str = "open",
    subcategory: str = "assault",
) -> AlertChange:
    return AlertChange(
        action=action,  # type: ignore[arg-type]
        rule_id=rule,
        dedup_key=f"{rule}:{station}:{zone or '*'}",
        station_code=station,
        zone=zone,
        severity=severity,
        subcategory=subcategory,
        title_nl="Mogelijke agressie",
        title_en="Possible aggression",
        at=at,
        event_ids=(str(next(_ids)),),
        count=1,
        detail={},
    )


def login(db_url: str, client, username: str, party: str, role: str) -> None:
    """A user with a web session (no password hashing: the login itself is tested elsewhere)."""
    from perron.access.accounts import _principal

    engine = make_engine(db_url)
    with transaction(engine) as s:
        user = User(
            username=username,
            display_name=username,
            party_code=party,
            role=role,
            password_hash="-",
            active=True,
            created_at=datetime.now(UTC),
        )
        s.add(user)
        s.flush()
        token = start_session(s, _principal(user))
    engine.dispose()
    client.cookies.set(SESSION_COOKIE, token)
    from perron.web.security import csrf_token_for

    client.headers["X-CSRF-Token"] = csrf_token_for(token)

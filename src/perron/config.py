"""Settings from the environment (``PERRON_*``) with defaults in the data directory.

This module is the only place that reads the process environment for Perron's own settings:
each field of :class:`Settings` is set by ``PERRON_<FIELD>`` (listed in ``docs/settings.md``),
and the secrets by ``PERRON_<NAME>`` (see :meth:`Settings.secret`)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

__all__ = ["SECRETS", "Settings", "env_name", "get_settings"]

#: the secrets :meth:`Settings.secret` knows; each can be given as ``PERRON_<NAME>``
SECRETS = ("pseudonym_key",)


def env_name(field_name: str) -> str:
    """The environment variable of a setting or secret: ``PERRON_<NAME>``."""
    return f"PERRON_{field_name.upper()}"


def _default_data_dir() -> Path:
    return Path(os.environ.get("PERRON_DATA_DIR", Path.cwd() / "var")).resolve()


def _int(name: str, raw: str, minimum: int = 1) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number of seconds") from None
    if not value >= 0:
        raise ValueError(f"{name} must be 0 or more seconds, not {raw}")
    return value


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={raw!r} is not on or off (1/0, true/false, yes/no, on/off)")


def _list(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every field can be set with an environment variable ``PERRON_<NAME>``."""

    #: where the SQLite database, generated secrets, caches and demo files live
    data_dir: Path = field(default_factory=_default_data_dir)
    #: SQLAlchemy URL of the database; by default SQLite ``perron.db`` in the data directory
    database_url: str = ""
    #: lifetime of a new API token when none is asked for, and the longest that may be asked
    token_lifetime_days: int = 30
    token_max_lifetime_days: int = 90
    #: proxies whose X-Forwarded-For is believed (addresses or networks); none by default
    trusted_proxies: tuple[str, ...] = ()
    #: mark cookies ``Secure`` (sent over HTTPS only); switch on behind TLS
    secure_cookies: bool = False
    #: seconds between rounds of alert escalation and webhook delivery in ``perron serve``;
    #: 0 switches them off
    alert_tasks_interval: float = 10.0
    #: the password of the demo accounts that ``perron demo`` creates (generated when empty)
    demo_password: str = ""
    #: the disruption file the forecast learns from when no ``--data`` is given
    forecast_data: Path | None = None
    #: a JSON file with the population margins the safety monitor weights responses to
    monitor_population: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from the process environment; a value that does not parse is a
        :class:`ValueError` naming the variable, and an unset or empty one keeps the default."""
        default = cls(data_dir=_default_data_dir())

        def raw(name: str) -> str:
            return os.environ.get(env_name(name), "").strip()

        def path(name: str) -> Path | None:
            return Path(raw(name)) if raw(name) else None

        lifetime, max_lifetime = "token_lifetime_days", "token_max_lifetime_days"
        cookies, interval = "secure_cookies", "alert_tasks_interval"
        return cls(
            data_dir=default.data_dir,
            database_url=raw("database_url") or f"sqlite:///{default.data_dir / 'perron.db'}",
            token_lifetime_days=_int(env_name(lifetime), raw(lifetime))
            if raw(lifetime)
            else default.token_lifetime_days,
            token_max_lifetime_days=_int(env_name(max_lifetime), raw(max_lifetime))
            if raw(max_lifetime)
            else default.token_max_lifetime_days,
            trusted_proxies=_list(raw("trusted_proxies")),
            secure_cookies=_bool(env_name(cookies), raw(cookies))
            if raw(cookies)
            else default.secure_cookies,
            alert_tasks_interval=_seconds(env_name(interval), raw(interval))
            if raw(interval)
            else default.alert_tasks_interval,
            demo_password=raw("demo_password"),
            forecast_data=path("forecast_data"),
            monitor_population=path("monitor_population"),
        )

    @classmethod
    def environment_variables(cls) -> tuple[str, ...]:
        """The names of every variable these settings read, secrets included."""
        return tuple(env_name(f.name) for f in fields(cls)) + tuple(env_name(s) for s in SECRETS)

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def secret(self, name: str) -> bytes:
        """Return the secret ``name`` from ``PERRON_<NAME>`` or a 0600 file in the data directory.

        The file is generated on first use, so a fresh installation has its own keys."""
        if name not in SECRETS:
            raise KeyError(f"unknown secret {name!r}; known: {', '.join(SECRETS)}")
        env = os.environ.get(env_name(name))
        if env:
            return env.encode()
        path = self.ensure_data_dir() / f".{name}"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests clear the cache when they change env)."""
    return Settings.from_env()

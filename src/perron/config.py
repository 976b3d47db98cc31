"""Settings from the environment (``PERRON_*``) with defaults in the data directory."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _default_data_dir() -> Path:
    return Path(os.environ.get("PERRON_DATA_DIR", Path.cwd() / "var")).resolve()


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


def _list_env(name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in os.environ.get(name, "").split(",") if p.strip())


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every field can be set with an environment variable ``PERRON_<NAME>``."""

    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""
    mqtt_url: str = ""
    locale: str = "nl"
    timezone: str = "Europe/Amsterdam"
    #: lifetime of a new API token when none is asked for, and the longest that may be asked
    token_lifetime_days: int = 30
    token_max_lifetime_days: int = 90
    #: proxies whose X-Forwarded-For is believed (addresses or networks); none by default
    trusted_proxies: tuple[str, ...] = ()
    #: mark cookies ``Secure`` (sent over HTTPS only); switch on behind TLS
    secure_cookies: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _default_data_dir()
        url = os.environ.get("PERRON_DATABASE_URL") or f"sqlite:///{data_dir / 'perron.db'}"
        return cls(
            data_dir=data_dir,
            database_url=url,
            mqtt_url=os.environ.get("PERRON_MQTT_URL", ""),
            locale=os.environ.get("PERRON_LOCALE", "nl"),
            token_lifetime_days=_int_env("PERRON_TOKEN_LIFETIME_DAYS", 30),
            token_max_lifetime_days=_int_env("PERRON_TOKEN_MAX_LIFETIME_DAYS", 90),
            trusted_proxies=_list_env("PERRON_TRUSTED_PROXIES"),
            secure_cookies=os.environ.get("PERRON_SECURE_COOKIES", "").strip().lower()
            in ("1", "true", "yes", "on"),
        )

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def secret(self, name: str) -> bytes:
        """Return the secret ``name`` from ``PERRON_<NAME>`` or a 0600 file in the data directory.

        The file is generated on first use, so a fresh installation has its own keys.
        """
        env = os.environ.get(f"PERRON_{name.upper()}")
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

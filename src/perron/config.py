"""Settings from the environment (``PERRON_*``) with defaults in the data directory."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _default_data_dir() -> Path:
    return Path(os.environ.get("PERRON_DATA_DIR", Path.cwd() / "var")).resolve()


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every field can be set with an environment variable ``PERRON_<NAME>``."""

    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""
    mqtt_url: str = ""
    locale: str = "nl"
    timezone: str = "Europe/Amsterdam"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _default_data_dir()
        url = os.environ.get("PERRON_DATABASE_URL") or f"sqlite:///{data_dir / 'perron.db'}"
        return cls(
            data_dir=data_dir,
            database_url=url,
            mqtt_url=os.environ.get("PERRON_MQTT_URL", ""),
            locale=os.environ.get("PERRON_LOCALE", "nl"),
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

"""Helpers shared by the command modules: settings, database, JSON output, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from perron.config import Settings, get_settings
from perron.store.db import engine_for, transaction

console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def db_transaction() -> Iterator[Session]:
    """A transaction on the configured database; everything or nothing is written."""
    with transaction(engine()) as session:
        yield session


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to standard output (and nothing else goes there)."""
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def progress() -> Progress:
    """A Rich progress bar on standard error, so standard output stays clean for --json."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
    )


def fail(message: str, code: int = 1) -> None:
    """Print an error for a person and exit non-zero."""
    console.print(f"[red]error:[/red] {message}")
    raise SystemExit(code)

"""Helpers shared by the command modules: settings, database, JSON output, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NoReturn

from rich.console import Console, ConsoleDimensions, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from perron.config import Settings, get_settings
from perron.store.db import engine_for, transaction

#: the width a console assumes when its output is not a terminal: lines are never broken there
UNWRAPPED_WIDTH = 10_000


class UnwrappedConsole(Console):
    """A Rich console that never hard-wraps text, and lays tables out without a width limit
    when its output is not a terminal (a pipe, a file, a test runner): what scripts and tests
    read does not depend on ``COLUMNS``, the terminal or the length of a path in a message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("soft_wrap", True)
        # Rich takes COLUMNS as a fixed width; only a width given here is one
        self._given_width = kwargs.get("width") is not None
        super().__init__(*args, **kwargs)

    @property
    def size(self) -> ConsoleDimensions:
        dims = Console.size.fget(self)  # type: ignore[attr-defined]
        if not self._given_width and not self.is_terminal:
            return ConsoleDimensions(UNWRAPPED_WIDTH, dims.height)
        return dims

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


#: what a command answers (tables, figures, the state of what it created or changed) goes to
#: standard output, so that ``perron ... > file`` and pipes get it
out_console = UnwrappedConsole()
#: messages for a person (progress, warnings, errors, notes on files written) go to standard
#: error, so that they never mix with a command's answer
console = UnwrappedConsole(stderr=True)


class _FitWhenUnwrapped(Panel):
    """A panel as wide as its content where lines are not limited (not a terminal), full width
    in a terminal as usual: a 10,000-column console draws no 10,000-column borders."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= UNWRAPPED_WIDTH:
            self.expand = False
        yield from super().__rich_console__(console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        if options.max_width >= UNWRAPPED_WIDTH:
            self.expand = False
        return super().__rich_measure__(console, options)


#: the width of Typer's help when it is not shown in a terminal (wide enough that no word of an
#: option's help is ever split, whatever ``COLUMNS`` says)
HELP_WIDTH = 120


def _typer_console(*args: Any, stderr: bool = False, **kwargs: Any) -> Console:
    if stderr:  # usage errors: messages, never broken into lines off a terminal
        return UnwrappedConsole(*args, stderr=True, **kwargs)
    help_console = Console(*args, **kwargs)
    if kwargs.get("width") is None and not help_console.is_terminal:
        help_console.width = HELP_WIDTH
    return help_console


def unwrap_typer() -> None:
    """Let Typer's usage errors follow the same rule as our own messages (never broken into
    lines when the output is not a terminal), and lay its help out at a fixed width there
    (Typer builds its consoles per call from these two names of its ``rich_utils``)."""
    from typer import rich_utils

    rich_utils.Console = _typer_console  # type: ignore[assignment,misc]
    rich_utils.Panel = _FitWhenUnwrapped  # type: ignore[misc]


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


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error for a person and exit non-zero."""
    console.print(f"[red]error:[/red] {message}")
    raise SystemExit(code)


def acting(session: Session, user: str | None = None, name: str | None = None) -> Any:
    """Who a command acts as: the user ``--user`` names (their party and role), else the
    installation's own actor (``cli:<login name>``, or ``name``), who sees every party's data."""
    from perron.access.actors import installation, user_actor

    return user_actor(session, user) if user else installation(name)


def call_service(fn: Any, code: int = 1, codes: dict[type, int] | None = None) -> Any:
    """Run ``fn(session)`` (a call of one service function) in one transaction and return what
    it returns; the service's errors end the command with their message (exit ``code``, or the
    code ``codes`` gives the error's kind, e.g. ``{Forbidden: 3}``) and nothing is written —
    the command line's one mapping of NotFound, Forbidden, Invalid and Conflict."""
    from perron.domain.errors import ServiceError

    try:
        with db_transaction() as session:
            return fn(session)
    except ServiceError as exc:
        where = f" (field {exc.field})" if exc.field and exc.field not in str(exc) else ""
        kind = next((c for t, c in (codes or {}).items() if isinstance(exc, t)), code)
        fail(f"{exc}{where}", kind)

"""The ``perron`` command line: one module per capability, mounted here."""

from __future__ import annotations

import importlib

import typer

from perron.cli import accounts, db, reference, serve
from perron.cli.common import unwrap_typer

unwrap_typer()

app = typer.Typer(
    name="perron",
    help="Perron: social safety of Dutch railway stations and resilience of the rail network.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(reference.app, name="reference")
app.add_typer(accounts.app, name="user")
app.add_typer(accounts.tokens_app, name="tokens")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)

# Capability modules each expose ``register(app)`` that adds their commands and groups.
CAPABILITY_COMMANDS = (
    "perron.cli.registry",
    "perron.cli.access",
    "perron.cli.monitor",
    "perron.cli.live",
    "perron.cli.alerts",
    "perron.cli.forecast",
    "perron.cli.programme",
    "perron.cli.effect",
    "perron.cli.inspections",
    "perron.cli.network",
    "perron.cli.military",
    "perron.cli.joint",
)
for _name in CAPABILITY_COMMANDS:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:  # a capability not installed in this build
        if _exc.name != _name:
            raise
        continue
    _register = getattr(_module, "register", None)
    if _register is not None:
        _register(app)


def main() -> None:
    from perron.plugins import PluginError

    try:
        app()
    except PluginError as exc:  # a broken plugin: its name, not a trace from deep inside
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None

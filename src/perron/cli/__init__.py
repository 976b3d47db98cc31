"""The ``perron`` command line: one module per capability, mounted here."""

from __future__ import annotations

import importlib

import typer

from perron.cli import accounts, db, reference, serve

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
)
for _name in CAPABILITY_COMMANDS:
    _register = getattr(importlib.import_module(_name), "register", None)
    if _register is not None:
        _register(app)


def main() -> None:
    app()

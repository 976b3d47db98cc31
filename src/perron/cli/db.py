"""``perron db``: database migrations."""

from __future__ import annotations

import typer

from perron.cli.common import out_console, settings
from perron.store.db import current_revision, upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Create or migrate the database to the newest schema."""
    url = settings().database_url
    upgrade(url, revision)
    out_console.print(f"database at revision [bold]{current_revision(url)}[/bold]")


@app.command("current")
def current_cmd() -> None:
    """Show the database's schema revision."""
    typer.echo(current_revision(settings().database_url) or "empty")

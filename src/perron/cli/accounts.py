"""``perron user``: accounts, created by an administrator."""

from __future__ import annotations

import typer

from perron.access import accounts
from perron.cli.common import db_transaction, fail, out_console, print_json
from perron.domain.parties import Role

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.command("add")
def add(
    username: str,
    party: str = typer.Option(..., help="party code, e.g. prorail, ns, gm0344, politie"),
    role: Role = typer.Option(Role.VIEWER, help="role within the party"),
    name: str = typer.Option(None, help="display name"),
    password: str = typer.Option(
        None, help="password (prompted when left out)", envvar="PERRON_NEW_PASSWORD"
    ),
) -> None:
    """Create a user of a party with a role."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        with db_transaction() as session:
            accounts.create_user(session, username, password, party, role.value, name)
    except accounts.AccountError as exc:
        fail(str(exc))
    out_console.print(f"user [bold]{username}[/bold] ({role.value} at {party}) created")


@app.command("list")
def list_users(json_out: bool = typer.Option(False, "--json")) -> None:
    """List the users."""
    with db_transaction() as session:
        rows = accounts.list_users(session)
    if json_out:
        print_json(rows)
    else:
        for r in rows:
            typer.echo(f"{r['username']:20} {r['party']:10} {r['role']:10} {r['name']}")


tokens_app = typer.Typer(help="API tokens: list and revoke.", no_args_is_help=True)


@tokens_app.command("list")
def tokens_list(
    user: str = typer.Option(None, "--user", help="only the tokens of this user"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List the API tokens (never their secrets): active, expired and revoked."""
    with db_transaction() as session:
        rows = [t.as_dict() for t in accounts.list_tokens(session)]
    if user:
        rows = [r for r in rows if r["user"] == user]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        state = "active" if r["active"] else ("revoked" if r["revoked_at"] else "expired")
        typer.echo(f"{r['id']:>5} {r['user']:20} {r['name']:20} {state:8} until {r['expires_at']}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: int = typer.Argument(..., help="the token's id (see list)")) -> None:
    """Revoke an API token; it stops working at once."""
    try:
        with db_transaction() as session:
            info = accounts.revoke_token(session, token_id, actor="cli")
    except accounts.TokenNotFound as exc:
        fail(str(exc))
    out_console.print(f"token {info.id} ({info.name}, {info.user}) revoked")

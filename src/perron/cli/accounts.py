"""``perron user``: accounts, created by an administrator."""

from __future__ import annotations

import typer

from perron.access import service
from perron.cli.common import acting, call_service, out_console, print_json
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
    call_service(
        lambda s: service.create_user(
            s,
            acting(s),
            username=username,
            password=password,
            party=party,
            role=role.value,
            display_name=name,
        )
    )
    out_console.print(f"user [bold]{username}[/bold] ({role.value} at {party}) created")


@app.command("list")
def list_users(json_out: bool = typer.Option(False, "--json")) -> None:
    """List the users."""
    rows = call_service(lambda s: service.list_users(s, acting(s)))
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
    rows = [
        t.as_dict() for t in call_service(lambda s: service.list_tokens(s, acting(s), user=user))
    ]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        state = "active" if r["active"] else ("revoked" if r["revoked_at"] else "expired")
        typer.echo(f"{r['id']:>5} {r['user']:20} {r['name']:20} {state:8} until {r['expires_at']}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: int = typer.Argument(..., help="the token's id (see list)")) -> None:
    """Revoke an API token; it stops working at once."""
    info = call_service(lambda s: service.revoke_token(s, acting(s, name="cli"), token_id))
    out_console.print(f"token {info.id} ({info.name}, {info.user}) revoked")

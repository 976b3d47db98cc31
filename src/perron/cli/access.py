"""Commands of the access capability: ``perron audit``, ``perron agreements`` and the read,
export and personal-data commands of ``perron incidents``; ``register(app)`` mounts them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from perron.cli.common import db_transaction, fail, print_json, settings

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
agreements_app = typer.Typer(help="Data-sharing agreements between parties.", no_args_is_help=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON.")


@audit_app.command("verify")
def audit_verify(
    anchor: Path | None = typer.Option(
        None, "--anchor", help="An anchor file from `perron audit anchor`: detects truncation."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Recompute the hash chain; exit 0 when intact, 1 naming the first bad entry."""
    from perron.access import audit

    mark = None
    if anchor is not None:
        try:
            mark = json.loads(anchor.read_text())
            int(mark["seq"]), str(mark["hash"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            fail(f"{anchor}: not an anchor file ({exc})", 2)
    with db_transaction() as session:
        result = audit.verify(session, anchor=mark)
    if as_json:
        print_json(result.as_dict())
    elif result.ok:
        typer.echo(f"OK: {result.checked} entries, head {result.head_seq} {result.head_hash}")
    else:
        typer.echo(f"BROKEN at entry {result.first_bad_seq}: {result.reason}")
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Where to write it (default: DATA_DIR/anchors/)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Export the current head of the chain (seq, hash, time) to a file and print it."""
    from perron.access import audit

    with db_transaction() as session:
        mark = audit.anchor(session)
    if output is None:
        folder = settings().ensure_data_dir() / "anchors"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = folder / f"anchor-{stamp}-{mark['seq']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(mark, indent=2) + "\n")
    mark = {**mark, "file": str(output)}
    if as_json:
        print_json(mark)
    else:
        typer.echo(f"anchor {mark['seq']} {mark['hash']} written to {output}")


@audit_app.command("log")
def audit_log(
    since: int = typer.Option(0, help="Show entries after this seq."),
    limit: int = typer.Option(50, help="At most this many entries."),
    party: str | None = typer.Option(None, help="Only entries of this party."),
    action: str | None = typer.Option(None, help="Only this action, e.g. incident.read."),
    as_json: bool = JsonOpt,
) -> None:
    """Show entries of the audit trail (oldest first)."""
    from perron.access import audit

    with db_transaction() as session:
        rows = audit.entries(session, since_seq=since, limit=limit, party=party, action=action)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['seq']:>8} {r['at'][:19]} {r['actor']:<16} {r['party']:<10} "
            f"{r['purpose']:<14} {r['action']:<22} {r['subject']}"
        )


@agreements_app.command("list")
def agreements_list(
    party: str | None = typer.Option(None, help="Only agreements where this party takes part."),
    as_json: bool = JsonOpt,
) -> None:
    """List agreements (revoked ones included, marked)."""
    from perron.access import agreements

    with db_transaction() as session:
        rows = [agreements.as_dict(a) for a in agreements.list_all(session, party)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        cats = ",".join(r["categories"]) if r["categories"] else "all"
        state = " (revoked)" if r["revoked_at"] else ""
        typer.echo(
            f"{r['id']:>4} {r['owner']} → {r['grantee']} {r['level']} "
            f"[{','.join(r['purposes'])}] categories={cats} fields={','.join(r['fields']) or '-'}"
            f"{state}  {r['reference']}"
        )


@agreements_app.command("add")
def agreements_add(
    owner: str = typer.Option(..., help="The party whose incidents are shared."),
    grantee: str = typer.Option(..., help="The party that may see them."),
    level: str = typer.Option("aggregate", help="detail or aggregate."),
    purpose: list[str] = typer.Option(..., help="operational, analysis, accountability."),
    category: list[str] = typer.Option([], help="Category or group; default all."),
    field: list[str] = typer.Option([], help="Extra detail fields: description, person_ref."),
    reference: str = typer.Option("", help="The agreement's name or document reference."),
    as_json: bool = JsonOpt,
) -> None:
    """Record an agreement."""
    from perron.access import agreements

    try:
        with db_transaction() as session:
            a = agreements.create(
                session,
                owner=owner,
                grantee=grantee,
                level=level,
                purposes=purpose,
                categories=category or None,
                fields=field,
                reference=reference,
                actor="cli",
                actor_party=owner,
            )
            row = agreements.as_dict(a)
    except agreements.AgreementError as exc:
        fail(str(exc), 2)
    if as_json:
        print_json(row)
    else:
        typer.echo(f"agreement {row['id']}: {owner} → {grantee} {level}")


@agreements_app.command("revoke")
def agreements_revoke(agreement_id: int, as_json: bool = JsonOpt) -> None:
    """Revoke an agreement (it stays on record)."""
    from perron.access import agreements

    try:
        with db_transaction() as session:
            row = agreements.as_dict(agreements.revoke(session, agreement_id, actor="cli"))
    except agreements.AgreementError as exc:
        fail(str(exc), 2)
    if as_json:
        print_json(row)
    else:
        typer.echo(f"agreement {agreement_id} revoked")


@agreements_app.command("defaults")
def agreements_defaults(as_json: bool = JsonOpt) -> None:
    """Create the documented default agreements that are missing."""
    from perron.access import agreements

    with db_transaction() as session:
        made = agreements.ensure_defaults(session, actor="cli")
    if as_json:
        print_json({"created": made})
    else:
        typer.echo(f"{made} agreement(s) created")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(agreements_app, name="agreements")
    try:
        from perron.cli.registry import incidents_app
    except ImportError:  # pragma: no cover - the registry commands are not installed
        return
    from perron.cli import access_incidents

    access_incidents.register(incidents_app)

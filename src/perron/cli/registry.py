"""``perron incidents``: import, generate, link and summarise incidents."""

from __future__ import annotations

from pathlib import Path

import typer

from perron.cli.common import (
    acting,
    call_service,
    console,
    db_transaction,
    fail,
    out_console,
    print_json,
    progress,
)
from perron.domain.errors import Forbidden, Invalid, NotFound
from perron.registry import incidents, service
from perron.registry.importers import ImportRejected, ImportResult
from perron.registry.profiles import BUILT_IN

incidents_app = typer.Typer(help="The national incident registry.", no_args_is_help=True)
links_app = typer.Typer(help="Reports of the same event by several parties.", no_args_is_help=True)
incidents_app.add_typer(links_app, name="links")

JSON = typer.Option(False, "--json", help="print the result as JSON")


def _bar_callback(bar, task):
    def step(description: str, done: int, total: int) -> None:
        bar.update(task, description=description, completed=done, total=total or None)

    return step


def _report(result: ImportResult, json_out: bool) -> None:
    if json_out:
        print_json(result.as_dict())
        return
    if result.errors:
        console.print(
            f"[red]{result.file} rejected: nothing was written.[/red] "
            f"{len(result.errors)} error(s):"
        )
        for error in result.errors[:200]:
            console.print(
                f"  row {error.row}, field [bold]{error.field}[/bold] "
                f"({error.value!r}): {error.reason}"
            )
        if len(result.errors) > 200:
            console.print(f"  ... and {len(result.errors) - 200} more (use --json for all)")
        return
    out_console.print(
        f"{result.file}: {result.rows} rows; {result.created} new, "
        f"{result.corrected} corrected, {result.unchanged} unchanged, "
        f"{result.skipped} skipped (not safety related)"
    )


USER = typer.Option(
    None, "--user", help="Act as this user (their party and role; default: the installation)."
)
#: exit codes of the registry's write commands: 2 bad input, 3 refused, 4 not found
EXIT_CODES: dict[type, int] = {Invalid: 2, Forbidden: 3, NotFound: 4}


@incidents_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, XLSX or JSON file"),
    party: str = typer.Option(
        None, help="the reporting party's code, e.g. ns, prorail, politie (a user's own party)"
    ),
    profile: str = typer.Option(
        None, help=f"mapping profile: {', '.join(BUILT_IN)} or a TOML file"
    ),
    user: str | None = USER,
    json_out: bool = JSON,
) -> None:
    """Import a party's incident file; a file with any wrong row is rejected whole."""
    try:
        with progress() as bar:
            task = bar.add_task("reading", total=None)
            result = call_service(
                lambda s: service.import_incidents(
                    s,
                    acting(s, user),
                    file,
                    party=party,
                    profile=profile,
                    progress=_bar_callback(bar, task),
                ),
                codes=EXIT_CODES,
            )
    except ImportRejected as exc:
        _report(exc.result, json_out)
        raise typer.Exit(1) from None
    _report(result, json_out)


@incidents_app.command("import-disruptions")
def import_disruptions_cmd(
    file: Path | None = typer.Argument(
        None,
        help="disruptions CSV of Rijden de Treinen, plain or gzip-compressed (default: the "
        "2011–2023 file shipped with Perron)",
    ),
    json_out: bool = JSON,
) -> None:
    """Import every safety-related disruption as an incident of the public source (idempotent)."""
    from perron.registry.disruptions import default_disruptions_file

    file = file or default_disruptions_file()
    if file is None or not file.exists():
        fail("give the disruption file: perron incidents import-disruptions FILE", 2)
    try:
        with progress() as bar:
            task = bar.add_task("reading", total=None)
            result = call_service(
                lambda s: service.import_disruptions(
                    s, acting(s), file, progress=_bar_callback(bar, task)
                ),
                codes=EXIT_CODES,
            )
    except ImportRejected as exc:
        _report(exc.result, json_out)
        raise typer.Exit(1) from None
    _report(result, json_out)


@incidents_app.command("generate")
def generate_cmd(
    year: list[int] = typer.Option([2024], help="year(s) to generate"),
    seed: int = typer.Option(1, help="random seed (the same seed gives the same incidents)"),
    scale: float = typer.Option(1.0, help="multiply the rates"),
    json_out: bool = JSON,
) -> None:
    """Generate synthetic social-safety incidents for every party (marked synthetic)."""
    with progress() as bar:
        task = bar.add_task("generating", total=None)
        results = call_service(
            lambda s: service.generate_synthetic(
                s, acting(s), years=year, seed=seed, scale=scale, progress=_bar_callback(bar, task)
            ),
            codes=EXIT_CODES,
        )
    out = [r.as_dict() for r in results]
    if json_out:
        print_json(out)
    else:
        created = sum(r["created"] for r in out)
        out_console.print(f"synthetic incidents: {created} new in {len(out)} party files")


@incidents_app.command("summary")
def summary_cmd(json_out: bool = JSON) -> None:
    """Totals by category and by reporting party (a confirmed duplicate counts once)."""
    with db_transaction() as session:
        data = incidents.summary(session)
    if json_out:
        print_json(data)
        return
    out_console.print(f"incidents: [bold]{data['total']}[/bold] ({data['synthetic']} synthetic)")
    for key in ("by_category", "by_source"):
        out_console.print(f"[bold]{key.replace('_', ' ')}[/bold]")
        for name, n in data[key].items():
            out_console.print(f"  {name:32} {n:>8}")


def _change_value(value: str) -> str | None:
    """A correction's value from the command line: text, or nothing for an empty value (the
    service reads times, numbers, codes and person identifiers from text)."""
    return value if value != "" else None


@incidents_app.command("correct")
def correct_cmd(
    incident_id: int = typer.Argument(..., help="the incident's id"),
    change: list[str] = typer.Option(..., "--set", help="FIELD=VALUE, e.g. category=theft"),
    reason: str = typer.Option(..., help="why the incident is corrected (required)"),
    user: str | None = USER,
    json_out: bool = JSON,
) -> None:
    """Correct an incident: a new version with author, time and reason; nothing is overwritten."""
    changes: dict[str, str | None] = {}
    for item in change:
        field, sep, value = item.partition("=")
        if not sep:
            fail(f"--set {item!r}: give FIELD=VALUE", 2)
        changes[field.strip()] = _change_value(value.strip())
    done = call_service(
        lambda s: service.correct_incident(s, acting(s, user), incident_id, changes, reason),
        codes=EXIT_CODES,
    )
    if json_out:
        print_json({"id": incident_id, "version": done.version, "history": done.history})
    else:
        out_console.print(f"incident {incident_id}: version {done.version}")


@links_app.command("propose")
def links_propose(
    window: int = typer.Option(30, help="minutes between the reports at most"),
    km: float = typer.Option(2.0, help="kilometres between the stations at most"),
    user: str | None = USER,
    json_out: bool = JSON,
) -> None:
    """Propose links between reports of the same event by different parties."""
    found = call_service(
        lambda s: service.propose_links(s, acting(s, user), window_minutes=window, max_km=km),
        codes=EXIT_CODES,
    )
    if json_out:
        print_json([p.__dict__ for p in found])
    else:
        out_console.print(f"{len(found)} new proposals")


@links_app.command("list")
def links_list(
    status: str = typer.Option("proposed", help="proposed, confirmed or rejected"),
    user: str | None = USER,
    json_out: bool = JSON,
) -> None:
    """List links by status."""
    rows = call_service(
        lambda s: service.list_links(s, acting(s, user), status=status), codes=EXIT_CODES
    )
    if json_out:
        print_json(rows)
    else:
        for r in rows:
            out_console.print(
                f"{r['id']:>6}  {r['incident_id']} ~ {r['linked_id']}  "
                f"score {r['score']}  {r['status']}"
            )


def _decide(link_id: int, confirm: bool, party: str | None, user: str | None, json_out: bool):
    link = call_service(
        lambda s: service.decide_link(
            s, acting(s, user), link_id, confirm=confirm, party=None if user else party
        ),
        codes=EXIT_CODES,
    )
    if json_out:
        print_json(link.as_dict())
    else:
        out_console.print(f"link {link.id}: {link.status}")


PARTY = typer.Option("prorail", help="the analyst's party (without --user)")


@links_app.command("confirm")
def links_confirm(
    link_id: int, party: str = PARTY, user: str | None = USER, json_out: bool = JSON
) -> None:
    """Confirm that two reports are the same event (it then counts once)."""
    _decide(link_id, True, party, user, json_out)


@links_app.command("reject")
def links_reject(
    link_id: int, party: str = PARTY, user: str | None = USER, json_out: bool = JSON
) -> None:
    """Reject a proposed link."""
    _decide(link_id, False, party, user, json_out)


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")


__all__ = ["incidents_app", "register"]

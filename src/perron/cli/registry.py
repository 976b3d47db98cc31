"""``perron incidents``: import, generate, link and summarise incidents."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from perron.cli.common import console, db_transaction, fail, out_console, print_json, progress
from perron.domain.local_time import LOCAL_TZ
from perron.registry import incidents, linking
from perron.registry.importers import ImportRejected, ImportResult, import_file
from perron.registry.profiles import BUILT_IN, load_profile, load_profile_file

incidents_app = typer.Typer(help="The national incident registry.", no_args_is_help=True)
links_app = typer.Typer(help="Reports of the same event by several parties.", no_args_is_help=True)
incidents_app.add_typer(links_app, name="links")

JSON = typer.Option(False, "--json", help="print the result as JSON")


def _author() -> str:
    return f"cli:{getpass.getuser()}"


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


@incidents_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, XLSX or JSON file"),
    party: str = typer.Option(..., help="the reporting party's code, e.g. ns, prorail, politie"),
    profile: str = typer.Option(
        None, help=f"mapping profile: {', '.join(BUILT_IN)} or a TOML file"
    ),
    json_out: bool = JSON,
) -> None:
    """Import a party's incident file; a file with any wrong row is rejected whole."""
    try:
        chosen = (
            None  # the party's own, or generic when the file has the generic columns
            if profile is None
            else load_profile(profile, party)
            if profile in BUILT_IN
            else load_profile_file(Path(profile))  # a party's own TOML profile on this machine
        )
    except ValueError as exc:
        fail(str(exc), 2)
    try:
        with progress() as bar, db_transaction() as session:
            task = bar.add_task("reading", total=None)
            result = import_file(
                session, file, party, chosen, _author(), progress=_bar_callback(bar, task)
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
    from perron.registry.disruptions import default_disruptions_file, import_disruptions

    file = file or default_disruptions_file()
    if file is None or not file.exists():
        fail("give the disruption file: perron incidents import-disruptions FILE", 2)
    try:
        with progress() as bar, db_transaction() as session:
            task = bar.add_task("reading", total=None)
            result = import_disruptions(session, file, _author(), _bar_callback(bar, task))
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
    from perron.registry.synthetic import generate

    out = []
    with progress() as bar, db_transaction() as session:
        task = bar.add_task("generating", total=None)
        for y in year:
            out += [
                r.as_dict() for r in generate(session, y, seed, scale, _bar_callback(bar, task))
            ]
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


def _change_value(field: str, value: str):
    """A correction's value from the command line, in the model's type."""
    from datetime import datetime

    from perron.access.pseudonym import is_pseudonym, pseudonymise

    if value == "":
        return None
    if field in ("occurred_at", "reported_at"):
        dt = datetime.fromisoformat(value)
        return dt if dt.tzinfo else dt.replace(tzinfo=LOCAL_TZ)
    if field in ("lat", "lng"):
        return float(value)
    if field == "level_crossing_id":
        return int(value)
    if field == "station_code":
        return value.upper()
    if field == "person_ref":
        return value if is_pseudonym(value) else pseudonymise(value)
    return value


@incidents_app.command("correct")
def correct_cmd(
    incident_id: int = typer.Argument(..., help="the incident's id"),
    change: list[str] = typer.Option(..., "--set", help="FIELD=VALUE, e.g. category=theft"),
    reason: str = typer.Option(..., help="why the incident is corrected (required)"),
    json_out: bool = JSON,
) -> None:
    """Correct an incident: a new version with author, time and reason; nothing is overwritten."""
    changes = {}
    for item in change:
        field, sep, value = item.partition("=")
        if not sep:
            fail(f"--set {item!r}: give FIELD=VALUE", 2)
        try:
            changes[field.strip()] = _change_value(field.strip(), value.strip())
        except ValueError as exc:
            fail(f"--set {item!r}: {exc}", 2)
    try:
        with db_transaction() as session:
            version = incidents.correct_incident(session, incident_id, changes, _author(), reason)
            history = incidents.history(session, incident_id)
    except incidents.RegistryError as exc:
        fail(str(exc))
    if json_out:
        print_json({"id": incident_id, "version": version, "history": history})
    else:
        out_console.print(f"incident {incident_id}: version {version}")


@links_app.command("propose")
def links_propose(
    window: int = typer.Option(30, help="minutes between the reports at most"),
    km: float = typer.Option(2.0, help="kilometres between the stations at most"),
    json_out: bool = JSON,
) -> None:
    """Propose links between reports of the same event by different parties."""
    with db_transaction() as session:
        found = linking.propose_links(session, window_minutes=window, max_km=km, actor=_author())
    if json_out:
        print_json([p.__dict__ for p in found])
    else:
        out_console.print(f"{len(found)} new proposals")


@links_app.command("list")
def links_list(
    status: str = typer.Option("proposed", help="proposed, confirmed or rejected"),
    json_out: bool = JSON,
) -> None:
    """List links by status."""
    with db_transaction() as session:
        rows = linking.list_links(session, status)
    if json_out:
        print_json(rows)
    else:
        for r in rows:
            out_console.print(
                f"{r['id']:>6}  {r['incident_id']} ~ {r['linked_id']}  "
                f"score {r['score']}  {r['status']}"
            )


def _decide(link_id: int, confirm: bool, party: str, json_out: bool) -> None:
    try:
        with db_transaction() as session:
            link = linking.decide_link(session, link_id, confirm, _author(), party)
    except linking.LinkError as exc:
        fail(str(exc))
    if json_out:
        print_json(
            {
                "id": link.id,
                "incident_id": link.incident_id,
                "linked_id": link.linked_id,
                "status": link.status,
                "decided_by": link.decided_by,
                "decided_at": link.decided_at,
            }
        )
    else:
        out_console.print(f"link {link.id}: {link.status}")


PARTY = typer.Option("prorail", help="the analyst's party")


@links_app.command("confirm")
def links_confirm(link_id: int, party: str = PARTY, json_out: bool = JSON) -> None:
    """Confirm that two reports are the same event (it then counts once)."""
    _decide(link_id, True, party, json_out)


@links_app.command("reject")
def links_reject(link_id: int, party: str = PARTY, json_out: bool = JSON) -> None:
    """Reject a proposed link."""
    _decide(link_id, False, party, json_out)


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")


__all__ = ["incidents_app", "register"]

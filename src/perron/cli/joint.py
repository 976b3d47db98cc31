"""``perron joint``: joint figures with other parties' installations, without sharing records."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from perron.cli.common import console, db_transaction, engine, fail, out_console, print_json

app = typer.Typer(
    help="Joint figures across parties by secure multi-party computation (no records shared).",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="print the result as JSON")


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--{name}: {value!r} is not a date (YYYY-MM-DD)")
        raise


def _actor(session, party: str | None):
    from perron.domain.parties import Role
    from perron.joint.service import Actor, local_party

    return Actor(f"cli:{getpass.getuser()}", local_party(session, party), Role.ADMIN)


@app.command("aggregate")
def aggregate_cmd(
    parties: str = typer.Option(..., help="HOST:PORT of every party, the same list everywhere"),
    index: int = typer.Option(..., help="this party's position in --parties, from 0"),
    by: str = typer.Option("station,month,group", help="the cells: station,month,group"),
    since: str = typer.Option(..., help="first day (YYYY-MM-DD)"),
    until: str = typer.Option(..., help="last day (YYYY-MM-DD), inclusive"),
    party: str | None = typer.Option(
        None, help="this installation's party (default: the one whose incidents it holds)"
    ),
    purpose: str = typer.Option("analysis", help="analysis or accountability"),
    measure: str = typer.Option(
        "count",
        help="count (incidents per category group), harm (their harm weights, summed) or "
        "response (alert response classes)",
    ),
    noisy: bool = typer.Option(
        False, "--noisy", help="publishable: differential privacy instead of suppression"
    ),
    epsilon: float | None = typer.Option(None, help="ε of a --noisy computation"),
    margins: bool = typer.Option(False, "--margins", help="also the national totals"),
    agreement: int | None = typer.Option(None, help="the approved agreement to run"),
    timeout: float = typer.Option(120.0, help="seconds to wait for every party"),
    tls_dir: Path | None = typer.Option(
        None, help="folder with .config/party_<i>.crt, .key and mpyc_ca.crt for TLS"
    ),
    json_out: bool = JSON,
) -> None:
    """Take part in a joint count; prints the agreed cells (cells under 5 suppressed).

    Run as this installation's administrator: running it approves exactly this computation for
    this party (written to the audit trail) unless --agreement names one approved before.
    """
    from perron.joint import service

    try:
        addresses = service.parse_parties(parties)
        query = service.make_query(
            _day(since, "since"),
            _day(until, "until"),
            by=tuple(b.strip() for b in by.split(",") if b.strip()),
            purpose=purpose,
            privacy="noisy" if noisy else "suppress",
            epsilon=epsilon,
            margins=margins,
            measure_name=measure,
        )
        with db_transaction() as session:
            actor = _actor(session, party)
        console.print(
            f"joint computation as party {index} ({actor.party}) of {len(addresses)}: "
            "waiting for every party…"
        )
        result = service.aggregate(
            engine(),
            actor,
            query,
            addresses,
            index,
            agreement_id=agreement,
            approve_now=agreement is None,
            timeout=timeout,
            tls_dir=tls_dir,
        )
    except (service.JointError, service.JointDenied) as exc:
        fail(str(exc))
        return
    if json_out:
        print_json(result.as_dict())
        return
    shown = [c for c in result.cells if not c["suppressed"]]
    out_console.print(
        f"run {result.run_id}: {len(shown)} cells shown, "
        f"{len(result.cells) - len(shown)} suppressed; parties {', '.join(result.parties)}; "
        f"result hash {result.result_hash[:16]}…"
    )
    table = Table("station", "month", "group", "count")
    for c in sorted(shown, key=lambda c: -int(c["count"]))[:20]:
        table.add_row(c["station"], c["month"], c["group"], str(c["count"]))
    out_console.print(table)


def _read(fn_name: str, party: str | None, *args: object) -> object:
    """Call a read or decision of perron.joint as this installation's admin; errors end the
    command with the message."""
    from perron.joint import service

    try:
        with db_transaction() as session:
            return getattr(service, fn_name)(session, _actor(session, party), *args)
    except (service.JointError, service.JointNotFound, service.JointDenied) as exc:
        fail(str(exc))
        raise


def _show(rows: object, json_out: bool, head: tuple[str, ...], cells) -> None:
    """Rows as JSON on stdout, or as a table on stdout."""
    if json_out:
        print_json(rows)
        return
    table = Table(*head)
    for r in rows:  # type: ignore[attr-defined]
        table.add_row(*cells(r))
    out_console.print(table)


PARTY = typer.Option(None, help="this installation's party")


@app.command("agreements")
def agreements_cmd(party: str | None = PARTY, json_out: bool = JSON) -> None:
    """The joint computations recorded here, with their approval."""
    rows = _read("list_agreements", party)
    _show(
        rows,
        json_out,
        ("id", "title", "parties", "status"),
        lambda r: (str(r["id"]), r["title"], ", ".join(r["parties"]), r["status"]),
    )


@app.command("approve")
def approve_cmd(
    agreement: int = typer.Argument(..., help="the agreement's id"),
    party: str | None = PARTY,
    json_out: bool = JSON,
) -> None:
    """Approve a proposed joint computation as this party's admin."""
    row = _read("approve", party, agreement)
    if json_out:
        print_json(row)
    else:
        out_console.print(f"agreement {agreement}: {row['status']}")  # type: ignore[index]


@app.command("runs")
def runs_cmd(party: str | None = PARTY, json_out: bool = JSON) -> None:
    """The joint computations this party took part in."""
    rows = _read("list_runs", party)
    _show(rows, json_out, ("run", "parties", "period", "privacy", "shown", "suppressed",
                           "finished"),
          lambda r: (str(r["id"]), ", ".join(r["parties"]),
                     f"{r['query']['since']} – {r['query']['until']}",
                     r["privacy"].get("mode", ""), str(r["cells_shown"]),
                     str(r["cells_suppressed"]), r["finished_at"][:19]))  # fmt: skip


@app.command("budget")
def budget_cmd(party: str | None = PARTY, json_out: bool = JSON) -> None:
    """The privacy budget (ε) this party has spent on its data, per data year."""
    rows = _read("budget", party)
    _show(rows, json_out, ("data set", "year", "budget ε", "spent ε", "left ε"),
          lambda r: (r["dataset"], str(r["year"]), f"{r['budget']:g}", f"{r['spent']:g}",
                     f"{r['left']:g}"))  # fmt: skip


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="joint")

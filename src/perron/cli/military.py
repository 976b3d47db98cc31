"""``perron military``: short-notice military train paths (route, slot, civil impact).

The command line is used by the people who run the installation on behalf of ProRail capacity
planning: it acts as party ``prorail`` with the role ``admin`` unless ``--party``/``--role`` say
otherwise, and records the actor ``cli:<login name>``. ``plan`` computes without writing
anything unless ``--save`` is given; stored requests, reads and decisions are audited.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from perron.cli.common import console, db_transaction, out_console, print_json

app = typer.Typer(
    help="Military train paths: a route and a departure slot over residual capacity.",
    no_args_is_help=True,
)
LABEL = (
    "indicative: civil departure minutes are assumed (not public); military mobility reference "
    "compiled by hand from public statements"
)


def _actor(party: str, role: str):
    from perron.access.accounts import Principal
    from perron.domain.parties import Role

    try:
        r = Role(role)
    except ValueError:
        fail(f"--role: unknown role {role!r}; choose from {', '.join(x.value for x in Role)}")
    try:
        name = f"cli:{getpass.getuser()}"
    except OSError:
        name = "cli"
    return Principal(0, name, name, party, r)


def fail(message: str) -> None:
    """Print an error on one logical line (never hard-wrapped) and exit non-zero."""
    from rich.text import Text

    console.print(Text.assemble(("error: ", "red"), message), soft_wrap=True)
    raise SystemExit(1)


PARTY = typer.Option("prorail", "--party", help="party the command acts for")
ROLE = typer.Option("admin", "--role", help="role within that party")


def _errors():
    from perron.military import MilitaryAccessDenied, NotFound, PlanningError

    return (PlanningError, MilitaryAccessDenied, NotFound)


@app.command("plan")
def plan_cmd(
    origin: str = typer.Option(..., "--from", help="origin station code (port, siding, station)"),
    destination: str = typer.Option(..., "--to", help="destination station code (e.g. ZV)"),
    earliest: str = typer.Option(..., "--earliest", help="earliest departure YYYY-MM-DDTHH:MM"),
    length_m: str = typer.Option(..., "--length-m", help="train length in metres (up to 740)"),
    mass_t: str = typer.Option(..., "--mass-t", help="train mass in tonnes"),
    latest: str | None = typer.Option(None, "--latest-arrival", help="YYYY-MM-DDTHH:MM"),
    speed: str = typer.Option("100", "--max-speed", help="maximum speed of the train, km/h"),
    gauge: str = typer.Option("G1", "--gauge", help="loading-gauge class: G1, GA, GB or GC"),
    dangerous: bool = typer.Option(False, "--dangerous-goods", help="carries RID goods"),
    rid_class: str | None = typer.Option(None, "--rid-class", help="RID class, e.g. 1.1"),
    urgent: bool = typer.Option(False, "--urgent", help="priority over civil trains"),
    traction: str = typer.Option(
        "electric", "--traction", help="electric (default; no lines without wire) or diesel"
    ),
    avoid: list[str] = typer.Option([], "--avoid", help="a link A-B not to use (repeatable)"),
    reference: str = typer.Option("", "--reference", help="your own reference"),
    save: bool = typer.Option(False, "--save/--no-save", help="store and audit the request"),
    party: str = PARTY,
    role: str = ROLE,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Find the earliest conflict-free route and slot, the civil impact and the alternatives."""
    from perron.military import compute, plan_transport

    raw = {
        "origin": origin,
        "destination": destination,
        "earliest": earliest,
        "latest_arrival": latest,
        "length_m": length_m,
        "mass_t": mass_t,
        "max_speed_kmh": speed,
        "gauge": gauge,
        "dangerous_goods": dangerous,
        "rid_class": rid_class,
        "urgent": urgent,
        "traction": traction,
        "avoid": list(avoid),
        "reference": reference,
    }
    actor = _actor(party, role)
    try:
        if save:
            with db_transaction() as session:
                out = plan_transport(session, actor, raw).plan
        else:
            out = compute(actor, raw)
    except _errors() as exc:
        field = getattr(exc, "field", None)
        fail(f"{field}: {exc}" if field and not str(exc).startswith(field) else str(exc))
    if json_out:
        print_json(out)
        return
    _show(out)


def _show(out: dict) -> None:
    ci = out["civil_impact"]
    out_console.print(
        f"[bold]{out['kind']}[/bold]  {out['departure']} → {out['arrival']}", soft_wrap=True
    )
    out_console.print("route: " + " ".join(out["route"]), soft_wrap=True)
    if out.get("waits"):
        out_console.print(
            "waits: " + ", ".join(f"{w['station']} {w['minutes']:g} min" for w in out["waits"]),
            soft_wrap=True,
        )
    out_console.print(
        f"civil trains affected: {ci['trains_affected']} (series {', '.join(ci['series']) or '-'})",
        soft_wrap=True,
    )
    t = Table("rank", "reason", "departure", "arrival", "km", "affected")
    for a in out["alternatives"]:
        t.add_row(
            str(a["rank"]),
            a["reason"],
            a["departure"],
            a["arrival"],
            f"{a['km']:g}",
            str(a["civil_impact"]["trains_affected"]),
        )
    out_console.print(t)
    out_console.print(f"[dim]{LABEL}[/dim]", soft_wrap=True)


@app.command("list")
def list_cmd(
    limit: int = typer.Option(50, "--limit"),
    party: str = PARTY,
    role: str = ROLE,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Stored requests, newest first."""
    from perron.military import list_requests

    try:
        with db_transaction() as session:
            rows = list_requests(session, _actor(party, role), limit)
    except _errors() as exc:
        fail(str(exc))
    if json_out:
        print_json(rows)
        return
    t = Table("id", "from", "to", "earliest", "departure", "status", "affected")
    for r in rows:
        t.add_row(
            str(r["id"]),
            r["origin"],
            r["destination"],
            r["earliest"],
            r["departure"] or "-",
            r["status"],
            str(r["trains_affected"]),
        )
    out_console.print(t)


@app.command("show")
def show_cmd(
    request_id: int = typer.Argument(...),
    party: str = PARTY,
    role: str = ROLE,
    pdf: Path | None = typer.Option(None, "--pdf", help="also write the briefing PDF here"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """One stored request with its plan and alternatives."""
    from perron.military import briefing_pdf, get_request

    try:
        with db_transaction() as session:
            detail = get_request(session, _actor(party, role), request_id)
    except _errors() as exc:
        fail(str(exc))
    if pdf is not None:
        pdf.write_bytes(briefing_pdf(detail))
        console.print(f"wrote {pdf}")
    if json_out:
        print_json(detail)
        return
    _show(detail["plan"])


@app.command("decide")
def decide_cmd(
    request_id: int = typer.Argument(...),
    decision: str = typer.Argument(..., help="approved or rejected"),
    rank: int = typer.Option(0, "--rank", help="the plan approved (0: the proposed plan)"),
    note: str = typer.Option("", "--note"),
    party: str = PARTY,
    role: str = ROLE,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Approve a plan or reject a request."""
    from perron.military import decide

    try:
        with db_transaction() as session:
            out = decide(session, _actor(party, role), request_id, decision, rank, note)
    except _errors() as exc:
        fail(str(exc))
    if json_out:
        print_json(out)
        return
    out_console.print(f"request {request_id}: {out['status']}")


@app.command("rules")
def rules_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """The constraint rule set and the access policy."""
    from perron.military import policy_table, rule_table

    out = {"rules": rule_table(), "access": policy_table()}
    if json_out:
        print_json(out)
        return
    t = Table("kind", "rule", "basis", "what")
    for r in out["rules"]:
        t.add_row(r["kind"], r["name"], r["basis"], r["text"])
    out_console.print(t)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="military")

"""``perron network``: criticality of links and stations, scenarios, worst case, threat register.

``criticality``, ``scenario``, ``worst`` and ``links`` compute from the shipped public data and
need no database: they are the installation operator's tools (the web and API versions are
restricted and audited). The threat register commands act as a named Perron account, which
needs a register clearance; every read is audited under that account.
"""

from __future__ import annotations

import getpass
from datetime import date
from typing import Any

import typer
from rich.table import Table

from perron.cli.common import console, db_transaction, fail, out_console, print_json
from perron.network.model import DEFAULT_WINDOW, WINDOWS, NetworkDataError

app = typer.Typer(help="Network resilience: criticality, scenarios and the threat register.")
threats_app = typer.Typer(help="The threat register (needs a register clearance).")
app.add_typer(threats_app, name="threats")

JSON = typer.Option(False, "--json", help="print JSON on standard output")
WINDOW = typer.Option(DEFAULT_WINDOW, "--window", help=f"time window: {', '.join(WINDOWS)}")
ESTIMATE = "Travellers and passenger-hours are ESTIMATES (gravity model); see docs/network.md."


def _bad(exc: Exception) -> None:
    fail(str(exc), 2)


@app.command("criticality")
def criticality_cmd(
    window: str = WINDOW,
    top: int = typer.Option(20, help="rows to show (the JSON has every link and station)"),
    json_out: bool = JSON,
) -> None:
    """Criticality of every link and station: alternative route, detour, stations cut off,
    travellers affected and passenger-hours lost per hour of outage, ranked."""
    from perron.network import analysis

    try:
        with console.status("criticality of every link and station"):
            result = analysis.criticality(analysis.check_window(window))
    except NetworkDataError as exc:
        _bad(exc)
        return
    if json_out:
        print_json(result.as_json())
        return
    t = Table(title=f"Links — {window}", caption=ESTIMATE)
    for col in ("#", "link", "km", "alternative km", "cut off", "travellers/day", "tph", "ph/h"):
        t.add_column(col)
    for x in result.links[: max(top, 0)]:
        t.add_row(
            str(x.rank),
            f"{x.from_code}-{x.to_code}",
            f"{x.length_km:.1f}",
            "—" if x.alternative_km is None else f"{x.alternative_km:.1f}",
            str(len(x.isolated_stations)),
            f"{x.travellers_affected:,}",
            f"{x.trains_per_hour:g}",
            f"{x.passenger_hours_lost_per_hour:,.0f}",
        )
    out_console.print(t)
    s = Table(title=f"Stations — {window}", caption=ESTIMATE)
    for col in ("#", "station", "cut vertex", "cut off", "travellers/day", "ph/h"):
        s.add_column(col)
    for y in result.stations[: max(top, 0)]:
        s.add_row(
            str(y.rank),
            f"{y.name} ({y.code})",
            "yes" if y.articulation_point else "",
            str(len(y.isolated_stations)),
            f"{y.travellers_affected:,}",
            f"{y.passenger_hours_lost_per_hour:,.0f}",
        )
    out_console.print(s)


@app.command("scenario")
def scenario_cmd(
    remove: list[str] = typer.Option([], "--remove", help="a link to remove, FROM-TO (repeat)"),
    station: list[str] = typer.Option([], "--station", help="a station to close (repeat)"),
    window: str = WINDOW,
    hours: float = typer.Option(1.0, "--hours", help="duration of the outage in hours"),
    json_out: bool = JSON,
) -> None:
    """Remove links and stations: what is cut off, detours, passenger-hours lost, broken series."""
    from perron.network import analysis

    try:
        result = analysis.scenario(remove, station, window, hours)
    except NetworkDataError as exc:
        _bad(exc)
        return
    if json_out:
        print_json(result.as_json())
        return
    out_console.print(f"removed: {', '.join(result.removed_links + result.removed_stations)}")
    out_console.print(
        f"cut off: {len(result.isolated_stations)} stations {result.isolated_stations}"
    )
    for d in result.detours:
        alt = "no alternative" if d.alternative_km is None else f"detour {d.detour_km} km"
        out_console.print(f"  {d.from_code}-{d.to_code}: {alt}")
    out_console.print(
        f"travellers affected per day: {result.travellers_affected:,}; passenger-hours lost per "
        f"hour: {result.passenger_hours_lost_per_hour:,.0f}; over {result.duration_hours:g} h: "
        f"{result.passenger_hours_lost:,.0f}"
    )
    out_console.print(f"series broken: {', '.join(result.series_broken) or '-'}")
    out_console.print(ESTIMATE)


@app.command("worst")
def worst_cmd(
    k: int = typer.Option(3, "--k", help="number of links"),
    window: str = WINDOW,
    budget: float = typer.Option(50.0, "--budget", help="search time budget in seconds"),
    json_out: bool = JSON,
) -> None:
    """The k links whose joint loss is largest (greedy, then branch and bound)."""
    from perron.network import analysis

    try:
        with console.status(f"searching the worst {k}-link combination"):
            result = analysis.worst_links(k, window, budget)
    except NetworkDataError as exc:
        _bad(exc)
        return
    if json_out:
        print_json(result.as_json())
        return
    state = "proven worst" if result.proven else "best found within the budget"
    out_console.print(
        f"{', '.join(result.links)}: {result.passenger_hours_lost_per_hour:,.0f} passenger-hours "
        f"lost per hour ({state}; {result.evaluated} combinations in {result.seconds} s)"
    )
    out_console.print(ESTIMATE)


@app.command("links")
def links_cmd(json_out: bool = JSON) -> None:
    """The network as data: every link with length, trains per hour per window, series, speed."""
    from perron.network.model import load_network

    net = load_network()
    rows: list[dict[str, Any]] = [
        {
            "from": x.from_code,
            "to": x.to_code,
            "length_km": x.length_km,
            "trains_per_hour": dict(x.trains_per_hour),
            "series": {w: list(s) for w, s in x.series.items()},
            "max_speed_kmh": x.max_speed_kmh,
        }
        for x in net.links
    ]
    if json_out:
        print_json(
            {
                "links": rows,
                "border_points": [b.__dict__ for b in net.border_points],
                "note": "trains per hour: derived from the 2026 service pattern, approximate",
            }
        )
        return
    out_console.print(
        f"{len(net.stations)} stations, {len(net.links)} links, "
        f"{len(net.border_points)} border points"
    )


# -- threat register ------------------------------------------------------------------------


def _principal(session: Any, username: str) -> Any:
    from sqlalchemy import select

    from perron.access.accounts import Principal
    from perron.domain.parties import Role
    from perron.store.tables.accounts import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        fail(f"user {username!r} does not exist", 2)
    return Principal(
        user.id,
        f"{user.username} (cli:{getpass.getuser()})",
        user.display_name,
        user.party_code,
        Role(user.role),
    )


USER = typer.Option(..., "--user", help="the Perron account to act as (needs a clearance)")


def _register_call(fn: Any, username: str, *args: Any, **kwargs: Any) -> Any:
    from perron.network.service import NetworkAccessDenied, NotFound

    try:
        with db_transaction() as session:
            who = _principal(session, username)
            who = type(who)(who.user_id, username, who.display_name, who.party_code, who.role)
            return fn(session, who, *args, **kwargs)
    except NetworkAccessDenied as exc:
        fail(str(exc), 3)
    except (NetworkDataError, NotFound) as exc:
        _bad(exc)
    return None


@threats_app.command("list")
def threats_list_cmd(
    user: str = USER,
    threat: str | None = typer.Option(None, help="only this threat kind"),
    top: int = typer.Option(30, help="rows to show"),
    json_out: bool = JSON,
) -> None:
    """The threat register ranked by risk (audited)."""
    from perron.network.service import read_register

    reg = _register_call(read_register, user, threat)
    if json_out:
        print_json(reg.as_json())
        return
    t = Table(title="Threat register", caption=reg.note)
    for col in (
        "#",
        "asset",
        "threat",
        "L",
        "I",
        "risk",
        "incidents",
        "owner",
        "status",
        "by hand",
    ):
        t.add_column(col)
    for e in reg.entries[:top]:
        t.add_row(
            str(e.id),
            f"{e.asset_kind} {e.asset_ref}",
            e.threat,
            str(e.likelihood),
            str(e.impact),
            str(e.risk),
            str(e.incidents),
            e.owner_party,
            e.status,
            "yes" if e.hand_compiled else "",
        )
    out_console.print(t)


@threats_app.command("compute")
def threats_compute_cmd(user: str = USER, json_out: bool = JSON) -> None:
    """(Re)compute register entries from the incident history and criticality (edit clearance)."""
    from perron.network.service import compute_register

    summary = _register_call(compute_register, user)
    if json_out:
        print_json(summary)
    else:
        out_console.print(f"register: {summary['created']} created, {summary['updated']} updated")


@threats_app.command("add")
def threats_add_cmd(
    user: str = USER,
    asset: str = typer.Option(..., help="link FROM-TO, station code or level-crossing id"),
    kind: str = typer.Option("link", help="link, station or level_crossing"),
    threat: str = typer.Option(..., help="threat kind"),
    likelihood: int = typer.Option(..., min=1, max=5),
    impact: int = typer.Option(..., min=1, max=5),
    basis: str = typer.Option(..., help="why: the assessment in words"),
    owner: str = typer.Option("prorail"),
) -> None:
    """Add a register entry compiled by hand (edit clearance)."""
    from perron.network.service import add_threat

    new_id = _register_call(add_threat, user, kind, asset, threat, likelihood, impact, basis, owner)
    out_console.print(f"threat #{new_id} added (compiled by hand)")


@threats_app.command("measure")
def threats_measure_cmd(
    threat_id: int = typer.Argument(..., help="register entry id"),
    user: str = USER,
    description: str = typer.Option(...),
    owner: str = typer.Option("prorail"),
    status: str = typer.Option("planned"),
    due: str | None = typer.Option(None, help="YYYY-MM-DD"),
) -> None:
    """Add a measure to a register entry (edit clearance)."""
    from perron.network.service import add_measure

    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        fail(f"--due {due!r}: expected YYYY-MM-DD", 2)
        return
    new_id = _register_call(add_measure, user, threat_id, description, owner, status, due_date)
    out_console.print(f"measure #{new_id} added")


@threats_app.command("grant")
def threats_grant_cmd(
    username: str = typer.Argument(..., help="the user to clear"),
    level: str = typer.Option("read", help="read or edit"),
    by: str = typer.Option(..., "--by", help="the ProRail admin granting it"),
) -> None:
    """Grant a register clearance (by a ProRail admin; audited)."""
    from perron.network.service import grant_clearance

    _register_call(grant_clearance, by, username, level)
    out_console.print(f"{username}: {level} clearance for the threat register")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="network")

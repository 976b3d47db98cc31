"""``perron programme``, ``perron measures`` and ``perron report``: the need index, the measure
catalogue, station deals and budget lines, the budget optimiser, and the progress report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from perron.cli.common import console, db_transaction, fail, out_console, print_json, progress

app = typer.Typer(
    help="Programme 'Een veilig station': need index, station deals, budgets, optimiser.",
    no_args_is_help=True,
)
deals_app = typer.Typer(
    help="Station deals (stationsdeals) and their measures.", no_args_is_help=True
)
budget_app = typer.Typer(help="Budget lines: committed, spent and remaining.", no_args_is_help=True)
measures_app = typer.Typer(
    help="The measure catalogue (effects, costs, sources).", no_args_is_help=True
)
report_app = typer.Typer(
    help="Progress report and station fact sheets (HTML and PDF).", no_args_is_help=True
)
app.add_typer(deals_app, name="deals")
app.add_typer(budget_app, name="budget")

JSON = typer.Option(False, "--json", help="print the result as JSON")
USER = typer.Option(None, "--user", help="act as this user (their party and role)")
PARTY = typer.Option(
    None,
    "--party",
    envvar="PERRON_PARTY",
    help="act for this party as its admin (default prorail)",
)
REASON = typer.Option(..., "--reason", help="why (kept in the deal's history)")


def _actor(session: Any, user: str | None, party: str | None) -> Any:
    from sqlalchemy import select

    from perron.access.accounts import Principal
    from perron.domain.parties import Role
    from perron.store.tables.accounts import Party, User

    if user:
        row = session.scalar(select(User).where(User.username == user))
        if row is None:
            fail(f"unknown user {user!r}", 2)
        return Principal(row.id, row.username, row.display_name, row.party_code, Role(row.role))
    party = party or "prorail"
    if session.get(Party, party) is None:
        fail(f"unknown party {party!r} (run `perron reference load` first?)", 2)
    return Principal(0, f"cli:{party}", f"CLI ({party})", party, Role.ADMIN)


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from perron.programme.catalogue import CatalogueError
    from perron.programme.errors import Conflict, Forbidden, NotFound, ProgrammeError
    from perron.programme.optimiser import InstanceError

    try:
        return fn(*args, **kwargs)
    except Forbidden as exc:
        fail(f"not allowed: {exc}", 3)
    except (NotFound, Conflict) as exc:
        fail(str(exc), 1)
    except (ProgrammeError, InstanceError, CatalogueError) as exc:
        fail(str(exc), 2)


def _weights(values: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in values or []:
        name, sep, num = v.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(num)
        except ValueError:
            fail(f"--weight {v!r}: write NAME=NUMBER, e.g. evening_safety=0.4", 2)
    return out


# ---------------------------------------------------------------- need index


@app.command("need-index")
def need_index_cmd(
    weight: list[str] = typer.Option(None, "--weight", help="component weight NAME=NUMBER"),
    top: int = typer.Option(None, "--top", help="N of the top-N rank stability (default 20)"),
    resamples: int = typer.Option(200, "--resamples", help="resamples for rank stability"),
    harm_weights: Path = typer.Option(None, "--harm-weights", help="a harm weights TOML file"),
    limit: int = typer.Option(25, "--limit", help="rows in the table (not in --json)"),
    lang: str = typer.Option("nl", "--lang", help="nl or en (the 'why' sentence)"),
    json_out: bool = JSON,
    user: str = USER,
    party: str = PARTY,
) -> None:
    """The need index of all stations: score, rank, components, why, rank stability."""
    from perron.programme.catalogue import load_harm_weights
    from perron.programme.need import need_index

    hw = _run(load_harm_weights, harm_weights) if harm_weights else None
    with db_transaction() as session:
        actor = _actor(session, user, party)
        with progress() as bar:
            bar.add_task("need index", total=None)
            res = _run(
                need_index,
                session,
                actor,
                _weights(weight),
                top,
                resamples,
                harm_weights=hw,
            )
    if json_out:
        print_json(res)
        return
    for n in res["notes"]:
        console.print(f"[yellow]note:[/yellow] {n}")
    if res["missing_components"]:
        out_console.print(f"missing components: {', '.join(res['missing_components'])}")
    t = Table(title=f"Need index (top {limit} of {res['count']})")
    for col in ("rank", "station", "score", f"in top {res['top_n']}", "why"):
        t.add_column(col)
    for item in res["items"][:limit]:
        stab = item["stability"]
        t.add_row(
            str(item["rank"]),
            item["station"],
            f"{item['score']:.1f}",
            "–" if stab is None else f"{stab:.0%}",
            item["why_nl" if lang == "nl" else "why_en"],
        )
    out_console.print(t, soft_wrap=True)
    if res["synthetic"]:
        out_console.print(
            "[bold]synthetisch[/bold]: components " + ", ".join(res["synthetic_components"])
        )


# ---------------------------------------------------------------- optimiser


def _read_instance(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{path}: {exc.strerror}", 2)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", 2)


@app.command("optimise")
def optimise_cmd(
    instance: Path = typer.Option(None, "--instance", help="a problem as JSON (see docs)"),
    budget: float = typer.Option(20_000_000, "--budget", help="budget in euros (real data)"),
    max_measures: int = typer.Option(None, "--max-measures", help="at most N measures a station"),
    with_frontier: bool = typer.Option(False, "--frontier", help="also the efficient frontier"),
    json_out: bool = JSON,
    user: str = USER,
    party: str = PARTY,
) -> None:
    """Choose measures per station to avoid the most harm within the budget (exact MILP)."""
    from perron.programme.optimiser import frontier, optimise, parse_instance

    if instance is not None:
        inst = _run(parse_instance, _read_instance(instance))
        res = _run(optimise, inst)
        if with_frontier:
            top = inst.budget
            res["frontier"] = frontier(inst, [top * k / 20 for k in range(21)])
    else:
        from perron.programme.portfolio import optimise_programme

        with db_transaction() as session:
            actor = _actor(session, user, party)
            with progress() as bar:
                bar.add_task("optimising", total=None)
                res = _run(optimise_programme, session, actor, budget, max_measures, with_frontier)
    if json_out:
        print_json(res)
        return
    out_console.print(
        f"status [bold]{res['status']}[/bold] (gap {res['gap']}), harm avoided "
        f"{res['objective']:.2f} for € {res['cost']:,.0f} of € {res['budget']:,.0f}"
    )
    if "greedy" in res:
        out_console.print(f"greedy baseline: {res['greedy']['objective']:.2f}")
    if "robust" in res:
        out_console.print(f"robust (low effects): {res['robust']['objective']:.2f}")
    t = Table(title="Portfolio")
    for col in ("station", "measures", "cost", "harm avoided"):
        t.add_column(col)
    for c in res["choices"]:
        t.add_row(
            c["station"], ", ".join(c["measures"]), f"{c['cost']:,.0f}", f"{c['harm_avoided']:.2f}"
        )
    out_console.print(t, soft_wrap=True)


@app.command("frontier")
def frontier_cmd(
    instance: Path = typer.Option(None, "--instance", help="a problem as JSON"),
    max_measures: int = typer.Option(None, "--max-measures"),
    json_out: bool = JSON,
    user: str = USER,
    party: str = PARTY,
) -> None:
    """Harm avoided against budget, € 0 to € 20 M in 21 steps (exact, greedy and robust)."""
    from perron.programme.optimiser import frontier, parse_instance
    from perron.programme.portfolio import FRONTIER_BUDGETS, programme_frontier

    if instance is not None:
        inst = _run(parse_instance, _read_instance(instance))
        res: dict[str, Any] = {"points": _run(frontier, inst, FRONTIER_BUDGETS)}
    else:
        with db_transaction() as session:
            actor = _actor(session, user, party)
            with progress() as bar:
                bar.add_task("frontier", total=None)
                res = _run(programme_frontier, session, actor, FRONTIER_BUDGETS, max_measures)
    if json_out:
        print_json(res)
        return
    t = Table(title="Efficient frontier")
    for col in ("budget", "harm avoided", "greedy", "status", "stations"):
        t.add_column(col)
    for p in res["points"]:
        t.add_row(
            f"{p['budget']:,.0f}", f"{p['objective']:.2f}", f"{p.get('greedy', 0):.2f}",
            p["status"], str(p["stations"]),
        )  # fmt: skip
    out_console.print(t, soft_wrap=True)


# ---------------------------------------------------------------- deals


def _load_json_file(path: Path) -> Any:
    return _read_instance(path)


@deals_app.command("list")
def deals_list(
    station: str = typer.Option(None, "--station"),
    status: str = typer.Option(None, "--status"),
    json_out: bool = JSON,
    user: str = USER,
    party: str = PARTY,
) -> None:
    """Every station deal (optionally of one station or status)."""
    from perron.programme.deals import list_deals

    with db_transaction() as session:
        res = _run(list_deals, session, _actor(session, user, party), station, status)
    if json_out:
        print_json(res)
        return
    t = Table(title=f"Station deals ({len(res)})")
    for col in ("code", "title", "status", "stations", "cost", "spent", "synthetic"):
        t.add_column(col)
    for d in res:
        t.add_row(
            d["code"], d["title"], d["status"], ", ".join(d["stations"]),
            f"{d['cost_eur']:,}", f"{d['spent_eur']:,}", "synthetisch" if d["synthetic"] else "",
        )  # fmt: skip
    out_console.print(t, soft_wrap=True)


@deals_app.command("show")
def deals_show(code: str, user: str = USER, party: str = PARTY) -> None:
    """One deal with measures, milestones, documents and its history (as JSON)."""
    from perron.programme.deals import get_deal

    with db_transaction() as session:
        res = _run(get_deal, session, _actor(session, user, party), code)
    print_json(res)


@deals_app.command("create")
def deals_create(
    file: Path = typer.Argument(..., help="the deal as JSON: code, title, stations, parties"),
    reason: str = REASON,
    json_out: bool = JSON,
    user: str = USER,
    party: str = PARTY,
) -> None:
    """Create a deal from a JSON file (with its measures when the file lists them)."""
    from perron.programme.deals import DealInput, MeasureInput, PartyShare, add_measure, create_deal

    data = _load_json_file(file)
    if not isinstance(data, dict):
        fail(f"{file}: expected a JSON object", 2)
    try:
        parties = [PartyShare(**p) for p in data.get("parties", [])]
        deal = DealInput(
            code=data["code"],
            title=data["title"],
            stations=list(data.get("stations", [])),
            parties=parties,
            budget_line=data.get("budget_line"),
            status=data.get("status", "draft"),
            signed_on=data.get("signed_on"),
            description=data.get("description", ""),
        )
        measures = [MeasureInput(**m) for m in data.get("measures", [])]
    except (KeyError, TypeError) as exc:
        fail(f"{file}: {exc}", 2)
    with db_transaction() as session:
        actor = _actor(session, user, party)
        res = _run(create_deal, session, actor, deal, reason)
        for m in measures:
            _run(add_measure, session, actor, deal.code, m, reason)
        from perron.programme.deals import get_deal

        res = get_deal(session, actor, deal.code)
    if json_out:
        print_json(res)
    else:
        out_console.print(f"deal {res['code']} created with {len(res['measures'])} measure(s)")


@deals_app.command("set-status")
def deals_status(
    code: str,
    status: str,
    reason: str = REASON,
    version: int = typer.Option(None, "--version", help="the version you based this on"),
    user: str = USER,
    party: str = PARTY,
) -> None:
    """Move a deal to another status (draft → agreed → running → completed, or cancelled)."""
    from perron.programme.deals import update_deal

    with db_transaction() as session:
        res = _run(
            update_deal,
            session,
            _actor(session, user, party),
            code,
            {"status": status},
            reason,
            version,
        )
    out_console.print(f"deal {code}: {res['status']} (version {res['version']})")


@deals_app.command("update-measure")
def deals_update_measure(
    measure_id: int,
    set_: list[str] = typer.Option(..., "--set", help="FIELD=VALUE, e.g. status=in_progress"),
    reason: str = REASON,
    version: int = typer.Option(None, "--version"),
    json_out: bool = JSON,
    user: str = USER,
    party: str = PARTY,
) -> None:
    """Change a deal measure (status, dates, cost, spent, note, owner)."""
    from perron.programme.deals import update_measure

    changes: dict[str, Any] = {}
    for item in set_:
        k, sep, v = item.partition("=")
        if not sep:
            fail(f"--set {item!r}: write FIELD=VALUE", 2)
        changes[k.strip()] = v
    with db_transaction() as session:
        res = _run(
            update_measure,
            session,
            _actor(session, user, party),
            measure_id,
            changes,
            reason,
            version,
        )
    if json_out:
        print_json(res)
    else:
        out_console.print(f"measure {res['id']}: {res['status']} (version {res['version']})")


@budget_app.command("show")
def budget_show(json_out: bool = JSON, user: str = USER, party: str = PARTY) -> None:
    """Committed, spent and remaining per budget line, party and deal."""
    from perron.programme.deals import budget_summary

    with db_transaction() as session:
        res = _run(budget_summary, session, _actor(session, user, party))
    if json_out:
        print_json(res)
        return
    t = Table(title="Budget lines")
    for col in ("line", "amount", "committed", "spent", "remaining"):
        t.add_column(col)
    for b in res["lines"]:
        t.add_row(
            b["name"], f"{b['amount_eur']:,}", f"{b['committed_eur']:,}", f"{b['spent_eur']:,}",
            f"{b['remaining_eur']:,}",
        )  # fmt: skip
    out_console.print(t, soft_wrap=True)


@budget_app.command("add")
def budget_add(
    code: str,
    name: str = typer.Option(..., "--name"),
    amount: int = typer.Option(..., "--amount", help="euros"),
    funder: str = typer.Option("ienw", "--funder"),
    year: int = typer.Option(None, "--year"),
    source: str = typer.Option("", "--source"),
    reason: str = REASON,
    user: str = USER,
    party: str = PARTY,
) -> None:
    """Add a budget line."""
    from perron.programme.deals import BudgetLineInput, create_budget_line

    with db_transaction() as session:
        res = _run(
            create_budget_line,
            session,
            _actor(session, user, party),
            BudgetLineInput(code, name, funder, amount, year, source),
            reason,
        )
    out_console.print(f"budget line {res['code']}: € {res['amount_eur']:,}")


# ---------------------------------------------------------------- measures


@measures_app.command("list")
def measures_list(
    catalogue: Path = typer.Option(None, "--catalogue", help="another catalogue TOML file"),
    json_out: bool = JSON,
) -> None:
    """The measure catalogue: effect (estimate, interval), source, cost, zones."""
    from perron.programme.catalogue import load_catalogue

    cat = _run(load_catalogue, catalogue)
    items = cat.as_list()
    if json_out:
        print_json(items)
        return
    t = Table(title=f"Measure catalogue {cat.version} (cost over {cat.horizon_years} years)")
    for col in ("code", "measure", "effect", "interval", "evidence", "cost"):
        t.add_column(col)
    for m in items:
        e = m["effect"]
        t.add_row(
            m["code"], m["name_nl"], f"{-e['estimate']:.0%}", f"{-e['high']:.0%} … {-e['low']:.0%}",
            m["evidence"], f"{m['cost']:,.0f}",
        )  # fmt: skip
    out_console.print(t, soft_wrap=True)


@measures_app.command("show")
def measures_show(code: str) -> None:
    """One measure of the catalogue as JSON."""
    from perron.programme.catalogue import load_catalogue

    items = {m["code"]: m for m in load_catalogue().as_list()}
    if code not in items:
        fail(f"no measure {code!r}; codes: {', '.join(items)}", 2)
    print_json(items[code])


# ---------------------------------------------------------------- reports


@report_app.command("progress")
def report_progress(
    out: Path = typer.Option(..., "--out", help="FILE.pdf or FILE.html"),
    lang: str = typer.Option("nl", "--lang", help="nl or en"),
    budget: float = typer.Option(20_000_000, "--budget", help="budget of the optimiser section"),
    user: str = USER,
    party: str = PARTY,
) -> None:
    """The half-yearly progress report for parliament (PDF or HTML, with charts)."""
    from perron.programme.report import progress_report, write_report

    if lang not in ("nl", "en"):
        fail("--lang: nl or en", 2)
    if out.suffix.lower() not in (".pdf", ".html"):
        fail(f"{out}: the file name must end in .pdf or .html", 2)
    with db_transaction() as session:
        actor = _actor(session, user, party)
        with progress() as bar:
            bar.add_task("report", total=None)
            rep = _run(progress_report, session, actor, lang, budget)
    path = _run(write_report, rep, out)
    console.print(f"wrote {path}")


@report_app.command("factsheet")
def report_factsheet(
    station: str,
    out: Path = typer.Option(..., "--out", help="FILE.pdf or FILE.html"),
    lang: str = typer.Option("nl", "--lang"),
    user: str = USER,
    party: str = PARTY,
) -> None:
    """The fact sheet of one station (PDF or HTML)."""
    from perron.programme.report import station_factsheet, write_report

    if out.suffix.lower() not in (".pdf", ".html"):
        fail(f"{out}: the file name must end in .pdf or .html", 2)
    with db_transaction() as session:
        rep = _run(station_factsheet, session, _actor(session, user, party), station, lang)
    path = _run(write_report, rep, out)
    console.print(f"wrote {path}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="programme")
    root.add_typer(measures_app, name="measures")
    root.add_typer(report_app, name="report")


__all__ = ["app", "measures_app", "register", "report_app"]

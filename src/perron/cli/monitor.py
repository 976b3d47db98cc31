"""``perron monitor``: the perception survey (Stationsbelevingsmonitor)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from perron.cli.common import acting, call_service, fail, out_console, print_json, progress

monitor_app = typer.Typer(
    help="Perception monitor: survey import, synthetic survey, weighted scores, under-6.0 list.",
    no_args_is_help=True,
)

POPULATION_HELP = (
    "JSON file with the traveller population for the weights "
    '({"gender": {...}, "age_band": {...}}); default: PERRON_MONITOR_POPULATION or the built-in'
)


UserOpt = typer.Option(
    None, "--user", help="Act as this user (their party and role; default: the installation)."
)
PurposeOpt = typer.Option(
    "analysis",
    "--purpose",
    help="Why you read the scores: operational, analysis or accountability.",
)


def _population(path: Path | None):
    from perron.monitor.model import Population, configured_population

    if path is None:
        return configured_population()
    try:
        return Population.from_file(path)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"{path}: {exc}")


def _fmt(est: dict) -> str:
    if est["suppressed"]:
        return f"te weinig reacties (n={est['n']})"
    return f"{est['mean']:.2f}  [{est['ci_low']:.2f}–{est['ci_high']:.2f}]  n={est['n']}"


def _synthetic_note(flag) -> None:
    if flag:
        out_console.print(
            "[yellow]synthetisch — synthetic survey data, not real responses[/yellow]"
        )
    elif flag is None:
        out_console.print("[yellow]includes synthetic survey data[/yellow]")


@monitor_app.command("generate")
def generate_cmd(
    seed: int = typer.Option(
        ..., "--seed", help="random seed; the same seed gives the same survey"
    ),
    years: list[int] = typer.Option(
        None, "--year", help="year to generate (repeatable); default 2023, 2024 and 2025"
    ),
    user: str | None = UserOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Generate the synthetic survey (calibrated to the published figures) into the database.

    Replaces the synthetic responses of those years; imported responses are kept. The
    installation's task (not with --user of a party)."""
    from perron.monitor.generator import DEFAULT_YEARS
    from perron.monitor.service import generate_into

    chosen = tuple(years) if years else DEFAULT_YEARS
    with progress() as bar:
        task = bar.add_task("generating", total=None)

        def step(phase: str, done: int, total: int) -> None:
            bar.update(task, description=phase, completed=done, total=total or None)

        summary = call_service(lambda s: generate_into(s, acting(s, user), seed, chosen, step=step))
    if json_out:
        print_json(summary)
        return
    out_console.print(
        f"{summary['responses']:,} synthetic responses for {', '.join(map(str, chosen))} "
        f"(seed {seed}; {summary['replaced']:,} earlier synthetic rows replaced)"
    )


@monitor_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="CSV or XLSX file with one response per row"),
    source: str = typer.Option(None, help="name of the source (default: file:<name>)"),
    user: str | None = UserOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Import survey responses; nothing is written when any row is invalid. Admins and analysts
    of a party (--user) and the installation import."""
    from perron.monitor.importer import ImportRejected
    from perron.monitor.service import import_responses

    try:
        with progress() as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            report = call_service(lambda s: import_responses(s, acting(s, user), file, source))
            bar.update(task, completed=1, total=1)
    except ImportRejected as exc:
        if json_out:
            print_json(exc.report.as_dict())
            raise SystemExit(1) from None
        fail(str(exc))
    if json_out:
        print_json(report.as_dict())
    else:
        out_console.print(
            f"{file.name}: {report.rows} rows, {report.inserted - report.replaced} new, "
            f"{report.replaced} replaced (source {report.source!r})"
        )


def _parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name}: {value!r} is not a date (YYYY-MM-DD)")


@monitor_app.command("scores")
def scores_cmd(
    year: int = typer.Option(None, "--year", help="calendar year"),
    start: str = typer.Option(None, "--from", help="first day of the period (YYYY-MM-DD)"),
    end: str = typer.Option(None, "--to", help="last day of the period (YYYY-MM-DD)"),
    station: str = typer.Option(None, "--station", help="also the scores of this station"),
    items: list[str] = typer.Option(None, "--item", help="item(s) to report (repeatable)"),
    population: Path = typer.Option(None, "--population", help=POPULATION_HELP),
    user: str | None = UserOpt,
    purpose: str = PurposeOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Weighted scores with 95 % intervals: national, by gender, by size class (of --year,
    of --from/--to, else of the latest year)."""
    from perron.monitor.model import ITEMS
    from perron.monitor.service import scores

    pop = _population(population)
    first, last = _parse_day(start, "--from"), _parse_day(end, "--to")
    report = call_service(
        lambda s: scores(
            s,
            acting(s, user),
            purpose,
            year=year,
            start=first,
            end=last,
            station=station,
            items=items or None,
            population=pop,
        )
    )
    items = items or list(ITEMS)
    if json_out:
        print_json(report)
        return
    if report["n_responses"] == 0:
        out_console.print("no responses in this period")
        return
    _synthetic_note(report["synthetic"])
    table = Table(title=f"Scores {report['period']['start']} – {report['period']['end']}")
    table.add_column("group")
    for item in items:
        table.add_column(item)
    rows = [("national", report["national"])]
    rows += [(g, v) for g, v in report["by_gender"].items()]
    rows += [(s, v) for s, v in report["by_size_class"].items()]
    if "station" in report:
        rows.append((report["station"]["code"], report["station"]))
    for label, entry in rows:
        table.add_row(label, *(_fmt(entry["items"][i]) for i in items))
    out_console.print(table)


@monitor_app.command("below-threshold")
def below_threshold_cmd(
    year: int = typer.Option(None, "--year", help="calendar year (default: the latest)"),
    threshold: float = typer.Option(6.0, help="threshold on feeling safe after 19:00"),
    population: Path = typer.Option(None, "--population", help=POPULATION_HELP),
    user: str | None = UserOpt,
    purpose: str = PurposeOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Stations below 6.0 on feeling safe after 19:00, with trend against the year before."""
    from perron.monitor.service import below_threshold

    pop = _population(population)
    report = call_service(
        lambda s: below_threshold(s, acting(s, user), purpose, year, threshold, pop)
    )
    year = report["year"]
    if json_out:
        print_json(report)
        return
    _synthetic_note(report["synthetic"])
    prev = report["previous_count"]
    out_console.print(
        f"{report['count']} stations below {threshold} after 19:00 in {year}"
        + (f" ({prev} in {year - 1})" if prev is not None else "")
    )
    table = Table()
    for col in ("station", "size", "score", "previous", "status", "gap men−women"):
        table.add_column(col)
    for e in report["stations"] + report["improved"]:
        gap = e["gender_gap"]["gap"]
        table.add_row(
            f"{e['name']} ({e['code']})",
            e["size_class"] or "",
            _fmt(e),
            "" if e["previous_mean"] is None else f"{e['previous_mean']:.2f}",
            e["status"],
            "—" if gap is None else f"{gap:+.2f}",
        )
    out_console.print(table)


@monitor_app.command("station")
def station_cmd(
    code: str = typer.Argument(..., help="station code"),
    population: Path = typer.Option(None, "--population", help=POPULATION_HELP),
    user: str | None = UserOpt,
    purpose: str = PurposeOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """One station's scores per year and item (the trend)."""
    from perron.monitor.service import station_scores

    pop = _population(population)
    report = call_service(lambda s: station_scores(s, acting(s, user), purpose, code, pop))
    if json_out:
        print_json(report)
        return
    if not report["years"]:
        out_console.print(f"no responses for {report['code']}")
        return
    _synthetic_note(report["synthetic"])
    years = sorted(report["years"])
    table = Table(title=f"{report['code']} per year")
    table.add_column("item")
    for y in years:
        table.add_column(y)
    for item in report["years"][years[-1]]:
        table.add_row(item, *(_fmt(report["years"][y][item]) for y in years))
    out_console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")

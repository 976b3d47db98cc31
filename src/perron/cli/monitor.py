"""``perron monitor``: the perception survey (Stationsbelevingsmonitor)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from perron.cli.common import db_transaction, fail, out_console, print_json, progress

monitor_app = typer.Typer(
    help="Perception monitor: survey import, synthetic survey, weighted scores, under-6.0 list.",
    no_args_is_help=True,
)

POPULATION_HELP = (
    "JSON file with the traveller population for the weights "
    '({"gender": {...}, "age_band": {...}}); default: PERRON_MONITOR_POPULATION or the built-in'
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
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Generate the synthetic survey (calibrated to the published figures) into the database.

    Replaces the synthetic responses of those years; imported responses are kept."""
    from perron.monitor.generator import DEFAULT_YEARS
    from perron.monitor.service import generate_into

    chosen = tuple(years) if years else DEFAULT_YEARS
    with progress() as bar:
        task = bar.add_task("generating", total=None)

        def step(phase: str, done: int, total: int) -> None:
            bar.update(task, description=phase, completed=done, total=total or None)

        try:
            with db_transaction() as session:
                summary = generate_into(session, seed, chosen, step=step)
        except ValueError as exc:
            fail(str(exc))
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
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Import survey responses; nothing is written when any row is invalid."""
    from perron.monitor.importer import ImportRejected, import_file

    try:
        with progress() as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            with db_transaction() as session:
                report = import_file(session, file, source)
            bar.update(task, completed=1, total=1)
    except ImportRejected as exc:
        if json_out:
            print_json(exc.report.as_dict())
            raise SystemExit(1) from None
        fail(str(exc))
    except (OSError, ValueError) as exc:
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
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Weighted scores with 95 % intervals: national, by gender, by size class."""
    from perron.monitor.model import ITEMS
    from perron.monitor.service import scores

    if year is None and start is None and end is None:
        fail("give --year or --from/--to")
    items = items or list(ITEMS)
    unknown = [i for i in items if i not in ITEMS]
    if unknown:
        fail(f"unknown item(s) {unknown}; choose from {list(ITEMS)}")
    pop = _population(population)
    with db_transaction() as session:
        report = scores(
            session,
            year=year,
            start=_parse_day(start, "--from"),
            end=_parse_day(end, "--to"),
            station=station.upper() if station else None,
            items=items,
            headline=items[0] if len(items) == 1 else "safe_evening",
            population=pop,
        )
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
    year: int = typer.Option(..., "--year"),
    threshold: float = typer.Option(6.0, help="threshold on feeling safe after 19:00"),
    population: Path = typer.Option(None, "--population", help=POPULATION_HELP),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Stations below 6.0 on feeling safe after 19:00, with trend against the year before."""
    from perron.monitor.service import below_threshold

    pop = _population(population)
    with db_transaction() as session:
        report = below_threshold(session, year, threshold, pop)
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


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")

"""``perron reference``: the shipped reference data."""

from __future__ import annotations

import typer

from perron.cli.common import db_transaction, out_console, print_json, progress
from perron.reference.load import load_reference

app = typer.Typer(help="Reference data: stations, network, municipalities.", no_args_is_help=True)

STEPS = ("municipalities", "stations", "zones", "network", "parties")


@app.command("load")
def load_cmd(
    json_out: bool = typer.Option(False, "--json", help="print the counts as JSON"),
) -> None:
    """Load stations, zones, network, level crossings, municipalities and parties (idempotent)."""
    with progress() as bar:
        task = bar.add_task("reference data", total=len(STEPS))

        def step(name: str) -> None:
            bar.update(task, description=name, completed=STEPS.index(name))

        with db_transaction() as session:
            report = load_reference(session, step)
        bar.update(task, completed=len(STEPS), description="reference data")
    if json_out:
        print_json(report)
    else:
        out_console.print(
            f"loaded {report.stations} stations, {report.zones} zones, {report.links} links, "
            f"{report.level_crossings} level crossings, {report.municipalities} municipalities, "
            f"{report.parties} parties"
        )

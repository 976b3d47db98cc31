"""``perron forecast``: hotspots and hot times per station and four-hour block."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from perron.cli.common import fail, out_console, print_json, progress

app = typer.Typer(
    help="Hotspots and hot times: safety incidents per station and time block.",
    no_args_is_help=True,
)

DATA_HELP = (
    "forecast from this disruption file (Rijden de Treinen format, plain or gzip-compressed) "
    "instead of the registry; --data - is the real file of 2011–2023 shipped with Perron"
)
BACKTEST_DATA_HELP = (
    "disruption file (Rijden de Treinen format, plain or gzip-compressed); default: the real "
    "file of 2011–2023 shipped with Perron"
)
UserOpt = typer.Option(
    None, "--user", help="Act as this user (their party and role; default: the installation)."
)
PurposeOpt = typer.Option(
    "analysis", "--purpose", help="Why you ask: operational, analysis or accountability."
)
CAT_HELP = "comma-separated categories (default: every safety category)"
#: the names of perron.forecast.service.PRODUCTION_MODELS and its DEFAULT_MODEL, kept here so
#: that the CLI starts without loading the models (a test checks that they agree)
MODELS = ("blend", "empirical_bayes", "gradient_boosting", "poisson_glm")
DEFAULT_MODEL = "blend"
MODEL_HELP = (
    "blend (default: geometric mean of gradient_boosting and empirical_bayes, the best model in "
    "the 2022–2023 backtest), empirical_bayes, gradient_boosting or poisson_glm"
)


RegistryOpt = typer.Option(
    None,
    "--registry",
    metavar="PARTY",
    help="forecast from the incidents in the store that PARTY's analysts may see (default: "
    "those the installation, or the --user, may see; any category of the taxonomy, social "
    "safety included)",
)


def _source(data: Path | None, registry: str | None):
    """None (the registry as the actor sees it), a party's view, or a disruption file."""
    from perron.forecast.service import Disruptions, Store

    if registry and data:
        fail("give --data or --registry, not both", 2)
    if registry:
        return Store(registry)
    if data is not None:
        return Disruptions(None if str(data) == "-" else data)
    return None


def _cats(value: str | None) -> list[str] | None:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


def _run(fn, *args, **kwargs):
    from perron.domain.errors import ServiceError
    from perron.forecast.data import DataError

    try:
        return fn(*args, **kwargs)
    except ServiceError as exc:
        where = f" (field {exc.field})" if exc.field and exc.field not in str(exc) else ""
        fail(f"{exc}{where}")
    except (DataError, ValueError) as exc:
        fail(str(exc))


def _actor(user: str | None):
    """The installation, or the user ``--user`` names."""
    from perron.cli.common import acting, call_service

    return call_service(lambda s: acting(s, user))


@app.command("backtest")
def backtest_cmd(
    data: Path | None = typer.Option(None, "--data", help=BACKTEST_DATA_HELP),
    start: str = typer.Option("2022-01-01", "--from", help="first day of the first forecast week"),
    end: str = typer.Option("2023-12-31", "--to", help="last day of the backtest"),
    categories: str | None = typer.Option(None, "--categories", help=CAT_HELP),
    refit_every: int = typer.Option(4, "--refit-every", help="refit the models every N weeks"),
    save: bool = typer.Option(True, "--save/--no-save", help="store the report for API and web"),
    json_out: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Rolling-origin backtest: each week is forecast from data strictly before it."""
    from perron.forecast.backtest import run_backtest
    from perron.forecast.service import Disruptions, resolve_data, save_backtest

    path = _run(resolve_data, Disruptions(data))
    with progress() as bar:
        task = bar.add_task("backtest", total=None)

        def step(i: int, n: int) -> None:
            bar.update(task, total=n, completed=i, description=f"week {i}/{n}")

        report = _run(
            run_backtest,
            path,
            start,
            end,
            _cats(categories),
            refit_every=refit_every,
            progress=step,
        )
    report["data"] = str(path)
    report["command"] = (
        f"perron forecast backtest --data {path} --from {start} --to {end}"
        + (f" --categories {categories}" if categories else "")
        + (f" --refit-every {refit_every}" if refit_every != 4 else "")
    )
    if save:
        save_backtest(report)
    if json_out:
        print_json(report)
        return
    t = Table(title=f"Backtest {report['from']} – {report['to']} ({report['weeks']} weeks)")
    for col in (
        "model",
        "kind",
        "hit 5%",
        "hit 10%",
        "hit 20%",
        "PAI 5%",
        "PAI 10%",
        "PAI 20%",
        "deviance",
        "gap closed 5%",
    ):
        t.add_column(col)
    for m in report["models"]:
        g = m["gap_closed"]["5"]
        t.add_row(
            m["name"],
            m["kind"],
            *(f"{m['hit_rate'][k]:.3f}" for k in ("5", "10", "20")),
            *(f"{m['pai'][k]:.2f}" for k in ("5", "10", "20")),
            f"{m['deviance']:.5f}",
            "–" if g is None else f"{g:.0%}",
        )
    out_console.print(t)


@app.command("train")
def train_cmd(
    data: Path | None = typer.Option(None, "--data", help=DATA_HELP),
    registry: str | None = RegistryOpt,
    until: str | None = typer.Option(
        None, "--until", help="train on data before this day (default: all of the file)"
    ),
    model: str = typer.Option(DEFAULT_MODEL, "--model", help=MODEL_HELP),
    categories: str | None = typer.Option(None, "--categories", help=CAT_HELP),
    user: str | None = UserOpt,
    json_out: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Train a model and store it in the data directory (from the registry unless --data)."""
    from perron.forecast.service import train

    actor = _actor(user)
    with progress() as bar:
        bar.add_task("training", total=None)
        meta = _run(
            train, actor, "analysis", _source(data, registry), until, model, _cats(categories)
        )
    if json_out:
        print_json(meta)
    else:
        out_console.print(
            f"trained {meta['model']} on data before {meta['trained_until']} "
            f"in {meta['seconds']} s → {meta['path']}"
        )


@app.command("tonight")
def tonight_cmd(
    data: Path | None = typer.Option(None, "--data", help=DATA_HELP),
    registry: str | None = RegistryOpt,
    day: str | None = typer.Option(
        None, "--date", help="the evening to forecast (default: the day after the data end)"
    ),
    model: str = typer.Option(DEFAULT_MODEL, "--model", help=MODEL_HELP),
    categories: str | None = typer.Option(None, "--categories", help=CAT_HELP),
    top: int = typer.Option(15, "--top", help="how many stations to show"),
    lang: str = typer.Option("nl", "--lang", help="nl or en for the explanations"),
    user: str | None = UserOpt,
    purpose: str = PurposeOpt,
    json_out: bool = typer.Option(False, "--json", help="print the ranking as JSON"),
) -> None:
    """Tonight (16–24 h): stations ranked by expected safety incidents, with the main drivers."""
    from perron.forecast.service import tonight

    actor = _actor(user)
    source = _source(data, registry)
    res = _run(tonight, actor, purpose, source, day, model, _cats(categories), lang=lang, top=top)
    if json_out:
        print_json(res)
        return
    t = Table(
        title=f"Vanavond {res['date']} 16–24 u ({res['model']}, data t/m {res['data_until']})"
    )
    for col in ("#", "station", "verwacht", "16–20", "20–24", "belangrijkste factoren"):
        t.add_column(col)
    for s in res["stations"]:
        t.add_row(
            str(s["rank"]),
            f"{s['name']} ({s['station']})",
            f"{s['expected']:.3f}",
            f"{s['blocks'].get('16–20', 0):.3f}",
            f"{s['blocks'].get('20–24', 0):.3f}",
            "; ".join(d["text"] for d in s["drivers"][:2]),
        )
    out_console.print(t)


@app.command("week")
def week_cmd(
    data: Path | None = typer.Option(None, "--data", help=DATA_HELP),
    registry: str | None = RegistryOpt,
    start: str | None = typer.Option(
        None, "--start", help="first day of the week (default: the day after the data end)"
    ),
    model: str = typer.Option(DEFAULT_MODEL, "--model", help=MODEL_HELP),
    categories: str | None = typer.Option(None, "--categories", help=CAT_HELP),
    lang: str = typer.Option("nl", "--lang", help="nl or en for the explanations"),
    top: int = typer.Option(20, "--top", help="station-blocks to show without --json"),
    user: str | None = UserOpt,
    purpose: str = PurposeOpt,
    json_out: bool = typer.Option(False, "--json", help="print every station × day × block"),
) -> None:
    """The forecast per station, day and four-hour block for seven days."""
    from perron.forecast.service import week

    actor = _actor(user)
    source = _source(data, registry)
    res = _run(week, actor, purpose, source, start, model, _cats(categories), lang=lang)
    if json_out:
        print_json(res)
        return
    cells = sorted(res["cells"], key=lambda c: c["rank"])[:top]
    t = Table(title=f"Week vanaf {res['start']} ({res['model']})")
    for col in ("#", "station", "datum", "uur", "verwacht", "belangrijkste factor"):
        t.add_column(col)
    for c in cells:
        t.add_row(
            str(c["rank"]),
            f"{c['name']} ({c['station']})",
            c["date"],
            c["hours"],
            f"{c['expected']:.4f}",
            c["drivers"][0]["text"] if c.get("drivers") else "",
        )
    out_console.print(t)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="forecast")

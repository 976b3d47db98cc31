"""``perron effect``: did the measure work? Evaluate a panel or a deal measure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from perron.cli.common import console, fail, out_console, print_json, progress

app = typer.Typer(
    help="Effect evaluation: what changed because of a measure, with an interval and checks.",
    no_args_is_help=True,
)

UserOpt = typer.Option(None, "--user", help="act as this user (their party and role)")
PartyOpt = typer.Option(
    None, "--party", envvar="PERRON_PARTY", help="act for this party as its admin (default prorail)"
)
PurposeOpt = typer.Option("analysis", "--purpose", help="analysis or accountability")


def _actor(user: str | None, party: str | None, need_db: bool) -> Any:
    from perron.access.accounts import Principal
    from perron.domain.parties import Role

    if not user and not need_db:
        code = party or "prorail"
        return Principal(0, f"cli:{code}", f"command line ({code})", code, Role.ADMIN)
    from sqlalchemy import select

    from perron.cli.common import db_transaction
    from perron.store.tables.accounts import Party, User

    with db_transaction() as session:
        if user:
            row = session.scalar(select(User).where(User.username == user))
            if row is None:
                fail(f"unknown user {user!r}", 2)
            assert row is not None
            return Principal(row.id, row.username, row.display_name, row.party_code, Role(row.role))
        code = party or "prorail"
        if session.get(Party, code) is None:
            fail(f"unknown party {code!r}", 2)
        return Principal(0, f"cli:{code}", f"command line ({code})", code, Role.ADMIN)


def _print(ev: dict[str, Any]) -> None:
    from perron.effect.checks import pct

    def num(v: Any) -> str:
        return "–" if v is None else f"{v:.3g}"

    out_console.print(
        f"[bold]{ev['method']}[/bold] on {ev['units']} units × {ev['periods']} months "
        f"({ev['treated_units']} treated)"
        + (f" — [yellow]SYNTHETIC: {ev['source']}[/yellow]" if ev["synthetic"] else ""),
        soft_wrap=True,
    )
    out_console.print(
        f"effect per unit-month: {num(ev['att'])} [{num(ev['ci_low'])}, {num(ev['ci_high'])}]"
        f"  relative: {pct(ev['relative'])} [{pct(ev['relative_ci_low'])}, "
        f"{pct(ev['relative_ci_high'])}]",
        soft_wrap=True,
    )
    out_console.print(
        f"pre-trend p: {num(ev['pre_trend_p'])}  placebo p: {num(ev['placebo_p'])}  "
        f"minimum detectable effect: {pct(ev['mde_relative']).lstrip('+')}  naive before/after: "
        f"{pct(ev['naive_change'])}",
        soft_wrap=True,
    )
    verdict = "[green]credible[/green]" if ev["credible"] else "[red]not credible[/red]"
    out_console.print(f"verdict: {verdict}", soft_wrap=True)
    for r in ev["reasons_en"]:
        out_console.print(f"  – {r}", soft_wrap=True)


@app.command("evaluate")
def evaluate_cmd(
    panel: Path | None = typer.Option(
        None, "--panel", help="CSV with unit,period,outcome,treated_from (period YYYY-MM)"
    ),
    measure: int | None = typer.Option(None, "--measure", help="id of a measure of a station deal"),
    method: str = typer.Option(
        "auto", "--method", help="auto, imputation, imputation_linear or synthetic_control"
    ),
    outcome: str = typer.Option(
        "incidents",
        "--outcome",
        help="with --measure: incidents, disruptions, alerts, response_time or evening_safety",
    ),
    step: str = typer.Option(
        "acknowledge",
        "--step",
        help="with --outcome response_time: acknowledge, dispatch or arrive",
    ),
    months_before: int = typer.Option(
        48, "--months-before", help="with --measure: months of history before the start"
    ),
    seed: int = typer.Option(0, "--seed", help="seed of the bootstrap and the placebos"),
    replicates: int = typer.Option(199, "--replicates", help="bootstrap replicates (0–2000)"),
    placebos: int = typer.Option(49, "--placebos", help="placebo runs (0–1000)"),
    save: bool = typer.Option(False, "--save/--no-save", help="store it (web page and API)"),
    title: str | None = typer.Option(None, "--title", help="title of the stored evaluation"),
    purpose: str = PurposeOpt,
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    json_out: bool = typer.Option(False, "--json", help="print the evaluation as JSON"),
) -> None:
    """Evaluate a panel (a CSV) or a deal measure: effect with interval, checks, verdict."""
    from perron.effect import (
        EffectError,
        Forbidden,
        Options,
        PanelError,
        evaluate_measure,
        evaluate_panel,
        measure_title,
        panel_digest,
        read_panel_csv,
        result_dict,
        save_evaluation,
    )

    if (panel is None) == (measure is None):
        fail("give either --panel FILE or --measure ID", 2)
    if panel is not None and (outcome != "incidents" or step != "acknowledge"):
        fail("--outcome and --step go with --measure: a panel file brings its own outcome", 2)
    opts = Options(seed=seed, replicates=replicates, placebos=placebos)
    actor = _actor(user, party, need_db=save or measure is not None)
    info: dict[str, Any] | None = None
    try:
        with progress() as bar:
            bar.add_task("evaluating", total=None)
            if panel is not None:
                p = read_panel_csv(panel)
                ev = evaluate_panel(actor, p, purpose=purpose, method=method, options=opts)
                source, default_title = "panel", f"Panel {panel.name}"
            else:
                from perron.cli.common import db_transaction

                with db_transaction() as session:
                    ev, p, info = evaluate_measure(
                        session,
                        actor,
                        int(measure or 0),
                        purpose=purpose,
                        method=method,
                        options=opts,
                        months_before=months_before,
                        outcome=outcome,
                        step=step,
                    )
                source = "measure"
                default_title = measure_title(info)
        out = result_dict(ev)
        if info is not None:
            out["measure"] = info
        if save:
            from perron.cli.common import db_transaction

            with db_transaction() as session:
                stored = save_evaluation(
                    session,
                    actor,
                    ev,
                    title=title or default_title,
                    source=source,
                    panel_sha256=panel_digest(p),
                    measure_id=str(measure) if measure is not None else None,
                    measure=info,
                    purpose=purpose,
                )
                out["evaluation_id"] = stored.id
    except PanelError as exc:
        fail(str(exc), 2)
    except EffectError as exc:
        fail(str(exc), 2)
    except Forbidden as exc:
        fail(str(exc), 3)
    if json_out:
        print_json(out)
    else:
        _print(out)
        if "evaluation_id" in out:
            out_console.print(f"stored as evaluation {out['evaluation_id']}")


@app.command("list")
def list_cmd(
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """The stored evaluations of your party, newest first."""
    from perron.cli.common import db_transaction
    from perron.effect import Forbidden, list_evaluations

    actor = _actor(user, party, need_db=True)
    try:
        with db_transaction() as session:
            rows = [r.summary() for r in list_evaluations(session, actor)]
    except Forbidden as exc:
        fail(str(exc), 3)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>5}  {r['method']:<20} {'credible' if r['credible'] else 'not credible':<13}"
            f" {r['title']}" + ("  [synthetic]" if r["synthetic"] else "")
        )


@app.command("show")
def show_cmd(
    evaluation_id: int = typer.Argument(..., help="id of a stored evaluation"),
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """One stored evaluation."""
    from perron.cli.common import db_transaction
    from perron.effect import Forbidden, NotFound, get_evaluation

    actor = _actor(user, party, need_db=True)
    try:
        with db_transaction() as session:
            row = get_evaluation(session, actor, evaluation_id).as_dict()
    except NotFound as exc:
        fail(str(exc), 4)
    except Forbidden as exc:
        fail(str(exc), 3)
    if json_out:
        print_json(row)
    else:
        out_console.print(f"[bold]{row['title']}[/bold]", soft_wrap=True)
        _print(row["result"])


@app.command("power")
def power_cmd(
    panel: Path | None = typer.Option(
        None, "--panel", help="CSV with unit,period,outcome,treated_from"
    ),
    units: str | None = typer.Option(
        None, "--units", help="with --panel: comma-separated units of the planned measure"
    ),
    measure: int | None = typer.Option(
        None, "--measure", help="id of a (planned) measure of a station deal"
    ),
    outcome: str = typer.Option(
        "incidents",
        "--outcome",
        help="with --measure: incidents, disruptions, alerts, response_time or evening_safety",
    ),
    step: str = typer.Option(
        "acknowledge", "--step", help="with --outcome response_time: acknowledge, dispatch, arrive"
    ),
    months: int = typer.Option(12, "--months", help="months after the start to evaluate on"),
    seed: int = typer.Option(0, "--seed"),
    purpose: str = PurposeOpt,
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Before a measure starts: the smallest effect an evaluation could see (power), for a
    panel file and its units, or for a deal measure on an outcome from the store."""
    from perron.effect import (
        EffectError,
        Forbidden,
        Options,
        PanelError,
        plan_measure_power,
        plan_power,
        read_panel_csv,
    )

    if (panel is None) == (measure is None):
        fail("give either --panel FILE with --units, or --measure ID", 2)
    if panel is not None and not units:
        fail("--panel needs --units: the stations of the planned measure", 2)
    actor = _actor(user, party, need_db=measure is not None)
    try:
        if panel is not None:
            p = read_panel_csv(panel)
            res = plan_power(
                actor,
                p,
                [u.strip() for u in (units or "").split(",") if u.strip()],
                months_after=months,
                purpose=purpose,
                options=Options(seed=seed, placebos=39),
            ).as_dict()
        else:
            from perron.cli.common import db_transaction

            with db_transaction() as session:
                res = plan_measure_power(
                    session,
                    actor,
                    int(measure or 0),
                    months_after=months,
                    outcome=outcome,
                    step=step,
                    purpose=purpose,
                    options=Options(seed=seed, placebos=39),
                )
    except (PanelError, EffectError) as exc:
        fail(str(exc), 2)
    except Forbidden as exc:
        fail(str(exc), 3)
    if json_out:
        print_json(res)
    else:
        out_console.print(res["note_en"], soft_wrap=True)


@app.command("evidence")
def evidence_cmd(
    measure_code: str | None = typer.Option(None, "--measure-code", help="one catalogue code"),
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Perron's own evidence per catalogue measure: the stored evaluations of deal measures."""
    from perron.cli.common import db_transaction
    from perron.effect import Forbidden, measure_evidence

    actor = _actor(user, party, need_db=True)
    try:
        with db_transaction() as session:
            rows = measure_evidence(session, actor, measure_code)
    except Forbidden as exc:
        fail(str(exc), 3)
    if json_out:
        print_json(rows)
        return
    from perron.effect.checks import pct

    for r in rows:
        typer.echo(
            f"{r['measure_code']:<16} {pct(r['relative']):>7} [{pct(r['relative_ci_low'])}, "
            f"{pct(r['relative_ci_high'])}] {'credible' if r['credible'] else 'not credible'}"
            f"  evaluation {r['evaluation_id']}" + ("  [synthetic]" if r["synthetic"] else "")
        )


@app.command("synthetic")
def synthetic_cmd(
    out: Path = typer.Option(..., "--out", help="CSV file to write"),
    units: int = typer.Option(60, "--units", min=4, max=2000),
    periods: int = typer.Option(48, "--periods", min=12, max=240),
    treated: int = typer.Option(20, "--treated", min=1),
    effect: float = typer.Option(-0.2, "--effect", help="true relative effect, −0.2 = 20 % fewer"),
    seed: int = typer.Option(0, "--seed"),
    rtm: bool = typer.Option(False, "--rtm", help="treated chosen after a bad period"),
    trend_gap: float = typer.Option(0.0, "--trend-gap", help="extra yearly growth of the treated"),
) -> None:
    """Write a generated (synthetic) panel with a known effect, for trying the evaluation."""
    from perron.effect import make_panel

    if treated >= units:
        fail("--treated must be smaller than --units", 2)
    if not -0.95 <= effect <= 5:
        fail("--effect must be between -0.95 and 5", 2)
    p = make_panel(
        units=units,
        periods=periods,
        treated=treated,
        effect=effect,
        seed=seed,
        rtm=rtm,
        trend_gap=trend_gap,
    )
    out.write_text(p.to_csv())
    console.print(f"wrote {out} (synthetic, true effect {effect:+.0%})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="effect")

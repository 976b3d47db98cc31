"""``perron alerts`` and ``perron units``: alerts, their lifecycle and exports, correlation
rules, escalation, webhooks, response times and response units.

The command line is used by the people who run the installation: it sees every alert, and
records the actor given with ``--actor`` (default ``cli:<login name>``) in each transition and
in the audit trail. ``--user NAME`` acts as that user instead, with their party and role, as the
API and the web pages do. Every command calls one function of :mod:`perron.live.service`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from perron.cli.common import (
    acting,
    call_service,
    console,
    db_transaction,
    fail,
    out_console,
    print_json,
)

alerts_app = typer.Typer(
    help="Alerts: list, show, acknowledge, dispatch, resolve, export (CAP, NGSI-LD), rules.",
    no_args_is_help=True,
)
rules_app = typer.Typer(help="Correlation rules.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook subscriptions and their delivery.", no_args_is_help=True)
units_app = typer.Typer(help="Response units: boa's, security staff, police.", no_args_is_help=True)
alerts_app.add_typer(rules_app, name="rules")
alerts_app.add_typer(webhooks_app, name="webhooks")

ACTOR = typer.Option(None, "--actor", help="who acts (default cli:<login name>)")
USER = typer.Option(
    None, "--user", help="act as this user (their party and role; default: the installation)"
)


def _move(
    alert_id: int,
    action: str,
    actor: str | None,
    user: str | None,
    json_out: bool,
    **kw: Any,
) -> None:
    from perron.live import service

    out = call_service(
        lambda s: service.move_alert(s, acting(s, user, actor), alert_id, action, **kw).as_dict()
    )
    if json_out:
        print_json(out)
    else:
        out_console.print(f"alert {alert_id}: {out['state']}")


@alerts_app.command("list")
def list_cmd(
    state: str = typer.Option(None, "--state", help="new, acknowledged, dispatched, ..."),
    open_only: bool = typer.Option(False, "--open", help="only alerts not resolved"),
    station: str = typer.Option(None, "--station", help="station code, e.g. UT"),
    limit: int = typer.Option(200, "--limit"),
    user: str = USER,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List alerts, newest first."""
    from perron.live import service

    rows = call_service(
        lambda s: service.list_alerts(
            s, acting(s, user), state=state, open_only=open_only, station=station, limit=limit
        )
    )
    if json_out:
        print_json(rows)
        return
    table = Table("id", "opened", "severity", "state", "station", "zone", "title", "party")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["created_at"].strftime("%Y-%m-%d %H:%M:%S"),
            r["severity"],
            r["state"],
            r["station"],
            r["zone"] or "",
            r["title"]["nl"] + (" (synthetisch)" if r["synthetic"] else ""),
            r["responsible_party"],
        )
    out_console.print(table)


@alerts_app.command("show")
def show_cmd(
    alert_id: int, user: str = USER, json_out: bool = typer.Option(False, "--json")
) -> None:
    """One alert with its transitions and, while it waits for a unit, the nearest available
    units."""
    from perron.live import service

    out = call_service(lambda s: service.show_alert(s, acting(s, user), alert_id).as_dict())
    if json_out:
        print_json(out)
        return
    out_console.print(
        f"[bold]alert {out['id']}[/bold] {out['title']['nl']} — {out['station']} "
        f"{out['zone'] or ''}  severity {out['severity']}  state {out['state']}  "
        f"party {out['responsible_party']}" + ("  accepted" if out["accepted"] else "")
    )
    for t in out["transitions"]:
        out_console.print(
            f"  {t['at']:%Y-%m-%d %H:%M:%S}  {t['from'] or '-'} → {t['to']}  "
            f"{t['actor']}  {t['note'] or ''}"
        )
    for p in out["proposals"]:
        out_console.print(
            f"  proposed: {p['unit_code']} ({p['kind']}, {p['party_code']}) "
            f"{p['distance_km']} km, {p['travel_minutes']} min"
        )


@alerts_app.command("ack")
def ack_cmd(
    alert_id: int,
    actor: str = ACTOR,
    user: str = USER,
    note: str = typer.Option(None, "--note"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Acknowledge an alert."""
    _move(alert_id, "acknowledge", actor, user, json_out, note=note)


@alerts_app.command("dispatch")
def dispatch_cmd(
    alert_id: int,
    unit: str = typer.Option(None, "--unit", help="unit code or id; default the nearest"),
    actor: str = ACTOR,
    user: str = USER,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Send a unit (the nearest available one by travel time unless --unit is given)."""
    _move(alert_id, "dispatch", actor, user, json_out, unit=unit)


@alerts_app.command("arrive")
def arrive_cmd(
    alert_id: int,
    actor: str = ACTOR,
    user: str = USER,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Report the dispatched unit on scene."""
    _move(alert_id, "on-scene", actor, user, json_out)


@alerts_app.command("accept")
def accept_cmd(
    alert_id: int,
    user: str = typer.Option(..., "--user", help="the field account of the dispatched unit"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """The dispatched unit takes the alert (it stays dispatched and counts as accepted)."""
    _move(alert_id, "accept", None, user, json_out)


@alerts_app.command("release")
def release_cmd(
    alert_id: int,
    actor: str = ACTOR,
    user: str = USER,
    note: str = typer.Option(None, "--note", help="why the unit cannot go"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """The dispatched unit declines: the alert goes back to acknowledged for another unit."""
    _move(alert_id, "release", actor, user, json_out, note=note)


@alerts_app.command("resolve")
def resolve_cmd(
    alert_id: int,
    outcome: str = typer.Option(..., "--outcome", help="true_alarm or false_alarm"),
    note: str = typer.Option(None, "--note", help="what happened"),
    actor: str = ACTOR,
    user: str = USER,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Close an alert with its outcome."""
    _move(alert_id, "resolve", actor, user, json_out, outcome=outcome, note=note)


@alerts_app.command("export")
def export_cmd(
    alert_id: int,
    fmt: str = typer.Option("cap", "--format", help="an alert export format: cap, ngsi-ld, json"),
    output: Path = typer.Option(None, "--output", "-o", help="write to this file"),
    user: str = USER,
) -> None:
    """Write an alert as CAP 1.2 XML or as an NGSI-LD Alert (validated against the schema)."""
    from perron.live import service

    out = call_service(lambda s: service.export_alert(s, acting(s, user), alert_id, fmt))
    if output:
        output.write_text(out.text, encoding="utf-8")
        console.print(f"wrote {output}")
    else:
        typer.echo(out.text, nl=False)


@alerts_app.command("escalate")
def escalate_cmd(user: str = USER, json_out: bool = typer.Option(False, "--json")) -> None:
    """Escalate every alert not acknowledged within the limit of its severity."""
    from perron.live import service

    ids = call_service(lambda s: service.escalate(s, acting(s, user)))
    if json_out:
        print_json({"escalated": ids})
    else:
        out_console.print(f"escalated {len(ids)} alert(s)" + (f": {ids}" if ids else ""))


@alerts_app.command("response-times")
def response_times_cmd(
    group_by: str = typer.Option("all", "--by", help="all, station, party or period"),
    period: str = typer.Option("month", "--period", help="day, week or month (with --by period)"),
    days: int = typer.Option(30, "--days", help="look back this many days"),
    user: str = USER,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Response times (seconds from opening): p50/p90/p95 to acknowledge, dispatch, arrive,
    resolve."""
    from perron.live import service
    from perron.live.kpi import MEASURES

    if group_by not in ("all", "station", "party", "period"):
        fail("--by must be all, station, party or period")
    rows = call_service(
        lambda s: (
            service.response_times(
                s, acting(s, user), group_by=group_by, period=period, days=days
            ).rows
        )
    )
    if json_out:
        print_json(rows)
        return
    table = Table("group", "alerts", *[f"{m} p50/p90/p95 (s)" for m in MEASURES])
    for r in rows:
        cells = []
        for m in MEASURES:
            v = r[m]
            cells.append("–" if not v["n"] else f"{v['p50']:.0f}/{v['p90']:.0f}/{v['p95']:.0f}")
        table.add_row(r["group"], str(r["alerts"]), *cells)
    out_console.print(table)


@rules_app.command("check")
def rules_check_cmd(
    file: Path = typer.Argument(None, help="rules file (default: built-in)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Validate a rules file; errors name the file, the rule and the field."""
    from perron.live.rules import RulesError, load_rules

    try:
        rules = load_rules(file)
    except RulesError as exc:
        fail(str(exc))
    if json_out:
        print_json([r.model_dump(mode="json") for r in rules.rules])
    else:
        out_console.print(
            f"{file or 'built-in rules'}: {len(rules.rules)} rule(s) valid: "
            + ", ".join(r.id for r in rules.rules)
        )


@webhooks_app.command("add")
def webhook_add_cmd(
    party: str = typer.Option(..., "--party"),
    url: str = typer.Option(..., "--url"),
    fmt: str = typer.Option("json", "--format", help="json, cap or ngsi-ld"),
    all_alerts: bool = typer.Option(False, "--all", help="every alert, not only the party's"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Subscribe a URL; prints the secret that signs the deliveries (shown once)."""
    from perron.live import service

    out = call_service(
        lambda s: service.subscribe_webhook(
            s, acting(s), party=party, url=url, fmt=fmt, only_responsible=not all_alerts
        )
    )
    if json_out:
        print_json(out)
    else:
        out_console.print(f"webhook {out['id']} added; secret: {out['secret']}")


@webhooks_app.command("list")
def webhook_list_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """List subscriptions with their pending and failed deliveries (secrets are not shown)."""
    from perron.live import service

    rows = call_service(lambda s: service.list_webhooks(s, acting(s)))
    if json_out:
        print_json(rows)
        return
    table = Table("id", "party", "url", "format", "pending", "delivered", "failed")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["party"],
            r["url"],
            r["format"],
            str(r["pending"]),
            str(r["delivered"]),
            str(r["failed"]),
        )
    out_console.print(table)


@webhooks_app.command("deliver")
def webhook_deliver_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """Deliver what is due in the outbox now (serve and live do this continuously)."""
    from perron.live import service

    out = call_service(lambda s: service.deliver_webhooks(s, acting(s)))
    if json_out:
        print_json(out)
    else:
        out_console.print(
            f"delivered {out['delivered']}, to retry {out['retried']}, failed {out['failed']}"
        )


@units_app.command("list")
def units_list_cmd(
    party: str = typer.Option(None, "--party"),
    status: str = typer.Option(None, "--status"),
    user: str = USER,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List response units."""
    from perron.live import service

    rows = call_service(
        lambda s: service.list_units(s, acting(s, user), party=party, status=status)
    )
    if json_out:
        print_json(rows)
        return
    table = Table("code", "name", "party", "kind", "status", "position")
    for r in rows:
        table.add_row(
            r["code"],
            r["name"] + (" (synthetisch)" if r["synthetic"] else ""),
            r["party"],
            r["kind"],
            r["status"],
            f"{r['lat']:.5f}, {r['lng']:.5f}",
        )
    out_console.print(table)


@units_app.command("add")
def units_add_cmd(
    code: str,
    name: str = typer.Option(..., "--name"),
    party: str = typer.Option(..., "--party"),
    kind: str = typer.Option(..., "--kind", help="boa, security or police"),
    lat: float = typer.Option(..., "--lat"),
    lng: float = typer.Option(..., "--lng"),
    user: str = typer.Option(None, "--user", help="username of the unit's field account"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Add a response unit."""
    from perron.live import service

    out = call_service(
        lambda s: service.add_unit(
            s,
            acting(s),
            code=code,
            name=name,
            party=party,
            kind=kind,
            lat=lat,
            lng=lng,
            user=user,
        )
    )
    if json_out:
        print_json(out)
    else:
        out_console.print(f"unit {code} added")


@units_app.command("set")
def units_set_cmd(
    code: str,
    status: str = typer.Option(None, "--status", help="available or off_duty"),
    lat: float = typer.Option(None, "--lat"),
    lng: float = typer.Option(None, "--lng"),
    user: str = USER,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Set a unit's status or position (a unit dispatched or on scene is moved by its alert)."""
    from perron.live import service

    out = call_service(
        lambda s: service.change_unit(s, acting(s, user), code, status=status, lat=lat, lng=lng)
    )
    if json_out:
        print_json(out)
    else:
        out_console.print(f"unit {code}: {out['status']} at {out['lat']:.5f}, {out['lng']:.5f}")


@units_app.command("seed-demo")
def units_seed_cmd() -> None:
    """Add synthetic demo units around the large stations (idempotent)."""
    from perron.live.units import seed_demo_units

    with db_transaction() as s:
        n = seed_demo_units(s)
    out_console.print(f"added {n} synthetic unit(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(units_app, name="units")

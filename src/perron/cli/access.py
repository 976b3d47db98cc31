"""Commands of the access capability: ``perron audit``, ``perron agreements`` and the read,
export and personal-data commands of ``perron incidents``; ``register(app)`` mounts them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from perron.cli.common import acting, call_service, db_transaction, fail, print_json, settings
from perron.domain.errors import Forbidden, Invalid, NotFound

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
agreements_app = typer.Typer(help="Data-sharing agreements between parties.", no_args_is_help=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON.")
AuditUserOpt = typer.Option(
    None, "--user", help="Act as this user (their party and role; default: the installation)."
)


@audit_app.command("verify")
def audit_verify(
    anchor: Path | None = typer.Option(
        None, "--anchor", help="An anchor file from `perron audit anchor`: detects truncation."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Processes checking slices of a long chain (pays off only on idle cores).",
    ),
    user: str | None = AuditUserOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Recompute the hash chain; exit 0 when intact, 1 naming the first bad entry (each run is
    recorded in the trail)."""
    from perron.access import service

    mark = None
    if anchor is not None:
        try:
            mark = json.loads(anchor.read_text())
            int(mark["seq"]), str(mark["hash"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            fail(f"{anchor}: not an anchor file ({exc})", 2)
    result = call_service(
        lambda s: service.verify_audit(s, acting(s, user), anchor=mark, workers=workers)
    )
    if as_json:
        print_json(result.as_dict())
    elif result.ok:
        typer.echo(f"OK: {result.checked} entries, head {result.head_seq} {result.head_hash}")
    else:
        typer.echo(f"BROKEN at entry {result.first_bad_seq}: {result.reason}")
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Where to write it (default: DATA_DIR/anchors/)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Export the current head of the chain (seq, hash, time) to a file and print it."""
    from perron.access import service

    mark = call_service(lambda s: service.audit_anchor(s, acting(s)))
    if output is None:
        folder = settings().ensure_data_dir() / "anchors"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = folder / f"anchor-{stamp}-{mark['seq']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(mark, indent=2) + "\n")
    mark = {**mark, "file": str(output)}
    if as_json:
        print_json(mark)
    else:
        typer.echo(f"anchor {mark['seq']} {mark['hash']} written to {output}")


@audit_app.command("log")
def audit_log(
    since: int = typer.Option(0, help="Show entries after this seq."),
    limit: int = typer.Option(50, help="At most this many entries."),
    party: str | None = typer.Option(None, help="Only entries of this party."),
    action: str | None = typer.Option(None, help="Only this action, e.g. incident.read."),
    user: str | None = AuditUserOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show entries of the audit trail (oldest first); the read is itself recorded."""
    from perron.access import service

    rows = call_service(
        lambda s: service.read_audit_log(
            s, acting(s, user), since=since, limit=limit, party=party, action=action
        )
    )
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['seq']:>8} {r['at'][:19]} {r['actor']:<16} {r['party']:<10} "
            f"{r['purpose']:<14} {r['action']:<22} {r['subject']}"
        )


@agreements_app.command("list")
def agreements_list(
    party: str | None = typer.Option(None, help="Only agreements where this party takes part."),
    as_json: bool = JsonOpt,
) -> None:
    """List agreements (revoked ones included, marked)."""
    from perron.access import service

    rows = call_service(lambda s: service.list_agreements(s, acting(s), party=party))
    if as_json:
        print_json(rows)
        return
    for r in rows:
        cats = ",".join(r["categories"]) if r["categories"] else "all"
        state = " (revoked)" if r["revoked_at"] else ""
        typer.echo(
            f"{r['id']:>4} {r['owner']} → {r['grantee']} {r['level']} "
            f"[{','.join(r['purposes'])}] categories={cats} fields={','.join(r['fields']) or '-'}"
            f"{state}  {r['reference']}"
        )


@agreements_app.command("add")
def agreements_add(
    owner: str = typer.Option(..., help="The party whose incidents are shared."),
    grantee: str = typer.Option(..., help="The party that may see them."),
    level: str = typer.Option("aggregate", help="detail or aggregate."),
    purpose: list[str] = typer.Option(..., help="operational, analysis, accountability."),
    category: list[str] = typer.Option([], help="Category or group; default all."),
    field: list[str] = typer.Option([], help="Extra detail fields: description, person_ref."),
    reference: str = typer.Option("", help="The agreement's name or document reference."),
    as_json: bool = JsonOpt,
) -> None:
    """Record an agreement."""
    from perron.access import service

    row = call_service(
        lambda s: service.create_agreement(
            s,
            acting(s, name="cli"),
            owner=owner,
            grantee=grantee,
            level=level,
            purposes=purpose,
            categories=category or None,
            fields=field,
            reference=reference,
        ),
        code=2,
    )
    if as_json:
        print_json(row)
    else:
        typer.echo(f"agreement {row['id']}: {owner} → {grantee} {level}")


@agreements_app.command("revoke")
def agreements_revoke(agreement_id: int, as_json: bool = JsonOpt) -> None:
    """Revoke an agreement (it stays on record)."""
    from perron.access import service

    row = call_service(
        lambda s: service.revoke_agreement(s, acting(s, name="cli"), agreement_id), code=2
    )
    if as_json:
        print_json(row)
    else:
        typer.echo(f"agreement {agreement_id} revoked")


@agreements_app.command("defaults")
def agreements_defaults(as_json: bool = JsonOpt) -> None:
    """Create the documented default agreements that are missing."""
    from perron.access import service

    made = call_service(lambda s: service.create_default_agreements(s, acting(s, name="cli")))
    if as_json:
        print_json({"created": made})
    else:
        typer.echo(f"{made} agreement(s) created")


# ---- perron incidents: reads, exports and personal data ------------------------------------

PurposeOpt = typer.Option(
    "analysis", "--purpose", help="Why you query: operational, analysis or accountability."
)
UserOpt = typer.Option(None, "--user", help="Act as this user (their party and role).")
PartyOpt = typer.Option(
    None,
    "--party",
    envvar="PERRON_PARTY",
    help="Act for this party as its admin (default prorail, the registry's host).",
)


#: exit codes of the incident commands: 2 bad input, 3 refused (with the reason), 4 not found
INCIDENT_EXIT_CODES: dict[type, int] = {Invalid: 2, Forbidden: 3, NotFound: 4}


def _viewer(session, user: str | None, party: str | None):
    from sqlalchemy import select

    from perron.access.agreements import viewer_for
    from perron.store.tables.accounts import Party, User

    if user:
        row = session.scalar(select(User).where(User.username == user))
        if row is None:
            fail(f"unknown user {user!r}", 2)
        return viewer_for(session, row.party_code, row.role, row.username)
    party = party or "prorail"
    if session.get(Party, party) is None:
        fail(f"unknown party {party!r}", 2)
    return viewer_for(session, party, "admin", f"cli:{party}")


def _filters(category, station, party_filter, since, until):
    from datetime import date

    from perron.registry.queries import Filters

    def day(v):
        if not v:
            return None
        try:
            return date.fromisoformat(v)
        except ValueError:
            fail(f"not a date (YYYY-MM-DD): {v!r}", 2)

    return Filters(
        categories=tuple(category or ()),
        stations=tuple(s.upper() for s in station or ()),
        owners=tuple(party_filter or ()),
        since=day(since),
        until=day(until),
    )


CategoryOpt = typer.Option([], "--category", help="Category code or group; repeat.")
StationOpt = typer.Option([], "--station", help="Station code; repeat.")
OwnerOpt = typer.Option([], "--owner", help="Only incidents of this party; repeat.")
SinceOpt = typer.Option(None, "--since", help="Occurred on or after (YYYY-MM-DD).")
UntilOpt = typer.Option(None, "--until", help="Occurred before (YYYY-MM-DD).")


def _purpose(value: str):
    from perron.access.policy import Purpose

    try:
        return Purpose(value)
    except ValueError:
        fail(f"unknown purpose {value!r}; choose operational, analysis or accountability", 2)


def incidents_list(
    purpose: str = PurposeOpt,
    category: list[str] = CategoryOpt,
    station: list[str] = StationOpt,
    owner: list[str] = OwnerOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(50, min=1, max=1000),
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    as_json: bool = JsonOpt,
) -> None:
    """List incidents you may see in detail (newest first); the read is audited."""
    from perron.registry import queries

    result = call_service(
        lambda s: queries.list_incidents(
            s,
            _viewer(s, user, party),
            _purpose(purpose),
            _filters(category, station, owner, since, until),
            page=page,
            page_size=page_size,
        ),
        codes=INCIDENT_EXIT_CODES,
    )
    if as_json:
        print_json(result.as_dict())
        return
    for it in result.items:
        when = it["occurred_at"].isoformat()[:16] if it.get("occurred_at") else "-"
        typer.echo(
            f"{it['id']!s:>10} {when} {it.get('owner_party') or '-':<10} "
            f"{it.get('category') or '-':<24} {it.get('station_code') or '-':<6} "
            f"{(it.get('description') or '')[:60]}"
        )
    if result.has_more:
        typer.echo(f"... more on page {page + 1}")


def incidents_show(
    incident_id: str,
    purpose: str = PurposeOpt,
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show one incident with its history and links; the read is audited."""
    from perron.registry import queries

    item = call_service(
        lambda s: queries.get_incident(s, _viewer(s, user, party), _purpose(purpose), incident_id),
        codes=INCIDENT_EXIT_CODES,
    )
    if as_json:
        print_json(item)
        return
    for key, value in item.items():
        if key not in ("versions", "links", "access"):
            typer.echo(f"{key:>14}: {value if value is not None else '-'}")
    typer.echo("history:")
    for v in item["versions"]:
        typer.echo(
            f"  v{v.get('version')} {v.get('recorded_at')} {v.get('recorded_by')} {v.get('reason') or ''}"
        )
    typer.echo("links:")
    for link in item["links"]:
        typer.echo(f"  {link.get('id') or '(not visible)'} {link.get('owner_party')}")


def incidents_aggregate(
    by: list[str] = typer.Option(
        ["station", "month"],
        "--by",
        help="station, month, category, group, party, municipality, year.",
    ),
    purpose: str = PurposeOpt,
    category: list[str] = CategoryOpt,
    station: list[str] = StationOpt,
    owner: list[str] = OwnerOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Counts per cell; cells under 5 incidents are suppressed where they hold others' data."""
    from perron.registry import queries

    agg = call_service(
        lambda s: queries.aggregate(
            s,
            _viewer(s, user, party),
            _purpose(purpose),
            tuple(by),
            _filters(category, station, owner, since, until),
        ),
        codes=INCIDENT_EXIT_CODES,
    )
    if as_json:
        print_json(agg.as_dict())
        return
    for c in agg.cells:
        keys = " ".join(str(c.get(k)) for k in agg.by)
        typer.echo(f"{keys:<40} {'<5' if c['suppressed'] else c['count']}")


def incidents_export(
    fmt: str = typer.Option(
        "csv", "--format", help="A table export format: csv, geojson, parquet or a plugin's."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    level: str = typer.Option("detail", help="detail or aggregate."),
    by: list[str] = typer.Option(["station", "month"], "--by"),
    purpose: str = PurposeOpt,
    category: list[str] = CategoryOpt,
    station: list[str] = StationOpt,
    owner: list[str] = OwnerOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    user: str | None = UserOpt,
    party: str | None = PartyOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Export what you may see as CSV, GeoJSON or Parquet; detail exports are audited."""
    from perron.registry import exports, queries

    try:
        body, _name = call_service(
            lambda s: queries.export(
                s,
                _viewer(s, user, party),
                _purpose(purpose),
                fmt,
                _filters(category, station, owner, since, until),
                level=level,
                by=tuple(by),
                limit=10_000_000,
            ),
            codes=INCIDENT_EXIT_CODES,
        )
    except exports.ExportError as exc:
        fail(str(exc), 2)
    output.write_bytes(body)
    info = {"file": str(output), "format": fmt, "level": level, "bytes": len(body)}
    if as_json:
        print_json(info)
    else:
        typer.echo(f"wrote {len(body)} bytes to {output}")


def incidents_purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count only; change nothing."),
    as_json: bool = JsonOpt,
) -> None:
    """Blank personal data (person references, free text) past its retention period."""
    from perron.registry import retention

    with db_transaction() as session:
        report = retention.purge(session, actor="cli", dry_run=dry_run)
    if as_json:
        print_json(report)
    else:
        verb = "would blank" if dry_run else "blanked"
        typer.echo(
            f"{verb} personal data of {report.incidents} incident(s) "
            f"in {report.versions} version(s)"
        )


def incidents_erase(
    pseudonym: str = typer.Argument(..., help="The person's pseudonym (psn_…)."),
    as_json: bool = JsonOpt,
) -> None:
    """Erase a person's data everywhere (erasure request); logged without the pseudonym."""
    from perron.registry import retention

    try:
        with db_transaction() as session:
            report = retention.erase(session, pseudonym, actor="cli")
    except retention.RetentionError as exc:
        fail(str(exc), 2)
    if as_json:
        print_json(report)
    else:
        typer.echo(f"erased: {report.incidents} incident(s), {report.versions} version(s) changed")


def incidents_retention(
    set_: list[str] = typer.Option([], "--set", help="GROUP_OR_CATEGORY=DAYS; repeat."),
    as_json: bool = JsonOpt,
) -> None:
    """Show (or set) the retention periods of personal data per category or group."""
    from perron.access import retention

    try:
        with db_transaction() as session:
            for item in set_:
                key, _, days = item.partition("=")
                if not key or not days.isdigit():
                    fail(f"--set {item!r}: expected GROUP_OR_CATEGORY=DAYS", 2)
                retention.set_period(session, key.strip(), int(days), actor="cli")
            table = retention.periods(session)
    except retention.RetentionError as exc:
        fail(str(exc), 2)
    if as_json:
        print_json(table)
    else:
        for k, v in sorted(table.items()):
            typer.echo(f"{k:<30} {v} days")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.add_typer(agreements_app, name="agreements")
    try:
        from perron.cli.registry import incidents_app
    except ImportError:  # the registry's command group is not there: mount our own
        incidents_app = typer.Typer(help="The incident registry.", no_args_is_help=True)
        app.add_typer(incidents_app, name="incidents")
    incidents_app.command("list")(incidents_list)
    incidents_app.command("show")(incidents_show)
    incidents_app.command("aggregate")(incidents_aggregate)
    incidents_app.command("export")(incidents_export)
    incidents_app.command("purge")(incidents_purge)
    incidents_app.command("erase")(incidents_erase)
    incidents_app.command("retention")(incidents_retention)

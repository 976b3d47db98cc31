"""``perron inspections`` (station walk-throughs, findings, actions) and ``perron
recommendations`` (the register of OvV, ILT and audit recommendations and their follow-up).

Every command acts as a user: ``--user NAME`` (their party and role) or ``--party CODE`` (that
party's admin; default prorail for walks and actions, ilt for the recommendations register).
"""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from perron.cli.common import console, db_transaction, fail, out_console, print_json

inspections_app = typer.Typer(
    help="Station walk-throughs (schouwen): templates, walks, findings and actions.",
    no_args_is_help=True,
)
recommendations_app = typer.Typer(
    help="Safety recommendations (OvV, ILT, audits): register, responses and follow-up.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="print the result as JSON")
USER = typer.Option(None, "--user", help="act as this user (their party and role)")


def _party_opt(default: str) -> Any:
    return typer.Option(
        default, "--party", help=f"act for this party as its admin (default {default})"
    )


def _actor(session, user: str | None, party: str):
    from sqlalchemy import select

    from perron.access.accounts import Principal
    from perron.domain.parties import Role
    from perron.store.tables.accounts import Party, User

    if user:
        row = session.scalar(select(User).where(User.username == user))
        if row is None:
            fail(f"unknown user {user!r}", 2)
        return Principal(row.id, row.username, row.display_name, row.party_code, Role(row.role))
    code = party.strip().lower()
    if session.get(Party, code) is None:
        fail(f"unknown party {code!r}", 2)
    return Principal(0, f"cli:{getpass.getuser()}@{code}", code, code, Role.ADMIN)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name}: not a date (YYYY-MM-DD): {value!r}", 2)
    return None


def _run(fn, *args, **kwargs):
    from perron.inspections.errors import InspectionError

    try:
        with db_transaction() as session:
            return fn(session, *args, **kwargs)
    except InspectionError as exc:
        where = f" (field {exc.field})" if exc.field else ""
        fail(f"{exc}{where}", 1)


def _evidence(note: str | None, url: str | None, photo: int | None, walk: int | None):
    from perron.inspections.model import EvidenceInput

    given = [k for k, v in (("note", note), ("link", url), ("photo", photo), ("rewalk", walk)) if v]
    if not given:
        return None
    if len(given) > 1:
        fail(
            "give one piece of evidence per command: --evidence-note, --evidence-url, "
            "--evidence-photo or --evidence-walk",
            2,
        )
    return EvidenceInput(given[0], note=note or "", url=url, photo_id=photo, walk_id=walk)


# ---- perron inspections ------------------------------------------------------------------------


@inspections_app.command("templates")
def templates_cmd(json_out: bool = JSON) -> None:
    """The walk-through templates: per target group a checklist, and the scored rubric."""
    from perron.inspections.service import list_templates

    data = list_templates()
    if json_out:
        print_json(data)
        return
    for t in data:
        out_console.print(
            f"[bold]{t['group']}[/bold] {t['name_nl']} (v{t['version']}, "
            f"{len(t['items'])} items; compiled by hand)",
            soft_wrap=True,
        )
        for item in t["items"]:
            out_console.print(f"  [{item['principle']}] {item['nl']}", soft_wrap=True)
    rub = data[0]["rubric"] if data else None
    if rub:
        out_console.print(
            "[bold]rubric (0–3)[/bold]: "
            + ", ".join(p["code"] for p in rub["parameters"])
            + ", feeling",
            soft_wrap=True,
        )


def _parse_scores(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        if "=" not in v:
            fail(f"--score takes NAME=VALUE, not {v!r}", 2)
        k, _, val = v.partition("=")
        out[k.strip()] = val.strip()
    return out


@inspections_app.command("walk-add")
def walk_add_cmd(
    station: str = typer.Option(..., "--station", help="station code, e.g. UT"),
    day: str = typer.Option(..., "--date", help="YYYY-MM-DD"),
    time: str = typer.Option(..., "--time", help="start time HH:MM"),
    group: str = typer.Option(..., "--group", help="target group (see `templates`)"),
    team: str = typer.Option(..., "--team", help="organisations and roles, no names"),
    light: str = typer.Option(None, "--light", help="day or night (default: from the time)"),
    score: list[str] = typer.Option([], "--score", help="rubric score NAME=0..3; repeat"),
    feeling: int = typer.Option(None, "--feeling", help="overall feeling 0..3"),
    check: list[str] = typer.Option([], "--check", help="checklist ITEM=ok|issue|na; repeat"),
    notes: str = typer.Option("", "--notes"),
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """Record a walk (findings are added with `finding-add`)."""
    from perron.inspections.model import WalkInput
    from perron.inspections.service import record_walk

    walk = WalkInput(
        station_code=station,
        walked_on=_day(day, "--date") or date.today(),
        start_time=time,
        group=group,
        team=team,
        light=light,
        scores=_parse_scores(score),  # type: ignore[arg-type]
        feeling=feeling,
        checklist=_parse_scores(check),
        notes=notes,
    )

    def go(session):
        return record_walk(session, _actor(session, user, party), walk)

    out = _run(go)
    if json_out:
        print_json(out)
    else:
        out_console.print(
            f"walk {out.id}: {out.station_name} {out.walked_on} {out.start_time} "
            f"({out.light}, {out.group}), score {out.score}",
            soft_wrap=True,
        )


@inspections_app.command("walks")
def walks_cmd(
    station: str = typer.Option(None, "--station"),
    group: str = typer.Option(None, "--group"),
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """List walks, newest first."""
    from perron.inspections.service import list_walks

    out = _run(lambda s: list_walks(s, _actor(s, user, party), station, group))
    if json_out:
        print_json(out)
        return
    for w in out:
        label = " [synthetic]" if w.synthetic else ""
        out_console.print(
            f"{w.id:>5} {w.walked_on} {w.start_time} {w.station_code:<6} {w.light:<5} "
            f"{w.group:<12} score {w.score} findings {len(w.findings)}{label}",
            soft_wrap=True,
        )


@inspections_app.command("walk")
def walk_cmd(
    walk_id: int, user: str = USER, party: str = _party_opt("prorail"), json_out: bool = JSON
) -> None:
    """One walk with its findings."""
    from perron.inspections.service import get_walk

    out = _run(lambda s: get_walk(s, _actor(s, user, party), walk_id))
    if json_out:
        print_json(out)
        return
    out_console.print(
        f"walk {out.id}: {out.station_name} {out.walked_on} {out.start_time} "
        f"({out.light}, {out.group}){' [synthetic]' if out.synthetic else ''}",
        soft_wrap=True,
    )
    for f in out.findings:
        out_console.print(
            f"  finding {f.id}: {f.kind} in {f.zone} ({f.severity}) "
            f"measure {f.measure_code or '-'} action {f.action_id or '-'}",
            soft_wrap=True,
        )


@inspections_app.command("photo-upload")
def photo_upload_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """Upload a photo of a place (no people in it); metadata (EXIF/GPS) is stripped."""
    from perron.inspections.photos import MAX_UPLOAD_BYTES, NO_PEOPLE_WARNING
    from perron.inspections.service import upload_photo

    console.print(f"[yellow]{NO_PEOPLE_WARNING['nl']}[/yellow]", soft_wrap=True)
    if file.stat().st_size > MAX_UPLOAD_BYTES:
        fail(f"{file}: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", 1)
    data = file.read_bytes()
    out = _run(lambda s: upload_photo(s, _actor(s, user, party), data))
    if json_out:
        print_json(out)
    else:
        out_console.print(f"photo {out['id']}: {out['width']}×{out['height']}, metadata removed")


@inspections_app.command("finding-add")
def finding_add_cmd(
    walk_id: int,
    kind: str = typer.Option(..., "--kind", help="dark_corner, broken_lighting, graffiti, ..."),
    zone: str = typer.Option(..., "--zone", help="platform, tunnel, hall, forecourt, ..."),
    severity: str = typer.Option(..., "--severity", help="low, medium or high"),
    lat: float = typer.Option(None, "--lat"),
    lng: float = typer.Option(None, "--lng"),
    description: str = typer.Option("", "--description"),
    measure: str = typer.Option(None, "--measure", help="measure code from the catalogue"),
    photo: int = typer.Option(None, "--photo", help="id of an uploaded photo"),
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """Add a finding to a walk; a closed action on the same problem is re-opened."""
    from perron.inspections.model import FindingInput
    from perron.inspections.service import add_finding

    f = FindingInput(kind, zone, severity, description, lat, lng, measure, photo)
    out = _run(lambda s: add_finding(s, _actor(s, user, party), walk_id, f))
    if json_out:
        print_json(out)
    else:
        out_console.print(
            f"finding {out.id}: {out.kind} in {out.zone}; suggested measure "
            f"{out.measure_code or '-'}",
            soft_wrap=True,
        )


def _action_line(a) -> str:
    flag = " [red]overdue[/red]" if a.overdue else ""
    return (
        f"{a.id:>5} {a.status:<11} due {a.due_on} {a.owner_party:<8} "
        f"{a.station_code or '-':<6} {a.title}{flag}"
    )


@inspections_app.command("action-create")
def action_create_cmd(
    finding: int = typer.Option(None, "--finding"),
    recommendation: str = typer.Option(None, "--recommendation", help="recommendation ref"),
    due: str = typer.Option(..., "--due", help="due date YYYY-MM-DD"),
    owner: str = typer.Option(None, "--owner", help="owning party (default: the zone's domain)"),
    title: str = typer.Option("", "--title"),
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """Turn a finding or a recommendation into an action with an owner and a due date."""
    from perron.inspections.recommendations import get_recommendation
    from perron.inspections.service import create_action

    def go(s):
        actor = _actor(s, user, party)
        rec_id = get_recommendation(s, actor, recommendation).id if recommendation else None
        return create_action(
            s,
            actor,
            due_on=_day(due, "--due"),
            finding_id=finding,
            recommendation_id=rec_id,
            title=title,
            owner_party=owner,
        )

    out = _run(go)
    print_json(out) if json_out else out_console.print(_action_line(out), soft_wrap=True)


@inspections_app.command("actions")
def actions_cmd(
    owner: str = typer.Option(None, "--owner", help="only actions of this party"),
    station: str = typer.Option(None, "--station"),
    status: str = typer.Option(None, "--status", help="open, in_progress or closed"),
    overdue: bool = typer.Option(False, "--overdue", help="only open actions past their due date"),
    as_of: str = typer.Option(None, "--as-of", help="the day to judge overdue (default today)"),
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """List actions (per party and station; --overdue for the late ones)."""
    from perron.inspections.service import list_actions

    out = _run(
        lambda s: list_actions(
            s,
            _actor(s, user, party),
            party=owner,
            station=station,
            status=status,
            overdue=overdue,
            today=_day(as_of, "--as-of"),
        )
    )
    if json_out:
        print_json(out)
        return
    for a in out:
        out_console.print(_action_line(a), soft_wrap=True)


@inspections_app.command("action")
def action_cmd(
    action_id: int, user: str = USER, party: str = _party_opt("prorail"), json_out: bool = JSON
) -> None:
    """One action with its evidence and full history."""
    from perron.inspections.service import get_action

    a = _run(lambda s: get_action(s, _actor(s, user, party), action_id))
    if json_out:
        print_json(a)
        return
    out_console.print(_action_line(a), soft_wrap=True)
    for e in a.evidence:
        out_console.print(
            f"  evidence {e.id}: {e.kind} {escape(str(e.url or e.note or e.photo_id or e.walk_id))}",
            soft_wrap=True,
        )
    for h in a.history:
        out_console.print(
            f"  {h.at:%Y-%m-%d %H:%M} {h.actor} ({h.party}) {h.event} "
            f"{h.from_status or ''}→{h.to_status or ''} {escape(h.reason)}",
            soft_wrap=True,
        )


EVIDENCE_NOTE = typer.Option(None, "--evidence-note", help="evidence: a note")
EVIDENCE_URL = typer.Option(None, "--evidence-url", help="evidence: a document link")
EVIDENCE_PHOTO = typer.Option(None, "--evidence-photo", help="evidence: an uploaded photo id")
EVIDENCE_WALK = typer.Option(None, "--evidence-walk", help="evidence: a later walk id")


@inspections_app.command("action-status")
def action_status_cmd(
    action_id: int,
    status: str = typer.Argument(..., help="open, in_progress or closed"),
    reason: str = typer.Option("", "--reason"),
    evidence_note: str = EVIDENCE_NOTE,
    evidence_url: str = EVIDENCE_URL,
    evidence_photo: int = EVIDENCE_PHOTO,
    evidence_walk: int = EVIDENCE_WALK,
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """Move an action; `closed` needs evidence (given here or added before)."""
    from perron.inspections.service import set_action_status

    ev = _evidence(evidence_note, evidence_url, evidence_photo, evidence_walk)
    out = _run(
        lambda s: set_action_status(s, _actor(s, user, party), action_id, status, reason, ev)
    )
    print_json(out) if json_out else out_console.print(_action_line(out), soft_wrap=True)


@inspections_app.command("scores")
def scores_cmd(
    station: str = typer.Option(None, "--station"),
    compare: bool = typer.Option(False, "--compare", help="beside the monitor's evening score"),
    user: str = USER,
    party: str = _party_opt("prorail"),
    json_out: bool = JSON,
) -> None:
    """Walk scores per station, year, day/night and group (optionally vs the monitor)."""
    from perron.inspections.service import compare_with_monitor, score_summary

    if compare and not station:
        fail("--compare needs --station", 2)
    out = _run(
        lambda s: (
            compare_with_monitor(s, _actor(s, user, party), station)
            if compare
            else score_summary(s, _actor(s, user, party), station)
        )
    )
    if json_out:
        print_json(out)
        return
    rows = out["rows"] if compare else out
    for r in rows:
        extra = f" monitor {r.get('monitor_evening')}" if compare else ""
        out_console.print(
            f"{r['station']:<6} {r['year']} {r['light']:<5} {r['group']:<12} "
            f"walks {r['walks']} score {r['score']} feeling {r['feeling']}{extra}",
            soft_wrap=True,
        )


# ---- perron recommendations --------------------------------------------------------------------


def _rec_line(r) -> str:
    flag = f" [red]overdue {r.days_overdue} d[/red]" if r.overdue else ""
    return (
        f"{r.ref:<14} {r.issuer:<6} {r.issued_on} → {r.addressee:<12} due {r.response_due} "
        f"{r.status:<10} {r.assessment or '-':<14} {r.title}{flag}"
    )


@recommendations_app.command("import")
def rec_import_cmd(
    file: Path = typer.Argument(
        ..., help="CSV: ref,issuer,issued_on,addressee,title[,responded_on,assessment,status]"
    ),
    user: str = USER,
    party: str = _party_opt("ilt"),
    json_out: bool = JSON,
) -> None:
    """Import recommendations; a file with any wrong row is rejected whole."""
    from perron.inspections.errors import InspectionError
    from perron.inspections.recommendations import ImportRejected, import_csv

    if not file.is_file():
        fail(f"{file}: no such file", 2)
    try:
        with db_transaction() as session:
            result = import_csv(session, _actor(session, user, party), file)
    except ImportRejected as exc:
        r = exc.result
        if json_out:
            print_json(r.as_dict())
        console.print(
            f"[red]{r.file} rejected: nothing was written.[/red] {len(r.errors)} error(s):",
            soft_wrap=True,
        )
        for e in r.errors[:200]:
            console.print(
                f"  {r.file}: row {e.row}, field [bold]{e.field}[/bold] ({e.value!r}): {e.reason}",
                soft_wrap=True,
            )
        raise typer.Exit(1) from None
    except InspectionError as exc:
        fail(str(exc), 1)
    if json_out:
        print_json(result.as_dict())
        return
    out_console.print(
        f"{result.file}: {result.rows} rows; {result.created} new, {result.updated} "
        f"updated, {result.unchanged} unchanged",
        soft_wrap=True,
    )
    if result.ignored_columns:
        out_console.print(f"  ignored columns: {', '.join(result.ignored_columns)}", soft_wrap=True)


@recommendations_app.command("list")
def rec_list_cmd(
    overdue: bool = typer.Option(False, "--overdue", help="only responses past their deadline"),
    stale: bool = typer.Option(False, "--stale", help="only those unchanged for 12 months"),
    as_of: str = typer.Option(None, "--as-of", help="the day to judge (default today)"),
    status: str = typer.Option(None, "--status", help="open, monitoring or closed"),
    addressee: str = typer.Option(None, "--addressee", help="addressee party code"),
    monitor: str = typer.Option(None, "--monitor", help="monitoring party code"),
    user: str = USER,
    party: str = _party_opt("ilt"),
    json_out: bool = JSON,
) -> None:
    """The register (deadline: six months after issue; see docs/inspections.md)."""
    from perron.inspections.recommendations import list_recommendations

    day = _day(as_of, "--as-of")
    out = _run(
        lambda s: list_recommendations(
            s,
            _actor(s, user, party),
            as_of=day,
            overdue=overdue,
            stale=stale,
            status=status,
            addressee=addressee,
            monitor=monitor,
        )
    )
    if json_out:
        print_json(out)
        return
    for r in out:
        out_console.print(_rec_line(r), soft_wrap=True)


@recommendations_app.command("show")
def rec_show_cmd(
    ref: str,
    as_of: str = typer.Option(None, "--as-of"),
    user: str = USER,
    party: str = _party_opt("ilt"),
    json_out: bool = JSON,
) -> None:
    """One recommendation with its actions, evidence and history."""
    from perron.inspections.recommendations import get_recommendation

    r = _run(lambda s: get_recommendation(s, _actor(s, user, party), ref, _day(as_of, "--as-of")))
    if json_out:
        print_json(r)
        return
    out_console.print(_rec_line(r), soft_wrap=True)
    for h in r.history:
        out_console.print(
            f"  {h.at:%Y-%m-%d %H:%M} {h.actor} ({h.party}) {h.event} "
            f"{h.from_status or ''}→{h.to_status or ''} {escape(h.reason)}",
            soft_wrap=True,
        )


@recommendations_app.command("respond")
def rec_respond_cmd(
    ref: str,
    on: str = typer.Option(..., "--on", help="response day YYYY-MM-DD"),
    note: str = typer.Option("", "--note"),
    user: str = USER,
    party: str = _party_opt("ilt"),
    json_out: bool = JSON,
) -> None:
    """Record the addressee's response."""
    from perron.inspections.recommendations import record_response

    day = _day(on, "--on")
    if day is None:
        fail("--on: give the response day (YYYY-MM-DD)", 2)
    r = _run(lambda s: record_response(s, _actor(s, user, party), ref, day, note))
    print_json(r) if json_out else out_console.print(_rec_line(r), soft_wrap=True)


@recommendations_app.command("assess")
def rec_assess_cmd(
    ref: str,
    assessment: str = typer.Argument(..., help="fully, partly, intent or unsatisfactory"),
    note: str = typer.Option("", "--note"),
    user: str = USER,
    party: str = _party_opt("ilt"),
    json_out: bool = JSON,
) -> None:
    """The monitoring party's assessment of the response."""
    from perron.inspections.recommendations import assess

    r = _run(lambda s: assess(s, _actor(s, user, party), ref, assessment, note))
    print_json(r) if json_out else out_console.print(_rec_line(r), soft_wrap=True)


@recommendations_app.command("status")
def rec_status_cmd(
    ref: str,
    status: str = typer.Argument(..., help="open, monitoring or closed"),
    reason: str = typer.Option("", "--reason"),
    evidence_note: str = EVIDENCE_NOTE,
    evidence_url: str = EVIDENCE_URL,
    evidence_photo: int = EVIDENCE_PHOTO,
    user: str = USER,
    party: str = _party_opt("ilt"),
    json_out: bool = JSON,
) -> None:
    """Change the status; `closed` needs the response and evidence (monitoring party only)."""
    from perron.inspections.recommendations import set_status

    ev = _evidence(evidence_note, evidence_url, evidence_photo, None)
    r = _run(lambda s: set_status(s, _actor(s, user, party), ref, status, reason, ev))
    print_json(r) if json_out else out_console.print(_rec_line(r), soft_wrap=True)


@recommendations_app.command("monitoring")
def rec_monitoring_cmd(
    monitor: str = typer.Option("ilt", "--monitor"),
    as_of: str = typer.Option(None, "--as-of"),
    user: str = USER,
    party: str = _party_opt("ilt"),
    json_out: bool = JSON,
) -> None:
    """The monitoring view per addressee (ILT by default)."""
    from perron.inspections.recommendations import monitoring_view

    out = _run(
        lambda s: monitoring_view(s, _actor(s, user, party), _day(as_of, "--as-of"), monitor)
    )
    if json_out:
        print_json(out)
        return
    for g in out:
        out_console.print(
            f"{g['addressee']:<14} open {g['open']} monitoring {g['monitoring']} "
            f"closed {g['closed']} overdue {g['overdue']}",
            soft_wrap=True,
        )


def register(root: typer.Typer) -> None:
    root.add_typer(inspections_app, name="inspections")
    root.add_typer(recommendations_app, name="recommendations")

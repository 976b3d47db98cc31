"""Commands of the live capability (ingest): `perron live`, `perron simulate`,
`perron cameras import|list` and `perron events list`; `register(app)` mounts them."""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import typer

from perron.cli.common import (
    acting,
    call_service,
    console,
    db_transaction,
    fail,
    out_console,
    print_json,
    progress,
    settings,
)

cameras_app = typer.Typer(help="The camera registry: camera (and Frigate zone) → station zone.")
events_app = typer.Typer(help="Stored sensor events (metadata only).")


live_app = typer.Typer(
    help="The live engine (`perron live --mqtt URL`) and the health of its workers.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@live_app.callback()
def live_cmd(
    ctx: typer.Context,
    mqtt_url: str | None = typer.Option(None, "--mqtt", help="The broker, mqtt://HOST:PORT"),
    client_id: str = typer.Option(
        "perron-live", help="MQTT client id (the persistent session); one per worker"
    ),
    batch_ms: float = typer.Option(50.0, help="Commit a batch at least this often (ms)"),
    batch_max: int = typer.Option(500, help="Commit a batch at this many messages"),
    duration: float | None = typer.Option(None, help="Stop after this many seconds"),
    synthetic: bool = typer.Option(False, help="Mark the alerts raised as synthetic"),
    lease_s: float = typer.Option(
        6.0, "--lease-s", help="A station lease lasts this long without renewal (PostgreSQL)"
    ),
    shadow_s: float = typer.Option(
        600.0,
        "--shadow-s",
        help="Keep a message of another worker's station at most this long waiting for that "
        "worker to store it, for a takeover (PostgreSQL)",
    ),
) -> None:
    """Run the live engine: read Frigate and generic events from the broker, store them,
    correlate them and raise alerts. Several workers (each its own --client-id) can share one
    PostgreSQL database: the stations are divided among them by leases."""
    if ctx.invoked_subcommand is not None:
        return
    from perron.live.engine import LiveEngine
    from perron.live.mqtt import MqttError, parse_url

    if mqtt_url is None:
        fail("give --mqtt mqtt://HOST:PORT (or `perron live status`)")
    if not 1 <= lease_s <= 300:
        fail("--lease-s must be between 1 and 300 seconds")
    if not 1 <= shadow_s <= 3600:
        fail("--shadow-s must be between 1 and 3600 seconds")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        host, port = parse_url(mqtt_url)
    except MqttError as exc:
        fail(str(exc))
    eng = LiveEngine(
        settings().database_url,
        host,
        port,
        client_id=client_id,
        batch_ms=batch_ms,
        batch_max=batch_max,
        synthetic=synthetic,
        lease_s=lease_s,
        tick_s=min(1.0, lease_s / 4),
        shadow_s=shadow_s,
    )
    signal.signal(signal.SIGTERM, lambda *_: eng.stop.set())
    console.print(f"live: {client_id} reading mqtt://{host}:{port} ({', '.join(eng.topics)})")
    try:
        stats = eng.run(duration)
    except MqttError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        stats = eng.stats
    out_console.print(
        f"live: {stats.messages} messages, {stats.stored} events stored, "
        f"{stats.duplicates} duplicates, {stats.invalid} invalid "
        f"({stats.dead_letters} kept aside), {stats.alerts} alert changes"
    )


@live_app.command("status")
def live_status_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """The live workers: alive or not, owned stations, lag, last commit; dead letters by
    reason. Operational metadata only."""
    from perron.live.cluster import status

    with db_transaction() as s:
        data = status(s)
    if json_out:
        print_json(data)
        return
    for w in data["workers"]:
        typer.echo(
            f"{w['client_id']}\t{'alive' if w['alive'] else 'silent'}\t{w['host']}:{w['pid']}"
            f"\t{len(w['owned_stations'])} stations\tlag {w['lag_s']} s"
            f"\tlast commit {w['last_commit_at'] or '-'}"
        )
    if not data["workers"]:
        typer.echo("no live worker has reported yet")
    typer.echo(f"stations without a live owner: {data['stations_unowned']}")
    for reason, n in data["dead_letters"].items():
        typer.echo(f"dead letters ({reason}): {n}")


def simulate_cmd(
    mqtt_url: str | None = typer.Option(None, "--mqtt", help="The broker, mqtt://HOST:PORT"),
    rate: float = typer.Option(100.0, help="Messages per second"),
    duration: float = typer.Option(10.0, help="Seconds"),
    seed: int = typer.Option(1),
    count: int | None = typer.Option(
        None,
        "--count",
        help="Publish exactly this many messages (on a clock of their own: the same messages "
        "for the same seed and --start), instead of --duration",
    ),
    start: str | None = typer.Option(
        None,
        "--start",
        help="With --count: the time of the first message (ISO 8601, default 2026-01-05T08:00Z)",
    ),
    incident_rate: float = typer.Option(
        0.0015, "--incident-rate", help="Share of the new situations that are real incidents"
    ),
    write_cameras: Path | None = typer.Option(
        None, "--write-cameras", help="Write the camera registry CSV the stream uses"
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Publish a synthetic Frigate event stream for all 397 stations."""
    from perron.live import cameras, simulator
    from perron.live.mqtt import MqttError, parse_url

    if write_cameras is not None:
        n = cameras.write_csv(write_cameras, simulator.camera_mappings())
        console.print(f"wrote {n} camera mappings to {write_cameras}")
    if mqtt_url is None:
        if write_cameras is None:
            fail("give --mqtt mqtt://HOST:PORT (or --write-cameras FILE)")
        return
    if rate <= 0 or duration <= 0:
        fail("--rate and --duration must be positive")
    if count is not None and count <= 0:
        fail("--count must be positive")
    start_t = None
    if start is not None:
        if count is None:
            fail("--start goes with --count")
        from datetime import datetime

        try:
            when = datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError:
            fail(f"--start: {start!r} is not an ISO 8601 time")
        if when.tzinfo is None:
            fail(f"--start: {start!r} has no time zone (add Z or +01:00)")
        start_t = when.timestamp()
    if not 0 <= incident_rate <= 1:
        fail("--incident-rate must be between 0 and 1")
    try:
        host, port = parse_url(mqtt_url)
        with progress() as bar:
            total = count if count is not None else int(rate * duration)
            task = bar.add_task("simulate (synthetic)", total=total)
            result = simulator.publish(
                host,
                port,
                rate=rate,
                duration=duration,
                seed=seed,
                incident_rate=incident_rate,
                count=count,
                start=start_t,
                on_progress=lambda n: bar.update(task, completed=n),
            )
    except MqttError as exc:
        fail(str(exc))
    if json_out:
        print_json(result)
    else:
        out_console.print(
            f"published {result['published']} synthetic messages in {result['seconds']} s "
            f"({result['rate']}/s), {result['incidents']} incidents"
        )


@cameras_app.command("import")
def cameras_import_cmd(file: Path, json_out: bool = typer.Option(False, "--json")) -> None:
    """Replace the camera registry by a CSV (camera,frigate_zone,station,zone)."""
    from perron.live.cameras import CameraImportError, import_csv

    try:
        with db_transaction() as s:
            n = import_csv(s, file)
    except CameraImportError as exc:
        fail(str(exc))
    if json_out:
        print_json({"imported": n})
    else:
        out_console.print(f"imported {n} camera mappings")


@cameras_app.command("list")
def cameras_list_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """The camera registry."""
    from perron.live.cameras import list_mappings

    with db_transaction() as s:
        rows = list_mappings(s)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['camera']}\t{r['frigate_zone'] or '*'}\t{r['station']}\t{r['zone']}")


@events_app.command("list")
def events_list_cmd(
    station: str | None = typer.Option(None, help="Only this station"),
    kind: str | None = typer.Option(None, help="Only this kind"),
    limit: int = typer.Option(100, help="At most this many, newest first"),
    user: str | None = typer.Option(
        None, "--user", help="Act as this user (their party and role; default: the installation)."
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Stored sensor events: exactly what is kept of each (metadata only)."""
    from perron.live import service

    rows = call_service(
        lambda s: service.list_events(s, acting(s, user), station=station, kind=kind, limit=limit)
    )
    if json_out:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['occurred_at']}\t{r['station']}\t{r['zone'] or '-'}\t{r['kind']}\t{r['label']}"
            f"\t{r['score'] if r['score'] is not None else '-'}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(live_app, name="live")
    app.command("simulate")(simulate_cmd)
    app.add_typer(cameras_app, name="cameras")
    app.add_typer(events_app, name="events")

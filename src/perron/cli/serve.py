"""``perron serve`` and ``perron demo``."""

from __future__ import annotations

import importlib
import os
import secrets

import typer
from sqlalchemy import select

from perron.access import accounts
from perron.cli.common import db_transaction, out_console, progress, settings
from perron.reference.load import load_reference
from perron.store.db import upgrade
from perron.store.tables.accounts import User

# Each capability may provide ``<package>.demo.prepare(settings) -> str``: it adds its demo
# data (idempotently) and returns one line to print.
DEMO_MODULES = (
    "perron.access.demo",
    "perron.registry.demo",
    "perron.monitor.demo",
    "perron.live.demo",
    "perron.forecast.demo",
    "perron.network.demo",
    "perron.military.demo",
    "perron.inspections.demo",
    "perron.joint.demo",
    "perron.programme.demo",
    "perron.effect.demo",
)
DEMO_USER = "demo"


def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    warm: bool = typer.Option(
        False, "--warm", help="after start, precompute the monitor scores and this week's forecast"
    ),
) -> None:
    """Serve the API and the web app."""
    import threading

    import uvicorn

    from perron.api.app import create_app

    cfg = settings()
    app = create_app(cfg)
    if warm:
        threading.Thread(target=warm_caches, args=(cfg,), name="warm-caches", daemon=True).start()
    # X-Forwarded-For is believed only from PERRON_TRUSTED_PROXIES (perron.api.auth.remote_of),
    # not from every local client as uvicorn's proxy headers would
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def warm_caches(cfg, delay: float = 3.0) -> None:
    """Shortly after start, compute what the first visitors of the monitor and forecast pages
    would otherwise wait for (weighted survey responses; this week's forecast from the registry
    as the parties whose users log in most see it, :func:`perron.forecast.service.warm`), then move
    everything alive by then out of the cyclic garbage collector's reach (``gc.freeze``).

    What is alive after start-up (modules, reference data, these caches: some 160,000
    objects) lives as long as the process; without the freeze every full collection walks
    it again, which made one request in five of the forecast page 150–450 ms instead of 20.
    """
    import gc
    import logging
    import time

    from perron.store.db import engine_for, session_factory

    time.sleep(delay)
    log = logging.getLogger("perron.warm")
    try:
        from perron.monitor import service as monitor

        with session_factory(engine_for(cfg.database_url))() as session:
            monitor.warm(session)
    except Exception as exc:  # a cold cache is slower, not wrong: never stop the server
        log.info("monitor cache not warmed: %s", exc)
    try:
        from perron.access.actors import installation
        from perron.forecast.service import warm

        warm(installation("cli:serve"), cfg)  # the page's default: the week from the registry
    except Exception as exc:
        log.info("forecast cache not warmed: %s", exc)
    gc.collect()
    gc.freeze()


def _demo_password() -> str:
    path = settings().ensure_data_dir() / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    password = settings().demo_password or "perron-" + secrets.token_hex(4)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password


def demo(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    serve_app: bool = typer.Option(True, "--serve/--no-serve", help="serve after preparing"),
) -> None:
    """Prepare a demo database (reference data, demo data, a demo login) and serve it, with a
    live feed: the simulator publishing to a private Mosquitto, read by the live engine."""
    cfg = settings()
    lines: list[str] = []
    with progress() as bar:
        task = bar.add_task("database", total=3 + len(DEMO_MODULES))
        upgrade(cfg.database_url)
        bar.update(task, advance=1, description="reference data")
        with db_transaction() as session:
            load_reference(session)
        bar.update(task, advance=1, description="demo login")
        password = _demo_password()
        with db_transaction() as session:
            if session.scalar(select(User).where(User.username == DEMO_USER)) is None:
                accounts.create_user(
                    session, DEMO_USER, password, "prorail", "admin", "Demo (ProRail)"
                )
        bar.update(task, advance=1)
        for name in DEMO_MODULES:
            bar.update(task, description=name.split(".")[1])
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                bar.update(task, advance=1)
                continue
            lines.append(module.prepare(cfg))
            bar.update(task, advance=1)
    for line in lines:
        out_console.print(f"  {line}")
    out_console.print(f"\nPerron demo: [bold]http://{host}:{port}/[/bold]")
    out_console.print(f"login: [bold]{DEMO_USER}[/bold]  password: [bold]{password}[/bold]\n")
    if serve_app:
        from perron.live.demo import Feed

        with Feed(cfg) as feed:
            try:
                out_console.print(f"  {feed.start()}")
            except RuntimeError as exc:  # the demo still serves what it prepared
                out_console.print(f"  live feed: off ({exc})")
            serve(host, port, warm=True)

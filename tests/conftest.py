"""Shared fixtures: databases (SQLite and PostgreSQL), the app, a real MQTT broker."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from perron.config import Settings, get_settings
from perron.reference.load import load_reference
from perron.store.db import make_engine, transaction, upgrade

from services import free_port, mosquitto_broker, postgres_cluster

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def _prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            load_reference(session)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A private PostgreSQL cluster for the whole test session."""
    with postgres_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def _pg_template(postgres_server: str) -> str:
    admin = make_engine(postgres_server, isolation_level="AUTOCOMMIT")
    name = f"perron_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _prepare(postgres_server.rsplit("/", 1)[0] + "/" + name)
    return name


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "perron.db"
    _prepare(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _fresh_sqlite(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "perron.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _fresh_postgres(server: str, template: str) -> Iterator[str]:
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    name = f"perron_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database with the reference data loaded."""
    return _fresh_sqlite(_sqlite_template, tmp_path)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database with the reference data loaded."""
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("_pg_template")
    yield from _fresh_postgres(server, template)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database with reference data: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        yield _fresh_sqlite(request.getfixturevalue("_sqlite_template"), tmp_path)
    else:
        yield from _fresh_postgres(
            request.getfixturevalue("postgres_server"), request.getfixturevalue("_pg_template")
        )


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the fresh database; the test commits what it wants kept."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at the fresh database and a private data directory; also set in the
    environment so that CLI commands run in-process see them."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("PERRON_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PERRON_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def app(settings: Settings):
    from perron.api.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def mqtt_broker() -> Iterator[tuple[str, int]]:
    """A real Mosquitto broker on 127.0.0.1 for the whole session."""
    with mosquitto_broker() as address:
        yield address


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data set beside the repository (``../shared/data``)."""
    if not SHARED_DATA.exists():
        pytest.skip(f"the shared data set is not at {SHARED_DATA}")
    return SHARED_DATA


# --- web pages: a logged-in test client, a live server and a browser -------------------------

WEB_USER = ("tester", "tester-password-1")


def create_web_user(db_url: str, username: str = WEB_USER[0], password: str = WEB_USER[1]) -> None:
    """Create the test user (admin at ProRail) in the database at ``db_url``."""
    from perron.access import accounts

    engine = make_engine(db_url)
    try:
        with transaction(engine) as s:
            accounts.create_user(s, username, password, "prorail", "admin", "Test Gebruiker")
    finally:
        engine.dispose()


@pytest.fixture
def web_client(client, db_url: str):
    """The ``client`` logged in through the login form as ``tester`` (admin at ProRail)."""
    create_web_user(db_url)
    r = client.post(
        "/login",
        data={"username": WEB_USER[0], "password": WEB_USER[1], "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    set_csrf_header(client)
    return client


def set_csrf_header(client) -> None:
    """Send the CSRF token of the client's session with every request (as the pages do)."""
    from perron.web.security import csrf_token_for

    cookie = client.cookies.get("perron_session") or client.cookies.get("perron_csrf")
    if cookie:
        client.headers["X-CSRF-Token"] = csrf_token_for(cookie)


class LiveServer(str):
    """The base URL of a running server (``http://127.0.0.1:PORT``), with ``.db_url`` and
    ``.data_dir`` of the database and data directory it uses."""

    db_url: str
    data_dir: Path


@pytest.fixture(scope="session")
def live_server(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real uvicorn serving the whole app on a free port of 127.0.0.1, in a subprocess,
    against its own SQLite copy of the prepared database (migrations + reference data) with
    the user ``tester`` / ``tester-password-1`` (admin at ProRail). Yields the base URL."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    root = tmp_path_factory.mktemp("live-server")
    data_dir = root / "data"
    data_dir.mkdir()
    db_path = root / "perron.db"
    shutil.copyfile(_sqlite_template, db_path)
    db_url = f"sqlite:///{db_path}"
    create_web_user(db_url)
    port = free_port()
    env = {**os.environ, "PERRON_DATABASE_URL": db_url, "PERRON_DATA_DIR": str(data_dir)}
    log = (root / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "perron.api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = LiveServer(f"http://127.0.0.1:{port}")
    base.db_url = db_url
    base.data_dir = data_dir
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                log.flush()
                raise RuntimeError(
                    "the live server stopped while starting:\n"
                    + (root / "server.log").read_text(errors="replace")[-4000:]
                )
            try:
                with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not answer on {base} within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def live_server_db(live_server: LiveServer) -> str:
    """The database URL the live server uses (to add data an end-to-end test needs)."""
    return live_server.db_url


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright for the whole session."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def watch_console(p) -> list[str]:
    """Collect the console errors and uncaught exceptions of page ``p`` (a list that fills up
    as they happen); ``assert_clean_console`` fails a test on any of them."""
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error":
            where = (msg.location or {}).get("url", "")
            errors.append(f"console.error on {p.url}: {msg.text} ({where})")

    p.on("console", on_console)
    p.on("pageerror", lambda exc: errors.append(f"uncaught exception on {p.url}: {exc}"))
    p.console_errors = errors
    return errors


def allow_console_error(p, text: str) -> None:
    """Forget the console errors so far that contain ``text``: for a test that provokes one on
    purpose (e.g. opening a page it may not see)."""
    p.console_errors[:] = [e for e in p.console_errors if text not in e]


def assert_clean_console(p) -> None:
    errors = list(getattr(p, "console_errors", []))
    if errors:
        pytest.fail("the browser console has errors:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def page(browser, live_server: LiveServer):
    """A new browser context and page (1400x900, Dutch), not logged in; see ``login``.

    The test fails when the browser console shows an error or a page throws."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    context.set_default_timeout(15_000)
    p = context.new_page()
    watch_console(p)
    try:
        yield p
        assert_clean_console(p)
    finally:
        context.close()


def login(
    page, base_url: str, username: str = WEB_USER[0], password: str = WEB_USER[1], next: str = "/"
) -> None:
    """Log ``page`` in through the login form and wait until the target page is shown."""
    page.goto(f"{base_url}/login?next={next}")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/login" in page.url:
        raise AssertionError(f"login as {username!r} failed: still on {page.url}")


def screenshot(page, name: str) -> Path:
    """Save a full-window screenshot as ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path

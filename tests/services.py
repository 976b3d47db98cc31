"""Real services for the test suite: a throwaway PostgreSQL cluster and a Mosquitto broker.

Both run as child processes on 127.0.0.1 on free ports and are stopped at the end of the
session. Nothing is left behind: data lives in a temporary directory.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from perron.live.broker import free_port, local_broker


def _pg_bindir() -> Path:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: run `make setup` (installs Debian's postgresql)"
    )


def _as_user() -> tuple[list[str], str | None]:
    """initdb refuses to run as root: run the server as the postgres (or nobody) user."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"], name
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL")


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a private PostgreSQL cluster; yield a SQLAlchemy URL to its ``postgres`` database."""
    external = os.environ.get("PERRON_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    bindir = _pg_bindir()
    prefix, user = _as_user()
    tmp = Path(tempfile.mkdtemp(prefix="perron-pg-"))
    data, sock = tmp / "data", tmp / "sock"
    data.mkdir()
    sock.mkdir()
    if user:
        pw = pwd.getpwnam(user)
        for p in (tmp, data, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = (
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(tmp / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
        )
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def mosquitto_broker() -> Iterator[tuple[str, int]]:
    """Start Mosquitto on a free port of 127.0.0.1; yield (host, port)."""
    queue = "max_queued_messages 1000000\nmax_inflight_messages 10000\n"
    with local_broker(extra_conf=queue) as port:
        yield "127.0.0.1", port

"""A private Mosquitto broker on a free port of 127.0.0.1, for the demo's live feed and the test
suite: anonymous, local only, no persistence; stopped (and its directory removed) on exit."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 15) -> None:
    """Wait until ``proc`` listens on ``port`` of 127.0.0.1; fail if it exits or is too slow."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Ask ``proc`` to stop; kill it if it has not stopped within ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def mosquitto_binary() -> str | None:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    return binary if Path(binary).exists() else None


@contextlib.contextmanager
def local_broker(extra_conf: str = "", output: IO | None = None) -> Iterator[int]:
    """Run Mosquitto on a free port of 127.0.0.1 for the block; yield the port. ``extra_conf``
    is appended to its configuration; its output goes to ``output`` (discarded by default,
    except errors while starting)."""
    binary = mosquitto_binary()
    if binary is None:
        raise RuntimeError("mosquitto not found: run `make setup` (installs Debian's mosquitto)")
    tmp = Path(tempfile.mkdtemp(prefix="perron-mqtt-"))
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"log_type error\n{extra_conf}"
    )
    proc = subprocess.Popen(
        [binary, "-c", str(conf)],
        stdout=output or subprocess.DEVNULL,
        stderr=output or subprocess.PIPE,
    )
    try:
        wait_port(port, proc, "mosquitto")
        yield port
    finally:
        stop_process(proc)
        if proc.stderr is not None:  # the pipe that caught errors while starting
            proc.stderr.close()
        shutil.rmtree(tmp, ignore_errors=True)

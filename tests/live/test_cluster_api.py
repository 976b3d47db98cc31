"""The API as two uvicorn processes on one PostgreSQL: an alert raised through one reaches the
live feed (server-sent events) of consoles connected to either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime

import httpx
import pytest

from perron.access.accounts import _principal, create_api_token
from perron.store.db import make_engine, transaction
from perron.store.tables.accounts import User

from services import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _token(db_url: str) -> str:
    engine = make_engine(db_url)
    with transaction(engine) as s:
        user = User(
            username="gateway-ut",
            display_name="sensor gateway",
            party_code="prorail",
            role="operator",
            password_hash="-",
            active=True,
            created_at=datetime.now(UTC),
        )
        s.add(user)
        s.flush()
        token = create_api_token(s, _principal(user), "ingest")
    engine.dispose()
    return token


def _serve(db_url: str, data_dir, log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PERRON_DATABASE_URL": db_url, "PERRON_DATA_DIR": str(data_dir)}
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
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, "an API process stopped while starting"
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{base} did not answer within 90 s"
        time.sleep(0.2)


def test_an_alert_raised_through_one_api_process_reaches_the_feed_of_the_other(
    postgres_url, tmp_path
):
    token = _token(postgres_url)
    headers = {"Authorization": f"Bearer {token}"}
    log = (tmp_path / "api.log").open("wb")
    procs = []
    try:
        for _ in range(2):
            procs.append(_serve(postgres_url, tmp_path, log))
        (_, base_a), (_, base_b) = procs
        since = datetime.now(UTC).isoformat()
        seen: dict[str, list[dict]] = {base_a: [], base_b: []}
        connected = {base_a: threading.Event(), base_b: threading.Event()}
        done = threading.Event()
        errors: list[BaseException] = []

        def listen(base: str) -> None:
            try:
                with (
                    httpx.Client(timeout=httpx.Timeout(120, read=120)) as c,
                    c.stream(
                        "GET", base + "/api/alerts/stream", params={"since": since}, headers=headers
                    ) as resp,
                ):
                    assert resp.status_code == 200
                    connected[base].set()
                    event = None
                    for line in resp.iter_lines():
                        if done.is_set():
                            return
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: ") and event == "alert.created":
                            seen[base].append(json.loads(line[6:]))
                            return
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
                connected[base].set()

        threads = [threading.Thread(target=listen, args=(b,), daemon=True) for b in seen]
        for t in threads:
            t.start()
        assert all(connected[b].wait(60) for b in seen), errors
        r = httpx.post(
            base_a + "/api/events",
            headers=headers,
            json={
                "id": "press-1",
                "source": "helppoint",
                "kind": "help_point",
                "station": "UT",
                "zone": "platform",
                "occurred_at": datetime.now(UTC).isoformat(),
            },
            timeout=60,
        )
        assert r.status_code == 202, r.text
        (alert_id,) = r.json()["alerts"]
        for t in threads:
            t.join(90)
        done.set()
        assert not errors, errors
        assert [a["id"] for a in seen[base_a]] == [alert_id]
        assert [a["id"] for a in seen[base_b]] == [alert_id]
        assert seen[base_b][0]["station"] == "UT"
    finally:
        for proc, _ in procs:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()

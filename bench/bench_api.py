"""API benchmarks: /api/stations latency under 50 concurrent clients, and start-up time.

Targets: p99 < 50 ms on SQLite with 50 concurrent clients; `perron serve` answers its first
request < 2 s after start. Usage: .venv/bin/python bench/bench_api.py [--quick]
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from common import median, percentile, verdict, write_section

CLIENTS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "PERRON_DATA_DIR": str(data_dir)}
    env.pop("PERRON_DATABASE_URL", None)
    for args in (["db", "upgrade"], ["reference", "load"]):
        subprocess.run(
            [sys.executable, "-m", "perron.cli", *args], env=env, check=True, capture_output=True
        )
    return env


def start(env: dict[str, str], port: int) -> tuple[subprocess.Popen, float]:
    """Start `perron serve`; return the process and seconds until /api/health answered."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "perron.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/health"
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > 30:
            raise RuntimeError("perron serve did not start")
        time.sleep(0.01)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(10)


def _client_process(port: int, seconds: float, pause: float, threads: int, first: int, out) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            time.sleep(pause * i / CLIENTS)  # spread the start over one pause
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                r = c.get("/api/stations")
                body = r.content
                dt = (time.perf_counter() - t0) * 1000
                ok = r.status_code == 200 and len(body) > 100_000
                with lock:
                    if ok:
                        latencies.append(dt)
                    else:
                        errors[0] += 1
                if pause:
                    time.sleep(max(0.0, pause - dt / 1000))

    pool = [threading.Thread(target=client, args=(first + i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, errors[0]))


def load(port: int, seconds: float, pause: float, processes: int = 5) -> tuple[list[float], int]:
    """50 clients (5 processes of 10 threads, so that the clients' own interpreter lock does not
    queue their measurements) request /api/stations for ``seconds``; each waits ``pause`` between
    requests (0 = back to back). Returns the latencies in ms and the number of errors."""
    import multiprocessing as mp

    queue = mp.Queue()
    per = CLIENTS // processes
    procs = [
        mp.Process(target=_client_process, args=(port, seconds, pause, per, k * per, queue))
        for k in range(processes)
    ]
    for p in procs:
        p.start()
    latencies: list[float] = []
    errors = 0
    for _ in procs:
        lat, err = queue.get()
        latencies += lat
        errors += err
    for p in procs:
        p.join()
    return latencies, errors


def main() -> int:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        starts = []
        for _ in range(3 if quick else 5):
            port = free_port()
            proc, seconds = start(env, port)
            starts.append(seconds)
            stop(proc)
        port = free_port()
        proc, _ = start(env, port)
        try:
            load(port, 2, 0)  # warm-up
            duration = 5 if quick else 20
            paced, paced_err = load(port, duration, 1.0)
            burst, burst_err = load(port, duration, 0)
        finally:
            stop(proc)
    p99_paced = percentile(paced, 99)
    p99_burst = percentile(burst, 99)
    start_median = median(starts)
    body = f"""
Command: `.venv/bin/python bench/bench_api.py` (a real `perron serve`, one uvicorn worker,
SQLite; 50 clients with their own HTTP connections in 5 other processes).

| figure | result | target | |
|---|---|---|---|
| `/api/stations` p99, 50 clients each asking once a second ({len(paced)} requests) | {p99_paced:.1f} ms (p50 {percentile(paced, 50):.1f} ms) | < 50 ms | {verdict(p99_paced < 50)} |
| `/api/stations` p99, 50 clients back to back, saturated ({len(burst)} requests, {len(burst) / duration:.0f} req/s) | {p99_burst:.1f} ms (p50 {percentile(burst, 50):.1f} ms) | — | |
| `perron serve` to first answered request, median of {len(starts)} | {start_median:.2f} s (min {min(starts):.2f}, max {max(starts):.2f}) | < 2 s | {verdict(start_median < 2)} |

Errors: {paced_err + burst_err}. The saturated row shows the ceiling: with every client asking
back to back, latency is the queue length times the service time, whatever the target.
"""
    print(body)
    write_section("API: stations and start-up", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

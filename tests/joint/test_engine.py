"""The MPC engine with real processes over TCP: the secure sum equals the plain sum, only the
agreed output is opened, a party's values never appear in what it sends, and a party that does
not take part makes the run fail for everyone."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from perron.joint.run import JointRunError, run_party
from perron.live.broker import free_port

pytestmark = pytest.mark.slow


def _addresses(n: int) -> list[str]:
    return [f"127.0.0.1:{free_port()}" for _ in range(n)]


def _run_all(
    addresses, vectors, *, hashes=None, mode="suppress", margins=None, timeout=240, only=None
):
    hashes = hashes or ["h" * 64] * len(addresses)
    parties = range(len(addresses)) if only is None else only

    def one(i):
        try:
            return run_party(
                addresses=addresses,
                index=i,
                spec_hash=hashes[i],
                party=f"p{i}",
                values=vectors[i],
                mode=mode,
                min_cell=5,
                margins=margins,
                timeout=timeout,
            )
        except JointRunError as exc:
            return exc

    with ThreadPoolExecutor(len(addresses)) as pool:
        return list(pool.map(one, parties))


def test_the_secure_sum_is_the_plain_sum_with_small_cells_opened_as_small_only():
    rng = np.random.default_rng(7)
    n = 600
    vectors = [rng.poisson(1.2, n).astype(int).tolist() for _ in range(3)]
    vectors[0][:5] = [0, 1, 4, 0, 9]
    vectors[1][:5] = [0, 0, 0, 5, 0]
    vectors[2][:5] = [0, 0, 0, 0, 0]
    plain = np.sum(vectors, axis=0)
    outs = _run_all(_addresses(3), vectors)
    assert all(not isinstance(o, Exception) for o in outs), outs
    first = outs[0]
    assert all(o.values == first.values and o.small == first.small for o in outs)
    assert first.parties == ["p0", "p1", "p2"]
    for total, value, small in zip(plain, first.values, first.small, strict=True):
        if 0 < total < 5:
            assert small and value is None
        else:
            assert not small and value == total
    assert first.values[:5] == [0, None, None, 5, 9]


def test_margins_are_the_sums_of_their_cells():
    vectors = [[1, 2, 3, 4], [0, 0, 1, 1], [5, 0, 0, 2]]
    outs = _run_all(_addresses(3), vectors, margins=[[0, 1], [2, 3], [0, 3]])
    assert outs[0].margins == [8, 11, 13]  # cells 6, 2, 4, 7


class _Recorder:
    """A TCP relay in front of a party that keeps every byte sent through it."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target = target_port
        self.sent: bytearray = bytearray()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def pipe(reader, writer, keep):
            try:
                while data := await reader.read(65536):
                    if keep:
                        self.sent.extend(data)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        async def handle(reader, writer):
            for _ in range(200):
                try:
                    up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target)
                    break
                except OSError:
                    await asyncio.sleep(0.05)
            else:
                writer.close()
                return
            await asyncio.gather(pipe(reader, up_w, True), pipe(up_r, writer, False))

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", self.port)
            self._ready.set()
            async with server:
                await server.serve_forever()

        with contextlib.suppress(RuntimeError):  # stopped from close()
            self._loop.run_until_complete(main())

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        if not self._thread.is_alive():
            self._loop.close()


def test_a_partys_values_never_appear_in_what_it_sends():
    # party 0 only connects out (to parties 1 and 2): put recorders on those two connections
    real = _addresses(3)
    rec = [_Recorder(int(real[i].rsplit(":", 1)[1])) for i in (1, 2)]
    seen_by_0 = [real[0], f"127.0.0.1:{rec[0].port}", f"127.0.0.1:{rec[1].port}"]
    secret = [9173 + 31 * i for i in range(200)]  # distinctive values of party 0
    vectors = [secret, [0] * 200, [1] * 200]
    with ThreadPoolExecutor(3) as pool:
        futures = [
            pool.submit(
                run_party,
                addresses=seen_by_0 if i == 0 else real,
                index=i,
                spec_hash="s" * 64,
                party=f"p{i}",
                values=vectors[i],
                mode="suppress",
                min_cell=5,
                timeout=240,
            )
            for i in range(3)
        ]
        outs = [f.result() for f in futures]
    for r in rec:
        r.close()
    assert outs[0].values == [v + 1 for v in secret]  # the run itself worked
    sent = bytes(rec[0].sent + rec[1].sent)
    assert len(sent) > 200 * 2  # shares went out
    for width in (2, 4, 8):
        for order in ("little", "big"):
            run = b"".join(v.to_bytes(width, order, signed=True) for v in secret[:4])
            assert run not in sent, (width, order)
    assert b"9173" not in sent and b"9204" not in sent  # nor as text


def test_a_party_that_does_not_take_part_fails_the_run_for_everyone():
    addresses = _addresses(3)
    vectors = [[1] * 10] * 3
    outs = _run_all(addresses, vectors, timeout=15, only=[0, 1])
    assert all(isinstance(o, JointRunError) for o in outs)
    assert "not every party took part" in str(outs[0])


def test_parties_with_different_agreements_compute_nothing():
    addresses = _addresses(3)
    vectors = [[1] * 10] * 3
    outs = _run_all(addresses, vectors, hashes=["a" * 64, "a" * 64, "b" * 64], timeout=120)
    assert all(isinstance(o, JointRunError) for o in outs)
    assert any("same agreed computation" in str(o) for o in outs)


def test_the_engine_gets_no_database_address_or_secret(monkeypatch):
    from perron.joint.run import engine_environment

    monkeypatch.setenv("PERRON_DATABASE_URL", "postgresql://secret@db/x")
    monkeypatch.setenv("PERRON_PSEUDONYM_KEY", "k")
    env = engine_environment()
    assert not any(k.startswith("PERRON_") for k in env)
    assert socket.gethostname()  # the environment still runs a Python


def _certificates(folder) -> None:
    """A CA and one certificate per party, named as MPyC checks them ("MPyC party <i>")."""
    import subprocess

    conf = folder / ".config"
    conf.mkdir()

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=conf, check=True, capture_output=True)

    ssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Perron test CA",
        "-keyout",
        "ca.key",
        "-out",
        "mpyc_ca.crt",
    )
    for i in range(3):
        ssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN=MPyC party {i}",
            "-keyout",
            f"party_{i}.key",
            "-out",
            f"party_{i}.csr",
        )
        ssl(
            "x509",
            "-req",
            "-in",
            f"party_{i}.csr",
            "-CA",
            "mpyc_ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            f"party_{i}.crt",
        )


def test_with_tls_the_parties_talk_over_verified_connections_only(tmp_path):
    _certificates(tmp_path)
    addresses = _addresses(3)
    vectors = [[2, 0, 7], [3, 1, 0], [0, 2, 0]]
    with ThreadPoolExecutor(3) as pool:
        outs = list(
            pool.map(
                lambda i: run_party(
                    addresses=addresses,
                    index=i,
                    spec_hash="t" * 64,
                    party=f"p{i}",
                    values=vectors[i],
                    mode="suppress",
                    min_cell=5,
                    timeout=240,
                    tls_dir=tmp_path,
                ),
                range(3),
            )
        )
    assert outs[0].values == [5, None, 7] and outs[0].small == [False, True, False]
    # a party without the agreement's certificates cannot join: the run does not happen
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    _certificates(stranger)  # certificates of another CA
    addresses = _addresses(3)
    with ThreadPoolExecutor(3) as pool:
        outs = list(
            pool.map(
                lambda i: _try(addresses, i, vectors[i], stranger if i == 2 else tmp_path),
                range(3),
            )
        )
    assert all(isinstance(o, JointRunError) for o in outs)


def _try(addresses, i, values, folder):
    try:
        return run_party(
            addresses=addresses,
            index=i,
            spec_hash="t" * 64,
            party=f"p{i}",
            values=values,
            mode="suppress",
            min_cell=5,
            timeout=20,
            tls_dir=folder,
        )
    except JointRunError as exc:
        return exc


def test_a_second_figure_per_cell_is_opened_only_where_the_count_is_shown():
    addresses = _addresses(3)
    counts = [[3, 1, 0], [3, 1, 0], [0, 1, 0]]
    harm = [[300, 60, 0], [20, 10, 0], [0, 250, 0]]  # tenths of a harm point
    with ThreadPoolExecutor(3) as pool:
        outs = list(
            pool.map(
                lambda i: run_party(
                    addresses=addresses,
                    index=i,
                    spec_hash="x" * 64,
                    party=f"p{i}",
                    values=counts[i],
                    extra=harm[i],
                    mode="suppress",
                    min_cell=5,
                    timeout=240,
                ),
                range(3),
            )
        )
    assert outs[0].values == [6, None, 0]
    assert outs[0].extra == [320, None, 0]  # the harm of the small cell (320) stays hidden

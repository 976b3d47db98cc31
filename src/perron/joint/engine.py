"""The MPC engine of one party: a process of its own that holds nothing but its input.

``python -m perron.joint.engine`` reads one JSON object from standard input::

    {"addresses": ["host:port", ...], "index": 0, "spec_hash": "…", "party": "ns",
     "values": [int, ...],
     "mode": "suppress" | "noisy", "min_cell": 5, "margins": [[i, j, ...], ...],
     "tls_dir": null | "/path"}

and writes the agreed output as one JSON object to standard output::

    {"spec_hash": "…", "parties": ["ns", ...], "small": [bool, ...] | null,
     "values": [int | null, ...],
     "margins": [int, ...], "bytes_sent": N}

The parties' inputs are secret-shared with Shamir's scheme (MPyC, threshold t = (m − 1) // 2):
no party sees another's values, only the agreed output. In ``suppress`` mode the comparison
with ``min_cell`` is computed on the shares, so a cell under the threshold is opened as "small"
only, never as its count. In ``noisy`` mode every party has already added its own noise to its
values; the noisy sums are opened as they are.

The engine is started by :func:`perron.joint.run.run_party` with an environment that carries no
database address or secret: MPyC exchanges Python objects between the parties it connected to,
so this process is kept apart from everything else a party holds.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _mpyc_argv(job: dict[str, Any]) -> list[str]:
    argv = [sys.argv[0]]
    for address in job["addresses"]:
        argv += ["-P", address]
    argv += ["-I", str(job["index"]), "--no-log", "--no-prss"]
    if job.get("tls_dir"):
        argv.append("--ssl")
    return argv


async def _compute(mpc: Any, job: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    values = np.asarray(job["values"], dtype=np.int64)
    mode = job["mode"]
    bits = int(job.get("bits", 16))
    secint = mpc.SecInt(bits)
    await mpc.start()
    try:
        # 1. the same agreed computation everywhere: every party shows the hash of its spec
        # (the hash of its agreement, its party code, whether its records include synthetic ones)
        shown = await mpc.transfer(
            (str(job["spec_hash"]), str(job["party"]), bool(job.get("synthetic", False)))
        )
        if len({h for h, _, _ in shown}) != 1:
            raise RuntimeError("the parties do not run the same agreed computation")
        parties = [p for _, p, _ in shown]
        synthetic = any(flag for _, _, flag in shown)
        sizes = await mpc.transfer(int(values.size))
        if len(set(sizes)) != 1:
            raise RuntimeError("the parties' inputs do not have the same cells")
        # 2. every party's vector, secret-shared; the sum is computed on the shares
        shares = mpc.input(secint.array(values))
        total = shares[0]
        for share in shares[1:]:
            total = total + share
        extra_total = None
        if job.get("extra") is not None:
            extra_shares = mpc.input(secint.array(np.asarray(job["extra"], dtype=np.int64)))
            extra_total = extra_shares[0]
            for share in extra_shares[1:]:
                extra_total = extra_total + share
        margins_out: list[int] = []
        margins = job.get("margins") or []
        if margins:
            # public 0/1 matrix: row r adds the cells of margin r
            matrix = np.zeros((len(margins), values.size), dtype=np.int64)
            for r, idx in enumerate(margins):
                matrix[r, idx] = 1
            sums = matrix @ total
            margins_out = [int(v) for v in np.asarray(await mpc.output(sums)).tolist()]
        if mode == "suppress":
            # a cell of 1 … min_cell − 1 is "small"; an empty cell is shown as empty
            under = total < int(job["min_cell"])
            zero = total == 0
            small = under * (1 - zero)
            masked = total * (1 - under)
            small_out = [bool(v) for v in np.asarray(await mpc.output(small)).tolist()]
            shown_out = [int(v) for v in np.asarray(await mpc.output(masked)).tolist()]
            out_values: list[int | None] = [
                None if s else v for s, v in zip(small_out, shown_out, strict=True)
            ]
            result: dict[str, Any] = {"small": small_out, "values": out_values}
            if extra_total is not None:
                extra_out = [
                    int(v) for v in np.asarray(await mpc.output(extra_total * (1 - under))).tolist()
                ]
                result["extra"] = [
                    None if s else v for s, v in zip(small_out, extra_out, strict=True)
                ]
        else:
            noisy = [int(v) for v in np.asarray(await mpc.output(total)).tolist()]
            result = {"small": None, "values": noisy}
            if extra_total is not None:
                result["extra"] = [
                    int(v) for v in np.asarray(await mpc.output(extra_total)).tolist()
                ]
        nbytes = sum(
            peer.protocol.nbytes_sent
            for peer in mpc.parties
            if peer.pid != mpc.pid and peer.protocol
        )
    finally:
        await mpc.shutdown()
    result.update(
        spec_hash=job["spec_hash"],
        parties=parties,
        synthetic=synthetic,
        margins=margins_out,
        bytes_sent=int(nbytes),
    )
    return result


def main() -> int:
    job = json.loads(sys.stdin.read())
    if job.get("tls_dir"):
        # MPyC reads party_<i>.crt, party_<i>.key and mpyc_ca.crt from ./.config
        os.chdir(job["tls_dir"])
    sys.argv = _mpyc_argv(job)
    from mpyc.runtime import mpc  # reads sys.argv on import

    try:
        result = mpc.run(_compute(mpc, job))
    except Exception as exc:  # reported to the parent, which fails the run cleanly
        sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        return 3
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

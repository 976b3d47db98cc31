"""Start this party's MPC engine, give it its input, and take the agreed output back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


class JointRunError(RuntimeError):
    """The joint computation did not complete; nothing of it is kept."""


@dataclass(frozen=True)
class SecureOutput:
    values: list[int | None]
    small: list[bool] | None
    margins: list[int]
    bytes_sent: int
    parties: list[str]
    synthetic: bool = False
    extra: list[int | None] | None = None


#: environment variables the engine may inherit: nothing that reaches a database or a secret
_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT", "PYTHONHASHSEED")


def engine_environment() -> dict[str, str]:
    """The engine's environment: the basics only (no ``PERRON_*``, no database URL)."""
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


def run_party(
    *,
    addresses: list[str],
    index: int,
    spec_hash: str,
    party: str,
    values: list[int],
    synthetic: bool = False,
    extra: list[int] | None = None,
    mode: str,
    min_cell: int,
    margins: list[list[int]] | None = None,
    timeout: float = 120.0,
    tls_dir: Path | None = None,
) -> SecureOutput:
    """Run this party's part of the joint computation and return the opened output.

    Raises :class:`JointRunError` when a party does not connect or drops out within
    ``timeout`` seconds, or when the parties do not run the same agreed computation.
    """
    if not 0 <= index < len(addresses):
        raise JointRunError(f"index {index} is not a position in the list of {len(addresses)}")
    job = {
        "addresses": [
            a if i != index else f":{a.rsplit(':', 1)[1]}" for i, a in enumerate(addresses)
        ],
        "index": index,
        "spec_hash": spec_hash,
        "party": party,
        "synthetic": synthetic,
        "values": values,
        "extra": extra,
        "mode": mode,
        "min_cell": min_cell,
        "margins": margins or [],
        "tls_dir": str(tls_dir) if tls_dir else None,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "perron.joint.engine"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=engine_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise JointRunError(
            f"not every party took part within {timeout:g} s (a party did not connect or "
            "dropped out); nothing was computed or kept"
        ) from exc
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        answer = {}
    if done.returncode != 0 or "error" in answer or "values" not in answer:
        reason = answer.get("error") or (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise JointRunError(f"the joint computation failed: {reason}; nothing was kept")
    if answer.get("spec_hash") != spec_hash:
        raise JointRunError("the engine answered for another computation; nothing was kept")
    return SecureOutput(
        values=list(answer["values"]),
        small=answer.get("small"),
        margins=list(answer.get("margins") or []),
        bytes_sent=int(answer.get("bytes_sent", 0)),
        parties=[str(p) for p in answer.get("parties", [])],
        synthetic=bool(answer.get("synthetic", False)),
        extra=answer.get("extra"),
    )

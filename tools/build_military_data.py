"""Rebuild the shipped military mobility reference in src/perron/military/data/.

Usage:
    .venv/bin/python tools/build_military_data.py [--shared DIR] [--out DIR] [--check]

``--shared`` is the folder with the source data (default: ``../shared/data`` next to the
repository). The file is copied unchanged (it is small): ``military/mobility-reference.csv``,
**compiled by hand from public statements** (government and ProRail news), not an official data
set. ``--check`` compares the shipped copy with the source byte for byte and exits non-zero when
they differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DATA_DIR = REPO / "src" / "perron" / "military" / "data"
FILES = (("military/mobility-reference.csv", "mobility-reference.csv"),)


def build(shared: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src, dst in FILES:
        data = (shared / src).read_bytes()
        target = out / dst
        target.write_bytes(data)
        written.append(target)
    return written


def check(shared: Path, out: Path) -> list[str]:
    """The shipped files that differ from their source (empty when all match)."""
    return [
        dst
        for src, dst in FILES
        if not (out / dst).exists() or (out / dst).read_bytes() != (shared / src).read_bytes()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if not (args.shared / FILES[0][0]).exists():
        sys.stderr.write(f"{args.shared / FILES[0][0]}: source file not found\n")
        return 2
    if args.check:
        bad = check(args.shared, args.out)
        for name in bad:
            sys.stderr.write(f"{args.out / name}: differs from its source\n")
        return 1 if bad else 0
    for path in build(args.shared, args.out):
        sys.stderr.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

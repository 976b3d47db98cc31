"""Capability packages and front ends never ask which database they run on themselves: what
differs between SQLite and PostgreSQL is a helper in ``perron.store.dialect``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "perron"
STORE = SRC / "store"
#: attributes that tell the dialect (``bind.dialect.name``, ``dbapi.paramstyle``, ...)
ATTRIBUTES = frozenset({"dialect", "paramstyle"})
MODULE = "sqlalchemy.dialects"


def offences(source: str) -> list[str]:
    """What in ``source`` picks SQL by dialect itself: ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ATTRIBUTES:
            found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {a.name}"
                for a in node.names
                if a.name == MODULE or a.name.startswith(MODULE + ".")
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == MODULE or node.module.startswith(MODULE + "."):
                found.append(f"{node.lineno}: from {node.module} import ...")
            elif node.module == "sqlalchemy" and any(a.name == "dialects" for a in node.names):
                found.append(f"{node.lineno}: from sqlalchemy import dialects")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "x = session.get_bind().dialect.name == 'sqlite'",
        "marker = '?' if conn.dialect.paramstyle == 'qmark' else '%s'",
        "d = engine.dialect",
        "from sqlalchemy.dialects.postgresql import insert as pg_insert",
        "from sqlalchemy.dialects import postgresql, sqlite",
        "import sqlalchemy.dialects.sqlite",
        "from sqlalchemy import dialects",
        "def f(conn):\n    return conn.dialect.name",
    ],
)
def test_the_scan_finds_a_dialect_choice(source):
    assert offences(source)


@pytest.mark.parametrize(
    "source",
    [
        "from perron.store.dialect import is_sqlite\nif is_sqlite(conn): pass",
        "dialect = csv.Sniffer().sniff(sample)\nrows = csv.reader(fh, dialect)",
        "'''Uses session.get_bind().dialect.name in prose only.'''",
        "from sqlalchemy import select, insert",
    ],
)
def test_the_scan_leaves_other_code_alone(source):
    assert offences(source) == []


def test_no_module_outside_the_store_picks_sql_by_dialect():
    files = [p for p in SRC.rglob("*.py") if STORE not in p.parents]
    assert len(files) > 50  # the scan sees the package
    found = {
        str(p.relative_to(SRC)): hits
        for p in sorted(files)
        if (hits := offences(p.read_text(encoding="utf-8")))
    }
    assert found == {}, f"ask perron.store.dialect instead: {found}"

"""Print the Alembic operations that bring the migrated schema up to the current models.

Usage: python tools/migration_diff.py [DATABASE_URL]
Runs every migration on a scratch database (SQLite by default), compares the result with the
SQLAlchemy models and prints the operations as Python code to paste into the capability's own
revision file. Prints nothing but a comment when migrations and models agree.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext

from perron.store import tables  # noqa: F401
from perron.store.base import Base
from perron.store.db import make_engine, upgrade


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(tmp) / 'diff.db'}"
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": conn.dialect.name == "sqlite"}
            )
            script = produce_migrations(ctx, Base.metadata)
            print(render_python_code(script.upgrade_ops))
            print("# ---- downgrade ----")
            print(render_python_code(script.downgrade_ops))
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

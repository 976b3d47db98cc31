"""Alembic environment: runs the project's migrations against the URL given by Perron."""

from alembic import context
from sqlalchemy import Connection

from perron.store import tables  # noqa: F401  (registers every table on the metadata)
from perron.store.base import Base
from perron.store.db import make_engine

config = context.config
url = config.attributes.get("perron_url") or config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def run(conn: Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    if not url:
        raise RuntimeError("no database URL: run the migrations through perron.store.db.upgrade")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            run(conn)
    finally:
        engine.dispose()

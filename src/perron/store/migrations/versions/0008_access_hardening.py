"""access hardening: token lifetimes and revocation, login throttling

Revision ID: 0008_access_hardening
Revises: 0007_registry_reads

API tokens get ``revoked_at``; tokens made before this revision without an expiry get one
(90 days after they were made, the longest lifetime a new token may have).
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from perron.store.types import UTCDateTime

revision = "0008_access_hardening"
down_revision = "0007_registry_reads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_token", sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True))
    token = sa.table(
        "api_token",
        sa.column("id", sa.Integer),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("expires_at", UTCDateTime(timezone=True)),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(token.c.id, token.c.created_at).where(token.c.expires_at.is_(None))
    )
    for token_id, created in rows.all():
        conn.execute(
            token.update()
            .where(token.c.id == token_id)
            .values(expires_at=created + timedelta(days=90))
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("revoked_at")

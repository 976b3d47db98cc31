"""live cluster: station leases, worker health and dead letters of the live engine

Revision ID: 0017_live_cluster
Revises: 0016_joint
"""

import sqlalchemy as sa
from alembic import op

from perron.store.types import UTCDateTime

revision = "0017_live_cluster"
down_revision = "0016_joint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_lease",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("owner", sa.String(120), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("acquired_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_live_lease_owner", "live_lease", ["owner"])
    op.create_table(
        "live_worker",
        sa.Column("client_id", sa.String(120), primary_key=True),
        sa.Column("host", sa.String(120), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=False),
        sa.Column("last_commit_at", UTCDateTime(), nullable=True),
        sa.Column("lag_s", sa.Float(), nullable=False),
        sa.Column("stations", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_live_worker_heartbeat_at", "live_worker", ["heartbeat_at"])
    op.create_table(
        "live_dead_letter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("client_id", sa.String(120), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )
    op.create_index("ix_live_dead_letter_received_at", "live_dead_letter", ["received_at"])
    op.create_index("ix_live_dead_letter_reason", "live_dead_letter", ["reason"])


def downgrade() -> None:
    op.drop_index("ix_live_dead_letter_reason", table_name="live_dead_letter")
    op.drop_index("ix_live_dead_letter_received_at", table_name="live_dead_letter")
    op.drop_table("live_dead_letter")
    op.drop_index("ix_live_worker_heartbeat_at", table_name="live_worker")
    op.drop_table("live_worker")
    op.drop_index("ix_live_lease_owner", table_name="live_lease")
    op.drop_table("live_lease")

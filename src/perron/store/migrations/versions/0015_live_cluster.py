"""live cluster: station leases of live workers

Revision ID: 0015_live_cluster
Revises: 0014_effect
"""

revision = "0015_live_cluster"
down_revision = "0014_effect"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

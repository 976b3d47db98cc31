"""joint computations: agreements and runs

Revision ID: 0016_joint
Revises: 0015_live_cluster
"""

revision = "0016_joint"
down_revision = "0015_live_cluster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""live sensing and alerts

Revision ID: 0004_live
Revises: 0003_monitor
"""

revision = "0004_live"
down_revision = "0003_monitor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

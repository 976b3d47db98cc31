"""perception monitor

Revision ID: 0003_monitor
Revises: 0002_registry
"""

revision = "0003_monitor"
down_revision = "0002_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

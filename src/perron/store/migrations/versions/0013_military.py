"""military train paths: requests and plans

Revision ID: 0013_military
Revises: 0012_network
"""

revision = "0013_military"
down_revision = "0012_network"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

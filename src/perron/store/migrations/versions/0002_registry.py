"""incident registry, agreements and audit trail

Revision ID: 0002_registry
Revises: 0001b_access
"""

revision = "0002_registry"
down_revision = "0001b_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

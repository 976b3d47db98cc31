"""network resilience: scenarios and the threat register

Revision ID: 0012_network
Revises: 0011_inspections
"""

revision = "0012_network"
down_revision = "0011_inspections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""agreements, audit trail and personal-data bookkeeping

Revision ID: 0001b_access
Revises: 0001_foundation
"""

revision = "0001b_access"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""effect evaluation: stored evaluations

Revision ID: 0014_effect
Revises: 0013_military
"""

revision = "0014_effect"
down_revision = "0013_military"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""inspections: station walk-throughs, findings, actions, recommendations

Revision ID: 0011_inspections
Revises: 0010_programme
"""

revision = "0011_inspections"
down_revision = "0010_programme"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

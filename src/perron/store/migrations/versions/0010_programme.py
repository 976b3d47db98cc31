"""programme: need index, measures, station deals, budget lines

Revision ID: 0010_programme
Revises: 0009_registry_hardening
"""

revision = "0010_programme"
down_revision = "0009_registry_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

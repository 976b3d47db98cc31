"""registry hardening

Revision ID: 0009_registry_hardening
Revises: 0008_access_hardening
"""

revision = "0009_registry_hardening"
down_revision = "0008_access_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

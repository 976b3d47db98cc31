"""access hardening: token lifetimes and revocation, login throttling

Revision ID: 0008_access_hardening
Revises: 0007_registry_reads
"""

revision = "0008_access_hardening"
down_revision = "0007_registry_reads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

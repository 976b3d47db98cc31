"""forecasts

Revision ID: 0005_forecast
Revises: 0004_live
"""

revision = "0005_forecast"
down_revision = "0004_live"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""effect evaluation: stored evaluations

Revision ID: 0014_effect
Revises: 0013_military
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_effect"
down_revision = "0013_military"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "effect_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("party", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("measure_id", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=120), nullable=False),
        sa.Column("att", sa.Float(), nullable=False),
        sa.Column("relative", sa.Float(), nullable=True),
        sa.Column("credible", sa.Boolean(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("panel_sha256", sa.String(length=64), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effect_evaluation")),
    )
    op.create_index(
        "ix_effect_evaluation_party_created",
        "effect_evaluation",
        ["party", "created_at"],
    )
    op.create_index(op.f("ix_effect_evaluation_measure_id"), "effect_evaluation", ["measure_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_effect_evaluation_measure_id"), table_name="effect_evaluation")
    op.drop_index("ix_effect_evaluation_party_created", table_name="effect_evaluation")
    op.drop_table("effect_evaluation")

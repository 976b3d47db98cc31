"""joint computations: agreements and runs

Agreements of joint computations across parties (each party approves the same text in its own
installation), the runs with their agreed output, and the privacy-budget ledger.

Revision ID: 0016_joint
Revises: 0015_live_cluster
"""

import sqlalchemy as sa
from alembic import op

from perron.store.types import UTCDateTime

revision = "0016_joint"
down_revision = "0015_live_cluster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "joint_agreement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("spec_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("local_party", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("approved_by", sa.String(80), nullable=True),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "joint_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("joint_agreement.id"), nullable=True),
        sa.Column("spec_hash", sa.String(64), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("addresses", sa.JSON(), nullable=False),
        sa.Column("party_index", sa.Integer(), nullable=False),
        sa.Column("local_party", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("result_hash", sa.String(64), nullable=False),
        sa.Column("bytes_sent", sa.Integer(), nullable=False),
    )
    op.create_index("ix_joint_run_agreement_id", "joint_run", ["agreement_id"])
    op.create_index("ix_joint_run_spec_hash", "joint_run", ["spec_hash"])
    op.create_table(
        "privacy_budget",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset", sa.String(80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("spent", sa.Float(), nullable=False),
        sa.UniqueConstraint("dataset", "year", name="uq_privacy_budget_dataset_year"),
    )
    op.create_table(
        "privacy_spend",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("budget_id", sa.Integer(), sa.ForeignKey("privacy_budget.id"), nullable=False),
        sa.Column("spec_hash", sa.String(64), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_privacy_spend_budget_id", "privacy_spend", ["budget_id"])


def downgrade() -> None:
    op.drop_index("ix_privacy_spend_budget_id", table_name="privacy_spend")
    op.drop_table("privacy_spend")
    op.drop_table("privacy_budget")
    op.drop_index("ix_joint_run_spec_hash", table_name="joint_run")
    op.drop_index("ix_joint_run_agreement_id", table_name="joint_run")
    op.drop_table("joint_run")
    op.drop_table("joint_agreement")

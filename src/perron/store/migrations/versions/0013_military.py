"""military train paths: requests and plans

Revision ID: 0013_military
Revises: 0012_network
"""

import sqlalchemy as sa
from alembic import op

from perron.store.types import UTCDateTime

revision = "0013_military"
down_revision = "0012_network"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "military_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("party_code", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("destination", sa.String(length=8), nullable=False),
        sa.Column("earliest", sa.String(length=19), nullable=False),
        sa.Column("latest_arrival", sa.String(length=19), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("dangerous_goods", sa.Boolean(), nullable=False),
        sa.Column("request_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("chosen_rank", sa.Integer(), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_military_request")),
    )
    op.create_index("ix_military_request_created", "military_request", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_military_request_party_code"), "military_request", ["party_code"], unique=False
    )
    op.create_table(
        "military_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("departure", sa.String(length=19), nullable=False),
        sa.Column("arrival", sa.String(length=19), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("trains_affected", sa.Integer(), nullable=False),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["military_request.id"],
            name=op.f("fk_military_plan_request_id_military_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_military_plan")),
    )
    op.create_index(
        op.f("ix_military_plan_request_id"), "military_plan", ["request_id"], unique=False
    )
    op.create_index(
        "ix_military_plan_request_rank", "military_plan", ["request_id", "rank"], unique=True
    )


def downgrade() -> None:

    op.drop_index("ix_military_plan_request_rank", table_name="military_plan")
    op.drop_index(op.f("ix_military_plan_request_id"), table_name="military_plan")
    op.drop_table("military_plan")
    op.drop_index(op.f("ix_military_request_party_code"), table_name="military_request")
    op.drop_index("ix_military_request_created", table_name="military_request")
    op.drop_table("military_request")

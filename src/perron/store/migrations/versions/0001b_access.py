"""agreements, audit trail and personal-data bookkeeping

Revision ID: 0001b_access
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

from perron.store.types import UTCDateTime

revision = "0001b_access"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("party", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
    )
    op.create_table(
        "retention_period",
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_retention_period")),
    )
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_party", sa.String(length=20), nullable=False),
        sa.Column("grantee_party", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["grantee_party"], ["party.code"], name=op.f("fk_agreement_grantee_party_party")
        ),
        sa.ForeignKeyConstraint(
            ["owner_party"], ["party.code"], name=op.f("fk_agreement_owner_party_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
    )
    op.create_index(op.f("ix_agreement_grantee_party"), "agreement", ["grantee_party"])
    op.create_index(op.f("ix_agreement_owner_party"), "agreement", ["owner_party"])
    op.create_table(
        "incident_rollup",
        sa.Column("owner_party", sa.String(length=20), nullable=False),
        sa.Column("category_group", sa.String(length=40), nullable=False),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_party",
            "category_group",
            "station_code",
            "month",
            "synthetic",
            name=op.f("pk_incident_rollup"),
        ),
    )
    op.create_index(
        "ix_incident_rollup_month_station", "incident_rollup", ["month", "station_code"]
    )
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("watermark", sa.String(length=80), nullable=False),
        sa.Column("built_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rollup_state")),
    )


def downgrade() -> None:
    op.drop_table("rollup_state")
    op.drop_index("ix_incident_rollup_month_station", table_name="incident_rollup")
    op.drop_table("incident_rollup")
    op.drop_index(op.f("ix_agreement_owner_party"), table_name="agreement")
    op.drop_index(op.f("ix_agreement_grantee_party"), table_name="agreement")
    op.drop_table("agreement")
    op.drop_table("retention_period")
    op.drop_table("audit_entry")

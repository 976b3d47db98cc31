"""network resilience: scenarios and the threat register

Revision ID: 0012_network
Revises: 0011_inspections
"""

import sqlalchemy as sa
from alembic import op

from perron.store.types import UTCDateTime

revision = "0012_network"
down_revision = "0011_inspections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("window", sa.String(length=10), nullable=False),
        sa.Column("duration_hours", sa.Float(), nullable=False),
        sa.Column("removed_links", sa.Text(), nullable=False),
        sa.Column("removed_stations", sa.Text(), nullable=False),
        sa.Column("passenger_hours_lost_per_hour", sa.Float(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_network_scenario_party_code_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_scenario")),
    )
    op.create_index(
        op.f("ix_network_scenario_party_code"), "network_scenario", ["party_code"], unique=False
    )
    op.create_table(
        "network_threat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_kind", sa.String(length=16), nullable=False),
        sa.Column("asset_ref", sa.String(length=40), nullable=False),
        sa.Column("threat", sa.String(length=32), nullable=False),
        sa.Column("likelihood", sa.SmallInteger(), nullable=False),
        sa.Column("likelihood_basis", sa.Text(), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.Column("impact", sa.SmallInteger(), nullable=False),
        sa.Column("impact_basis", sa.Text(), nullable=False),
        sa.Column("owner_party", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hand_compiled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_party"], ["party.code"], name=op.f("fk_network_threat_owner_party_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_threat")),
        sa.UniqueConstraint("asset_kind", "asset_ref", "threat", name="uq_network_threat_asset"),
    )
    op.create_index(
        op.f("ix_network_threat_asset_ref"), "network_threat", ["asset_ref"], unique=False
    )
    op.create_table(
        "network_clearance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("granted_by", sa.String(length=80), nullable=False),
        sa.Column("granted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_network_clearance_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_clearance")),
        sa.UniqueConstraint("user_id", name=op.f("uq_network_clearance_user_id")),
    )
    op.create_table(
        "network_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("threat_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_party", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("hand_compiled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_party"], ["party.code"], name=op.f("fk_network_measure_owner_party_party")
        ),
        sa.ForeignKeyConstraint(
            ["threat_id"],
            ["network_threat.id"],
            name=op.f("fk_network_measure_threat_id_network_threat"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_measure")),
    )
    op.create_index(
        op.f("ix_network_measure_threat_id"), "network_measure", ["threat_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_network_measure_threat_id"), table_name="network_measure")
    op.drop_table("network_measure")
    op.drop_table("network_clearance")
    op.drop_index(op.f("ix_network_threat_asset_ref"), table_name="network_threat")
    op.drop_table("network_threat")
    op.drop_index(op.f("ix_network_scenario_party_code"), table_name="network_scenario")
    op.drop_table("network_scenario")

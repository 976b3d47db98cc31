"""incident registry: incidents, versions and links

Revision ID: 0002_registry
Revises: 0001b_access
"""

import sqlalchemy as sa
from alembic import op

import perron.store.types

revision = "0002_registry"
down_revision = "0001b_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("party_ref", sa.String(length=80), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("station_code", sa.String(length=8), nullable=True),
        sa.Column("zone", sa.String(length=20), nullable=True),
        sa.Column("line_section", sa.String(length=160), nullable=True),
        sa.Column("level_crossing_id", sa.Integer(), nullable=True),
        sa.Column("other_stations", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("victim_role", sa.String(length=12), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("person_ref", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["incident.id"], name=op.f("fk_incident_duplicate_of_incident")
        ),
        sa.ForeignKeyConstraint(
            ["level_crossing_id"],
            ["level_crossing.id"],
            name=op.f("fk_incident_level_crossing_id_level_crossing"),
        ),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_incident_party_code_party")
        ),
        sa.ForeignKeyConstraint(
            ["station_code"], ["station.code"], name=op.f("fk_incident_station_code_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("party_code", "party_ref", name=op.f("uq_incident_party_code")),
    )
    op.create_index(
        "ix_incident_category_occurred", "incident", ["category", "occurred_at"], unique=False
    )
    op.create_index(op.f("ix_incident_duplicate_of"), "incident", ["duplicate_of"], unique=False)
    op.create_index("ix_incident_occurred", "incident", ["occurred_at"], unique=False)
    op.create_index(
        "ix_incident_party_occurred", "incident", ["party_code", "occurred_at"], unique=False
    )
    op.create_index(op.f("ix_incident_person_ref"), "incident", ["person_ref"], unique=False)
    op.create_index(
        "ix_incident_station_occurred", "incident", ["station_code", "occurred_at"], unique=False
    )
    op.create_table(
        "incident_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("linked_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("proposed_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_link_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["linked_id"], ["incident.id"], name=op.f("fk_incident_link_linked_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_link")),
        sa.UniqueConstraint("incident_id", "linked_id", name=op.f("uq_incident_link_incident_id")),
    )
    op.create_index(
        op.f("ix_incident_link_incident_id"), "incident_link", ["incident_id"], unique=False
    )
    op.create_index(
        op.f("ix_incident_link_linked_id"), "incident_link", ["linked_id"], unique=False
    )
    op.create_index(op.f("ix_incident_link_status"), "incident_link", ["status"], unique=False)
    op.create_table(
        "incident_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("station_code", sa.String(length=8), nullable=True),
        sa.Column("zone", sa.String(length=20), nullable=True),
        sa.Column("line_section", sa.String(length=160), nullable=True),
        sa.Column("level_crossing_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("victim_role", sa.String(length=12), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("person_ref", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_version_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_version")),
        sa.UniqueConstraint("incident_id", "version", name=op.f("uq_incident_version_incident_id")),
    )
    op.create_index(
        op.f("ix_incident_version_incident_id"), "incident_version", ["incident_id"], unique=False
    )
    op.create_index(
        op.f("ix_incident_version_person_ref"), "incident_version", ["person_ref"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_version_person_ref"), table_name="incident_version")
    op.drop_index(op.f("ix_incident_version_incident_id"), table_name="incident_version")
    op.drop_table("incident_version")
    op.drop_index(op.f("ix_incident_link_status"), table_name="incident_link")
    op.drop_index(op.f("ix_incident_link_linked_id"), table_name="incident_link")
    op.drop_index(op.f("ix_incident_link_incident_id"), table_name="incident_link")
    op.drop_table("incident_link")
    op.drop_index("ix_incident_station_occurred", table_name="incident")
    op.drop_index(op.f("ix_incident_person_ref"), table_name="incident")
    op.drop_index("ix_incident_party_occurred", table_name="incident")
    op.drop_index("ix_incident_occurred", table_name="incident")
    op.drop_index(op.f("ix_incident_duplicate_of"), table_name="incident")
    op.drop_index("ix_incident_category_occurred", table_name="incident")
    op.drop_table("incident")

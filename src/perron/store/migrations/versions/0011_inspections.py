"""inspections: station walk-throughs, findings, actions, recommendations

Revision ID: 0011_inspections
Revises: 0010_programme
"""

import sqlalchemy as sa
from alembic import op

import perron.store.types

revision = "0011_inspections"
down_revision = "0010_programme"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_history")),
    )
    op.create_index(
        "ix_inspection_history_subject",
        "inspection_history",
        ["subject", "subject_id"],
        unique=False,
    )
    op.create_table(
        "inspection_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_inspection_photo_party_code_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_photo")),
    )
    op.create_index(
        op.f("ix_inspection_photo_party_code"), "inspection_photo", ["party_code"], unique=False
    )
    op.create_index(
        op.f("ix_inspection_photo_sha256"), "inspection_photo", ["sha256"], unique=False
    )
    op.create_table(
        "inspection_walk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        sa.Column("walked_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=False),
        sa.Column("light", sa.String(length=10), nullable=False),
        sa.Column("group", sa.String(length=30), nullable=False),
        sa.Column("template_version", sa.String(length=20), nullable=False),
        sa.Column("team", sa.String(length=300), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("feeling", sa.Integer(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_inspection_walk_party_code_party")
        ),
        sa.ForeignKeyConstraint(
            ["station_code"], ["station.code"], name=op.f("fk_inspection_walk_station_code_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_walk")),
        sa.UniqueConstraint("client_ref", name=op.f("uq_inspection_walk_client_ref")),
    )
    op.create_index(op.f("ix_inspection_walk_group"), "inspection_walk", ["group"], unique=False)
    op.create_index(
        op.f("ix_inspection_walk_party_code"), "inspection_walk", ["party_code"], unique=False
    )
    op.create_index(
        "ix_inspection_walk_station_day",
        "inspection_walk",
        ["station_code", "walked_on"],
        unique=False,
    )
    op.create_table(
        "safety_recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("issuer", sa.String(length=80), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("addressee", sa.String(length=120), nullable=False),
        sa.Column("addressee_party", sa.String(length=20), nullable=True),
        sa.Column("monitor_party", sa.String(length=20), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("assessment", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("compiled_by_hand", sa.Boolean(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["addressee_party"],
            ["party.code"],
            name=op.f("fk_safety_recommendation_addressee_party_party"),
        ),
        sa.ForeignKeyConstraint(
            ["monitor_party"],
            ["party.code"],
            name=op.f("fk_safety_recommendation_monitor_party_party"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_recommendation")),
        sa.UniqueConstraint("ref", name=op.f("uq_safety_recommendation_ref")),
    )
    op.create_index(
        op.f("ix_safety_recommendation_addressee_party"),
        "safety_recommendation",
        ["addressee_party"],
        unique=False,
    )
    op.create_index(
        op.f("ix_safety_recommendation_issuer"), "safety_recommendation", ["issuer"], unique=False
    )
    op.create_index(
        op.f("ix_safety_recommendation_response_due"),
        "safety_recommendation",
        ["response_due"],
        unique=False,
    )
    op.create_index(
        op.f("ix_safety_recommendation_status"), "safety_recommendation", ["status"], unique=False
    )
    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("measure_code", sa.String(length=40), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["inspection_photo.id"],
            name=op.f("fk_inspection_finding_photo_id_inspection_photo"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["station.code"],
            name=op.f("fk_inspection_finding_station_code_station"),
        ),
        sa.ForeignKeyConstraint(
            ["walk_id"],
            ["inspection_walk.id"],
            name=op.f("fk_inspection_finding_walk_id_inspection_walk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_finding")),
    )
    op.create_index(
        op.f("ix_inspection_finding_station_code"),
        "inspection_finding",
        ["station_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inspection_finding_walk_id"), "inspection_finding", ["walk_id"], unique=False
    )
    op.create_table(
        "inspection_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("station_code", sa.String(length=8), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_party", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("closed_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["inspection_finding.id"],
            name=op.f("fk_inspection_action_finding_id_inspection_finding"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_party"], ["party.code"], name=op.f("fk_inspection_action_owner_party_party")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["safety_recommendation.id"],
            name=op.f("fk_inspection_action_recommendation_id_safety_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["station.code"],
            name=op.f("fk_inspection_action_station_code_station"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_action")),
    )
    op.create_index(
        op.f("ix_inspection_action_finding_id"), "inspection_action", ["finding_id"], unique=False
    )
    op.create_index(
        "ix_inspection_action_owner_status",
        "inspection_action",
        ["owner_party", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inspection_action_recommendation_id"),
        "inspection_action",
        ["recommendation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inspection_action_station_code"),
        "inspection_action",
        ["station_code"],
        unique=False,
    )
    op.create_table(
        "inspection_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("walk_id", sa.Integer(), nullable=True),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("added_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["inspection_action.id"],
            name=op.f("fk_inspection_evidence_action_id_inspection_action"),
        ),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_inspection_evidence_party_code_party")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["inspection_photo.id"],
            name=op.f("fk_inspection_evidence_photo_id_inspection_photo"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["safety_recommendation.id"],
            name=op.f("fk_inspection_evidence_recommendation_id_safety_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["walk_id"],
            ["inspection_walk.id"],
            name=op.f("fk_inspection_evidence_walk_id_inspection_walk"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_evidence")),
    )
    op.create_index(
        op.f("ix_inspection_evidence_action_id"), "inspection_evidence", ["action_id"], unique=False
    )
    op.create_index(
        op.f("ix_inspection_evidence_recommendation_id"),
        "inspection_evidence",
        ["recommendation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_inspection_evidence_recommendation_id"), table_name="inspection_evidence"
    )
    op.drop_index(op.f("ix_inspection_evidence_action_id"), table_name="inspection_evidence")
    op.drop_table("inspection_evidence")
    op.drop_index(op.f("ix_inspection_action_station_code"), table_name="inspection_action")
    op.drop_index(op.f("ix_inspection_action_recommendation_id"), table_name="inspection_action")
    op.drop_index("ix_inspection_action_owner_status", table_name="inspection_action")
    op.drop_index(op.f("ix_inspection_action_finding_id"), table_name="inspection_action")
    op.drop_table("inspection_action")
    op.drop_index(op.f("ix_inspection_finding_walk_id"), table_name="inspection_finding")
    op.drop_index(op.f("ix_inspection_finding_station_code"), table_name="inspection_finding")
    op.drop_table("inspection_finding")
    op.drop_index(op.f("ix_safety_recommendation_status"), table_name="safety_recommendation")
    op.drop_index(op.f("ix_safety_recommendation_response_due"), table_name="safety_recommendation")
    op.drop_index(op.f("ix_safety_recommendation_issuer"), table_name="safety_recommendation")
    op.drop_index(
        op.f("ix_safety_recommendation_addressee_party"), table_name="safety_recommendation"
    )
    op.drop_table("safety_recommendation")
    op.drop_index("ix_inspection_walk_station_day", table_name="inspection_walk")
    op.drop_index(op.f("ix_inspection_walk_party_code"), table_name="inspection_walk")
    op.drop_index(op.f("ix_inspection_walk_group"), table_name="inspection_walk")
    op.drop_table("inspection_walk")
    op.drop_index(op.f("ix_inspection_photo_sha256"), table_name="inspection_photo")
    op.drop_index(op.f("ix_inspection_photo_party_code"), table_name="inspection_photo")
    op.drop_table("inspection_photo")
    op.drop_index("ix_inspection_history_subject", table_name="inspection_history")
    op.drop_table("inspection_history")

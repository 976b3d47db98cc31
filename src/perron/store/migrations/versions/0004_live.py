"""live sensing and alerts

Revision ID: 0004_live
Revises: 0003_monitor
"""

import sqlalchemy as sa
from alembic import op

import perron.store.types

revision = "0004_live"
down_revision = "0003_monitor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _upgrade_alerts()
    _upgrade_ingest()


def downgrade() -> None:
    _downgrade_ingest()
    _downgrade_alerts()


# --- Alerts, response units, lifecycle transitions and webhooks (alerts half of live) --------


def _upgrade_alerts() -> None:
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("only_responsible", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_webhook_subscription_party_code_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_index(
        op.f("ix_webhook_subscription_party_code"),
        "webhook_subscription",
        ["party_code"],
        unique=False,
    )
    op.create_table(
        "response_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("home_station_code", sa.String(length=8), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("updated_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_station_code"],
            ["station.code"],
            name=op.f("fk_response_unit_home_station_code_station"),
        ),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_response_unit_party_code_party")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_response_unit_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_response_unit_code")),
    )
    op.create_index(
        op.f("ix_response_unit_party_code"), "response_unit", ["party_code"], unique=False
    )
    op.create_index(op.f("ix_response_unit_status"), "response_unit", ["status"], unique=False)
    op.create_index(op.f("ix_response_unit_user_id"), "response_unit", ["user_id"], unique=False)
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=120), nullable=False),
        sa.Column("rule_id", sa.String(length=48), nullable=False),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=True),
        sa.Column("domain", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("initial_severity", sa.String(length=10), nullable=False),
        sa.Column("subcategory", sa.String(length=30), nullable=False),
        sa.Column("title_nl", sa.String(length=120), nullable=False),
        sa.Column("title_en", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("responsible_party", sa.String(length=20), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("trigger_count", sa.Integer(), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("first_event_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ack_due_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_scene_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["responsible_party"], ["party.code"], name=op.f("fk_alert_responsible_party_party")
        ),
        sa.ForeignKeyConstraint(
            ["station_code"], ["station.code"], name=op.f("fk_alert_station_code_station")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["response_unit.id"],
            name=op.f("fk_alert_unit_id_response_unit"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    op.create_index(op.f("ix_alert_created_at"), "alert", ["created_at"], unique=False)
    op.create_index("ix_alert_dedup_open", "alert", ["dedup_key", "state"], unique=False)
    op.create_index(
        op.f("ix_alert_responsible_party"), "alert", ["responsible_party"], unique=False
    )
    op.create_index(op.f("ix_alert_rule_id"), "alert", ["rule_id"], unique=False)
    op.create_index(op.f("ix_alert_state"), "alert", ["state"], unique=False)
    op.create_index(op.f("ix_alert_station_code"), "alert", ["station_code"], unique=False)
    op.create_index("ix_alert_updated", "alert", ["updated_at", "id"], unique=False)
    op.create_table(
        "alert_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
            name=op.f("fk_alert_transition_alert_id_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_transition")),
    )
    op.create_index(
        op.f("ix_alert_transition_alert_id"), "alert_transition", ["alert_id"], unique=False
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", perron.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
            name=op.f("fk_webhook_delivery_alert_id_alert"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index(
        op.f("ix_webhook_delivery_alert_id"), "webhook_delivery", ["alert_id"], unique=False
    )
    op.create_index(
        "ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"], unique=False
    )
    op.create_index(
        op.f("ix_webhook_delivery_subscription_id"),
        "webhook_delivery",
        ["subscription_id"],
        unique=False,
    )


def _downgrade_alerts() -> None:
    op.drop_index(op.f("ix_webhook_delivery_subscription_id"), table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_delivery")
    op.drop_index(op.f("ix_webhook_delivery_alert_id"), table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index(op.f("ix_alert_transition_alert_id"), table_name="alert_transition")
    op.drop_table("alert_transition")
    op.drop_index("ix_alert_updated", table_name="alert")
    op.drop_index(op.f("ix_alert_station_code"), table_name="alert")
    op.drop_index(op.f("ix_alert_state"), table_name="alert")
    op.drop_index(op.f("ix_alert_rule_id"), table_name="alert")
    op.drop_index(op.f("ix_alert_responsible_party"), table_name="alert")
    op.drop_index("ix_alert_dedup_open", table_name="alert")
    op.drop_index(op.f("ix_alert_created_at"), table_name="alert")
    op.drop_table("alert")
    op.drop_index(op.f("ix_response_unit_user_id"), table_name="response_unit")
    op.drop_index(op.f("ix_response_unit_status"), table_name="response_unit")
    op.drop_index(op.f("ix_response_unit_party_code"), table_name="response_unit")
    op.drop_table("response_unit")
    op.drop_index(op.f("ix_webhook_subscription_party_code"), table_name="webhook_subscription")
    op.drop_table("webhook_subscription")


# --- Sensor events and the camera registry (ingest half of live) ----------------------------


def _upgrade_ingest() -> None:
    op.create_table(
        "sensor_event",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("station_code", sa.String(length=10), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=True),
        sa.Column("camera", sa.String(length=80), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("phase", sa.String(length=10), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("occurred_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor_event")),
    )
    op.create_index(op.f("ix_sensor_event_kind"), "sensor_event", ["kind"], unique=False)
    op.create_index(
        op.f("ix_sensor_event_occurred_at"), "sensor_event", ["occurred_at"], unique=False
    )
    op.create_index(
        "ix_sensor_event_station_time",
        "sensor_event",
        ["station_code", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "camera_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera", sa.String(length=80), nullable=False),
        sa.Column("frigate_zone", sa.String(length=80), nullable=False),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=False),
        sa.Column("updated_at", perron.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["station.code"],
            name=op.f("fk_camera_mapping_station_code_station"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_mapping")),
        sa.UniqueConstraint("camera", "frigate_zone", name="uq_camera_mapping"),
    )
    op.create_index(
        op.f("ix_camera_mapping_station_code"), "camera_mapping", ["station_code"], unique=False
    )


def _downgrade_ingest() -> None:
    op.drop_index(op.f("ix_camera_mapping_station_code"), table_name="camera_mapping")
    op.drop_table("camera_mapping")
    op.drop_index("ix_sensor_event_station_time", table_name="sensor_event")
    op.drop_index(op.f("ix_sensor_event_occurred_at"), table_name="sensor_event")
    op.drop_index(op.f("ix_sensor_event_kind"), table_name="sensor_event")
    op.drop_table("sensor_event")

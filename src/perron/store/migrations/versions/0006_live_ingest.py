"""live ingest: fewer indexes on sensor_event

Every stored event updated four indexes. The kind index (six values) and the station-and-time
index served only the filters of ``perron events list``; those now walk the time index newest
first until the limit is reached (slower for a rarely seen station or kind in a large table).
The index on the time (warm-up after a restart, listings newest first) and the primary key
(de-duplication) stay.

Revision ID: 0006_live_ingest
Revises: 0005_forecast
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "0006_live_ingest"
down_revision = "0005_forecast"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_sensor_event_station_time", table_name="sensor_event")
    op.drop_index(op.f("ix_sensor_event_kind"), table_name="sensor_event")


def downgrade() -> None:
    op.create_index(op.f("ix_sensor_event_kind"), "sensor_event", ["kind"], unique=False)
    op.create_index(
        "ix_sensor_event_station_time",
        "sensor_event",
        ["station_code", "occurred_at"],
        unique=False,
    )

"""registry reads: the rollup's month index holds every column

An aggregate over a period reads the rollup rows of those months; with every column in the
month index (month, station, owner, category group, synthetic, count) it reads the index alone.

Revision ID: 0007_registry_reads
Revises: 0006_live_ingest
"""

from alembic import op

revision = "0007_registry_reads"
down_revision = "0006_live_ingest"
branch_labels = None
depends_on = None

_COVER = ["month", "station_code", "owner_party", "category_group", "synthetic", "n"]


def upgrade() -> None:
    op.drop_index("ix_incident_rollup_month_station", table_name="incident_rollup")
    op.create_index("ix_incident_rollup_month_cover", "incident_rollup", _COVER, unique=False)


def downgrade() -> None:
    op.drop_index("ix_incident_rollup_month_cover", table_name="incident_rollup")
    op.create_index(
        "ix_incident_rollup_month_station", "incident_rollup", ["month", "station_code"]
    )

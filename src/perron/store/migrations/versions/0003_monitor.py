"""perception monitor

Revision ID: 0003_monitor
Revises: 0002_registry
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_monitor"
down_revision = "0002_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        sa.Column("response_date", sa.Date(), nullable=False),
        sa.Column("part_of_day", sa.String(length=10), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("safe_day", sa.SmallInteger(), nullable=True),
        sa.Column("safe_evening", sa.SmallInteger(), nullable=True),
        sa.Column("cleanliness", sa.SmallInteger(), nullable=True),
        sa.Column("lighting", sa.SmallInteger(), nullable=True),
        sa.Column("supervision", sa.SmallInteger(), nullable=True),
        sa.Column("overall", sa.SmallInteger(), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("respondent_ref", sa.String(length=64), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["station.code"],
            name=op.f("fk_survey_response_station_code_station"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("source", "respondent_ref", name="uq_survey_response_source_ref"),
    )
    op.create_index(
        "ix_survey_response_date_station",
        "survey_response",
        ["response_date", "station_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_survey_response_station_code"), "survey_response", ["station_code"], unique=False
    )
    op.create_index(
        op.f("ix_survey_response_synthetic"), "survey_response", ["synthetic"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_survey_response_synthetic"), table_name="survey_response")
    op.drop_index(op.f("ix_survey_response_station_code"), table_name="survey_response")
    op.drop_index("ix_survey_response_date_station", table_name="survey_response")
    op.drop_table("survey_response")

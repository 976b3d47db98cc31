"""programme: need index, measures, station deals, budget lines

Revision ID: 0010_programme
Revises: 0009_registry_hardening
"""

import sqlalchemy as sa
from alembic import op

from perron.store.types import UTCDateTime

revision = "0010_programme"
down_revision = "0009_registry_hardening"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _deal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["deal_id"], ["station_deal.id"], name=op.f(f"fk_{table}_deal_id_station_deal")
    )


def upgrade() -> None:
    op.create_table(
        "budget_line",
        _id(),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("funder_party", sa.String(length=20), nullable=False),
        sa.Column("amount_eur", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["funder_party"], ["party.code"], name=op.f("fk_budget_line_funder_party_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_line")),
        sa.UniqueConstraint("code", name=op.f("uq_budget_line_code")),
    )
    op.create_table(
        "station_deal",
        _id(),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["budget_line.id"],
            name=op.f("fk_station_deal_budget_line_id_budget_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_deal")),
        sa.UniqueConstraint("code", name=op.f("uq_station_deal_code")),
    )
    op.create_index(op.f("ix_station_deal_status"), "station_deal", ["status"], unique=False)
    op.create_table(
        "deal_station",
        _id(),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        _deal_fk("deal_station"),
        sa.ForeignKeyConstraint(
            ["station_code"], ["station.code"], name=op.f("fk_deal_station_station_code_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_station")),
        sa.UniqueConstraint("deal_id", "station_code", name=op.f("uq_deal_station_deal_id")),
    )
    op.create_index(op.f("ix_deal_station_deal_id"), "deal_station", ["deal_id"], unique=False)
    op.create_index(
        op.f("ix_deal_station_station_code"), "deal_station", ["station_code"], unique=False
    )
    op.create_table(
        "deal_party",
        _id(),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("party_code", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("budget_share_eur", sa.BigInteger(), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["budget_line.id"],
            name=op.f("fk_deal_party_budget_line_id_budget_line"),
        ),
        _deal_fk("deal_party"),
        sa.ForeignKeyConstraint(
            ["party_code"], ["party.code"], name=op.f("fk_deal_party_party_code_party")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_party")),
        sa.UniqueConstraint("deal_id", "party_code", name=op.f("uq_deal_party_deal_id")),
    )
    op.create_index(op.f("ix_deal_party_deal_id"), "deal_party", ["deal_id"], unique=False)
    op.create_index(op.f("ix_deal_party_party_code"), "deal_party", ["party_code"], unique=False)
    op.create_table(
        "deal_measure",
        _id(),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("measure_code", sa.String(length=40), nullable=False),
        sa.Column("station_code", sa.String(length=8), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=False),
        sa.Column("domain", sa.String(length=20), nullable=False),
        sa.Column("owner_party", sa.String(length=20), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=True),
        sa.Column("cost_eur", sa.BigInteger(), nullable=False),
        sa.Column("spent_eur", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("actual_start", sa.Date(), nullable=True),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["budget_line.id"],
            name=op.f("fk_deal_measure_budget_line_id_budget_line"),
        ),
        _deal_fk("deal_measure"),
        sa.ForeignKeyConstraint(
            ["owner_party"], ["party.code"], name=op.f("fk_deal_measure_owner_party_party")
        ),
        sa.ForeignKeyConstraint(
            ["station_code"], ["station.code"], name=op.f("fk_deal_measure_station_code_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_measure")),
    )
    op.create_index(op.f("ix_deal_measure_deal_id"), "deal_measure", ["deal_id"], unique=False)
    op.create_index(
        op.f("ix_deal_measure_measure_code"), "deal_measure", ["measure_code"], unique=False
    )
    op.create_index(
        "ix_deal_measure_station_status", "deal_measure", ["station_code", "status"], unique=False
    )
    op.create_table(
        "deal_milestone",
        _id(),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        _deal_fk("deal_milestone"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_milestone")),
    )
    op.create_index(op.f("ix_deal_milestone_deal_id"), "deal_milestone", ["deal_id"], unique=False)
    op.create_table(
        "deal_document",
        _id(),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        _deal_fk("deal_document"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_document")),
    )
    op.create_index(op.f("ix_deal_document_deal_id"), "deal_document", ["deal_id"], unique=False)
    op.create_table(
        "deal_change",
        _id(),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("party", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        _deal_fk("deal_change"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_change")),
    )
    op.create_index(op.f("ix_deal_change_deal_id"), "deal_change", ["deal_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_deal_change_deal_id"), table_name="deal_change")
    op.drop_table("deal_change")
    op.drop_index(op.f("ix_deal_document_deal_id"), table_name="deal_document")
    op.drop_table("deal_document")
    op.drop_index(op.f("ix_deal_milestone_deal_id"), table_name="deal_milestone")
    op.drop_table("deal_milestone")
    op.drop_index("ix_deal_measure_station_status", table_name="deal_measure")
    op.drop_index(op.f("ix_deal_measure_measure_code"), table_name="deal_measure")
    op.drop_index(op.f("ix_deal_measure_deal_id"), table_name="deal_measure")
    op.drop_table("deal_measure")
    op.drop_index(op.f("ix_deal_party_party_code"), table_name="deal_party")
    op.drop_index(op.f("ix_deal_party_deal_id"), table_name="deal_party")
    op.drop_table("deal_party")
    op.drop_index(op.f("ix_deal_station_station_code"), table_name="deal_station")
    op.drop_index(op.f("ix_deal_station_deal_id"), table_name="deal_station")
    op.drop_table("deal_station")
    op.drop_index(op.f("ix_station_deal_status"), table_name="station_deal")
    op.drop_table("station_deal")
    op.drop_table("budget_line")

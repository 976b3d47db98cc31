"""Tables of the monitor capability: responses to the station perception survey."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base


class SurveyResponse(Base):
    """One traveller's answers about one station (Stationsbelevingsmonitor).

    The six items are scores 1-10; any of them may be missing. No names or contact details are
    stored: ``respondent_ref`` is the reference of the survey party (or of the generator) and,
    together with ``source``, makes an import idempotent.
    """

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("source", "respondent_ref", name="uq_survey_response_source_ref"),
        Index("ix_survey_response_date_station", "response_date", "station_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)
    response_date: Mapped[date] = mapped_column(Date)
    part_of_day: Mapped[str] = mapped_column(String(10))  # morning|afternoon|evening|night
    gender: Mapped[str] = mapped_column(String(8))  # man|vrouw|anders
    age_band: Mapped[str] = mapped_column(String(8))  # 16-24|25-34|35-49|50-64|65+
    frequency: Mapped[str] = mapped_column(String(10))  # daily|weekly|monthly|rarely
    safe_day: Mapped[int | None] = mapped_column(SmallInteger)
    safe_evening: Mapped[int | None] = mapped_column(SmallInteger)
    cleanliness: Mapped[int | None] = mapped_column(SmallInteger)
    lighting: Mapped[int | None] = mapped_column(SmallInteger)
    supervision: Mapped[int | None] = mapped_column(SmallInteger)
    overall: Mapped[int | None] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(120))
    respondent_ref: Mapped[str] = mapped_column(String(64))
    synthetic: Mapped[bool] = mapped_column(Boolean, index=True)

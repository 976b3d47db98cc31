"""Tables of the effect capability: stored evaluations of measures and panels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from perron.store.base import Base
from perron.store.types import UTCDateTime


class EffectEvaluation(Base):
    """One evaluation: who ran it for which party, on which panel, and its full result (JSON).

    ``panel_sha256`` identifies the exact panel evaluated; ``synthetic`` marks evaluations of
    generated or demo data, which are labelled so wherever they are shown.
    """

    __tablename__ = "effect_evaluation"
    __table_args__ = (Index("ix_effect_evaluation_party_created", "party", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    party: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # panel|measure|registry|demo
    measure_id: Mapped[str | None] = mapped_column(String(64), index=True)
    method: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(120))
    att: Mapped[float] = mapped_column(Float)
    relative: Mapped[float | None] = mapped_column(Float)
    credible: Mapped[bool] = mapped_column(Boolean)
    synthetic: Mapped[bool] = mapped_column(Boolean)
    panel_sha256: Mapped[str] = mapped_column(String(64))
    result_json: Mapped[str] = mapped_column(Text)

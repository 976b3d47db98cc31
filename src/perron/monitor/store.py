"""Reading and writing survey responses: bulk inserts and DataFrames for scoring."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session

from perron.monitor.model import ITEMS
from perron.store.tables.monitor import SurveyResponse
from perron.store.tables.reference import Station

CHUNK = 10_000
COLUMNS = (
    "station_code",
    "response_date",
    "part_of_day",
    "gender",
    "age_band",
    "frequency",
    *ITEMS,
    "source",
    "respondent_ref",
    "synthetic",
)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts for a Core insert: dates as dates, missing items as None."""
    out = pd.DataFrame(index=frame.index)
    for col in ("station_code", "part_of_day", "gender", "age_band", "frequency"):
        out[col] = frame[col].astype(str)
    out["response_date"] = pd.to_datetime(frame["response_date"]).dt.date
    for item in ITEMS:
        values = frame[item].to_numpy(dtype=np.float64)
        col = np.empty(len(values), dtype=object)
        ok = ~np.isnan(values)
        col[ok] = values[ok].astype(np.int64).tolist()
        col[~ok] = None
        out[item] = col
    out["source"] = frame["source"].astype(str)
    out["respondent_ref"] = frame["respondent_ref"].astype(str)
    out["synthetic"] = frame["synthetic"].astype(bool)
    return out[list(COLUMNS)].to_dict("records")


def insert_frame(
    session: Session, frame: pd.DataFrame, step: Callable[[int], None] | None = None
) -> int:
    """Insert every row of ``frame`` in chunks (one executemany per chunk)."""
    records = _records(frame)
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        session.execute(insert(SurveyResponse), chunk)
        if step:
            step(len(chunk))
    return len(records)


def delete_synthetic_years(session: Session, years: Iterable[int]) -> int:
    """Remove the synthetic responses of ``years`` (before generating them again)."""
    removed = 0
    for y in years:
        result = session.execute(
            delete(SurveyResponse).where(
                SurveyResponse.synthetic.is_(True),
                SurveyResponse.response_date >= date(y, 1, 1),
                SurveyResponse.response_date <= date(y, 12, 31),
            )
        )
        removed += result.rowcount or 0
    return removed


def delete_keys(session: Session, source: str, refs: list[str]) -> int:
    """Remove the responses with these (source, respondent_ref) keys (for re-imports)."""
    removed = 0
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        result = session.execute(
            delete(SurveyResponse).where(
                SurveyResponse.source == source, SurveyResponse.respondent_ref.in_(chunk)
            )
        )
        removed += result.rowcount or 0
    return removed


def stations_frame(session: Session) -> pd.DataFrame:
    """Stations indexed by code with name, size class, travellers and position."""
    rows = session.execute(
        select(
            Station.code,
            Station.name_long,
            Station.size_class,
            Station.travellers_per_day,
            Station.lat,
            Station.lng,
        )
    ).all()
    frame = pd.DataFrame(
        rows, columns=["code", "name", "size_class", "travellers_per_day", "lat", "lng"]
    )
    return frame.set_index("code", drop=False)


def load_frame(
    session: Session,
    start: date | None = None,
    end: date | None = None,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Responses between ``start`` and ``end`` (or of ``years``) with each station's size class,
    as a DataFrame ready for :func:`perron.monitor.scores.add_weights`."""
    conditions = []
    if years is not None:
        years = sorted(set(years))
        conditions.append(SurveyResponse.response_date >= date(years[0], 1, 1))
        conditions.append(SurveyResponse.response_date <= date(years[-1], 12, 31))
    if start is not None:
        conditions.append(SurveyResponse.response_date >= start)
    if end is not None:
        conditions.append(SurveyResponse.response_date <= end)
    cols = [
        SurveyResponse.station_code,
        SurveyResponse.response_date,
        SurveyResponse.part_of_day,
        SurveyResponse.gender,
        SurveyResponse.age_band,
        SurveyResponse.frequency,
        *(getattr(SurveyResponse, item) for item in ITEMS),
        SurveyResponse.synthetic,
        Station.size_class,
    ]
    stmt = select(*cols).join(Station, Station.code == SurveyResponse.station_code)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    rows = session.execute(stmt).all()
    names = [
        "station_code",
        "response_date",
        "part_of_day",
        "gender",
        "age_band",
        "frequency",
        *ITEMS,
        "synthetic",
        "size_class",
    ]
    frame = pd.DataFrame(rows, columns=names)
    for item in ITEMS:
        frame[item] = pd.to_numeric(frame[item], errors="coerce").astype(np.float64)
    frame["response_date"] = pd.to_datetime(frame["response_date"])
    frame["year"] = frame["response_date"].dt.year.astype(np.int64)
    frame["synthetic"] = frame["synthetic"].astype(bool)
    if years is not None:
        frame = frame[frame["year"].isin(list(years))]
    return frame


def available_years(session: Session) -> list[int]:
    """Years that have responses, oldest first."""
    dates = session.execute(
        select(func.min(SurveyResponse.response_date), func.max(SurveyResponse.response_date))
    ).one()
    if dates[0] is None:
        return []
    first, last = (pd.Timestamp(d).year for d in dates)
    present = []
    for y in range(first, last + 1):
        hit = session.scalar(
            select(SurveyResponse.id)
            .where(
                SurveyResponse.response_date >= date(y, 1, 1),
                SurveyResponse.response_date <= date(y, 12, 31),
            )
            .limit(1)
        )
        if hit is not None:
            present.append(y)
    return present

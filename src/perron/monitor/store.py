"""Reading and writing survey responses: bulk inserts and DataFrames for scoring."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import CursorResult, String, and_, cast, delete, event, func, select
from sqlalchemy.orm import Session

from perron.monitor.model import AGE_BANDS, GENDERS, ITEMS, SIZE_CLASSES
from perron.store.dialect import bulk_insert
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


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows of ``frame`` as tuples in the order of ``COLUMNS``: dates as ISO text, missing
    items as None."""
    cols: list[list[Any]] = []
    cols.append(frame["station_code"].astype(str).tolist())
    cols.append(pd.to_datetime(frame["response_date"]).dt.strftime("%Y-%m-%d").tolist())
    for name in ("part_of_day", "gender", "age_band", "frequency"):
        cols.append(frame[name].astype(str).tolist())
    for item in ITEMS:
        values = frame[item].to_numpy(dtype=np.float64)
        col = np.empty(len(values), dtype=object)
        ok = ~np.isnan(values)
        col[ok] = values[ok].astype(np.int64).tolist()
        col[~ok] = None
        cols.append(col.tolist())
    cols.append(frame["source"].astype(str).tolist())
    cols.append(frame["respondent_ref"].astype(str).tolist())
    cols.append(frame["synthetic"].astype(bool).tolist())
    return list(zip(*cols, strict=True))


#: bumped by every write of this process, so that cached results (perron.monitor.service)
#: never outlive a change made here, even one that leaves count and highest id as they were
_GENERATION = [0]
_VERSION_KEY = "perron.monitor.data_version"
_PENDING_KEY = "perron.monitor.pending_write"


def _changed(session: Session) -> None:
    _bump(session)
    if not session.info.get(_PENDING_KEY):
        # and once more when the transaction ends: a reader that cached the old data between
        # this write and its commit keeps it under a generation that is then out of date
        session.info[_PENDING_KEY] = True
        event.listen(session, "after_commit", _bump, once=True)
        event.listen(session, "after_rollback", _bump, once=True)


def _bump(session: Session) -> None:
    _GENERATION[0] += 1
    session.info.pop(_VERSION_KEY, None)
    session.info.pop(_PENDING_KEY, None)


def insert_frame(
    session: Session, frame: pd.DataFrame, step: Callable[[int], None] | None = None
) -> int:
    """Insert every row of ``frame`` in the session's transaction, in chunks.

    PostgreSQL gets COPY, SQLite the driver's executemany: both skip per-row statement
    compilation, which dominates the time of an ORM or Core insert of 100,000s of rows."""
    _changed(session)

    def as_date(rec: dict[str, Any]) -> dict[str, Any]:
        return {**rec, "response_date": date.fromisoformat(rec["response_date"])}

    return bulk_insert(
        session,
        SurveyResponse.__table__,
        COLUMNS,
        _rows(frame),
        chunk=CHUNK,
        step=step,
        convert=as_date,
    )


def delete_synthetic_years(session: Session, years: Iterable[int]) -> int:
    """Remove the synthetic responses of ``years`` (before generating them again)."""
    _changed(session)
    removed = 0
    for y in years:
        result = session.execute(
            delete(SurveyResponse).where(
                SurveyResponse.synthetic.is_(True),
                SurveyResponse.response_date >= date(y, 1, 1),
                SurveyResponse.response_date <= date(y, 12, 31),
            )
        )
        assert isinstance(result, CursorResult)  # a DELETE gives its cursor's row count
        removed += result.rowcount or 0
    return removed


def delete_keys(session: Session, source: str, refs: list[str]) -> int:
    """Remove the responses with these (source, respondent_ref) keys (for re-imports)."""
    _changed(session)
    removed = 0
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        result = session.execute(
            delete(SurveyResponse).where(
                SurveyResponse.source == source, SurveyResponse.respondent_ref.in_(chunk)
            )
        )
        assert isinstance(result, CursorResult)  # a DELETE gives its cursor's row count
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
    as a DataFrame ready for :func:`perron.monitor.scores.add_weights` (the columns scoring
    needs: station, date, gender, age band, the items, synthetic, size class, year)."""
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
        cast(SurveyResponse.response_date, String),  # text: parsed below in one vectorised go
        SurveyResponse.gender,
        SurveyResponse.age_band,
        *(getattr(SurveyResponse, item) for item in ITEMS),
        SurveyResponse.synthetic,
    ]
    stmt = select(*cols)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    rows = session.execute(stmt).all()
    names = ["station_code", "response_date", "gender", "age_band", *ITEMS, "synthetic"]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    data: dict[str, Any] = {}
    for name, values in zip(names, columns, strict=True):
        if name in ITEMS:
            data[name] = np.array(values, dtype=np.float64)  # None becomes NaN
        elif name == "synthetic":
            data[name] = np.array(values, dtype=bool)
        elif name == "response_date":
            data[name] = pd.to_datetime(
                pd.Series(values, dtype=object).str.slice(0, 10), format="%Y-%m-%d"
            )
        elif name == "gender":
            data[name] = pd.Categorical(values, categories=GENDERS)
        elif name == "age_band":
            data[name] = pd.Categorical(values, categories=AGE_BANDS)
        else:
            data[name] = pd.Categorical(values)
    frame = pd.DataFrame(data)
    frame["year"] = frame["response_date"].dt.year.astype(np.int64)
    sizes = dict(session.execute(select(Station.code, Station.size_class)).all())
    frame["size_class"] = pd.Categorical(
        frame["station_code"].astype(object).map(sizes), categories=SIZE_CLASSES
    )
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


def data_version(session: Session) -> tuple[int, int]:
    """(number of responses, highest id): changes whenever responses are added or replaced."""
    count, top = session.execute(select(func.count(), func.max(SurveyResponse.id))).one()
    return int(count or 0), int(top or 0)


def version(session: Session) -> tuple[Any, ...]:
    """What cached results depend on: the database, the range of response ids (rows added or
    replaced by another process change it) and this process's writes.

    Read once per session (a request) and kept in ``session.info`` until a write of this module
    through the session; a new session reads it afresh, so changes by other processes count
    from their next request on."""
    found = session.info.get(_VERSION_KEY)
    if found is None:
        # two look-ups in the primary key (one query each: SQLite optimises a lone min or max
        # only), where a count would read every row
        low = session.scalar(select(func.min(SurveyResponse.id)))
        top = session.scalar(select(func.max(SurveyResponse.id)))
        found = (str(session.get_bind().engine.url), low, top, _GENERATION[0])
        session.info[_VERSION_KEY] = found
    return found

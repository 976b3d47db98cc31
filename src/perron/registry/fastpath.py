"""The fast path of the CSV import: the file read with Arrow's CSV reader, columns validated
at once with pandas, new incidents written through the driver in multi-row statements and their
first versions copied from them in the database.

It gives the same result as the row-by-row path of :mod:`perron.registry.importers` and steps
aside (returns ``None``) whenever that path must speak: when any row is wrong (so the report
is the row-by-row one, naming row, field and reason), when the file cannot be read as a plain
table, or when any of its references is already registered (corrections and unchanged rows
are decided row by row). A value the vectorised checks are unsure about (a time with an offset,
a local time that falls in the summer-time change) is parsed the row-by-row way.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.pseudonym import is_pseudonym, pseudonymise
from perron.config import get_settings
from perron.domain.incidents import (
    PARTY_REF_LIMIT,
    TEXT_LIMITS,
    YEARS,
    Severity,
    Source,
    Status,
    VictimRole,
)
from perron.domain.taxonomy import CATEGORIES
from perron.domain.zones import ZONE_CODES
from perron.registry.incidents import FACT_FIELDS
from perron.registry.profiles import Profile
from perron.registry.results import CHUNK, ImportResult, Progress
from perron.store.dialect import (
    drop_secondary_indexes,
    is_sqlite,
    large_write_cache,
    param_marker,
    refresh_statistics,
)
from perron.store.tables.accounts import Party
from perron.store.tables.reference import LevelCrossing, Station
from perron.store.tables.registry import Incident

#: below this many rows the row-by-row path is fast enough and the fast path is not tried
MIN_ROWS = 2_000
#: values bound in one multi-row insert statement (SQLite before 3.32 allows 999)
ROW_VALUES = 999
#: page cache of the connection during a large SQLite import, in KiB: at least CACHE_KIB,
#: CACHE_KIB_PER_ROW for every row (an incident, its version and their index entries take about
#: half a KiB) so that building the indexes reads the new rows from memory, at most CACHE_MAX_KIB
CACHE_KIB = 262_144
CACHE_KIB_PER_ROW = 1
CACHE_MAX_KIB = 1_048_576
_PLAIN_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")


class _Unsure(Exception):
    """The fast path cannot decide; the row-by-row path takes over."""


# On PostgreSQL, an import of at least this many rows that (at least) doubles the registry
# refreshes the planner's statistics before it commits.
ANALYZE_MIN_ROWS = 10_000
#: the registry's two tables, which an import writes
_TABLES = ("incident", "incident_version")


def _frame(raw: bytes) -> pd.DataFrame:
    """Every column of the file as text, read by Arrow's CSV reader (the delimiter and header
    as the row-by-row path finds them); anything it cannot read as a plain table is unsure."""
    try:
        text = raw.decode("utf-8-sig")
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), None)
        if not header or len(set(header)) != len(header):
            raise _Unsure("no header, or duplicate column names")
        table = pacsv.read_csv(
            io.BytesIO(raw.removeprefix(b"\xef\xbb\xbf")),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (ValueError, csv.Error) as exc:  # pa.ArrowInvalid and UnicodeDecodeError included
        raise _Unsure(str(exc)) from None
    if table.column_names != header:
        raise _Unsure("header read differently")
    return table.to_pandas()


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    return df[column].fillna("").astype(str).str.strip()


def _mapped(profile: Profile, name: str, s: pd.Series) -> pd.Series:
    mapping = profile.values.get(name)
    if not mapping:
        return s
    hit = s.isin(list(mapping))
    if not hit.any():
        return s
    out = s.copy()
    out[hit] = s[hit].map(mapping)
    if name != "category" and out[hit].isna().any():
        raise _Unsure(f"{name} mapped to nothing")
    return out


def _times(profile: Profile, s: pd.Series, tz: ZoneInfo) -> np.ndarray:
    """UTC datetime64[us] values (NaT where empty) of a column of local or offset times."""
    empty = (s == "").to_numpy()
    if profile.datetime_format == "iso":
        plain = s.str.match(_PLAIN_ISO).to_numpy()
        parsed = pd.to_datetime(s.where(plain, None), format="ISO8601", errors="coerce")
    else:
        plain = ~empty
        parsed = pd.to_datetime(
            s.where(~empty, None), format=profile.datetime_format, errors="coerce"
        )
    local = parsed.dt.tz_localize(profile.timezone, ambiguous="NaT", nonexistent="NaT")
    utc = (
        local.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]", copy=True)
    )
    slow = ~empty & np.isnat(utc)
    if slow.any():
        values = s.to_numpy()
        for i in np.flatnonzero(slow):
            utc[i] = np.datetime64(_one_time(profile, values[i], tz).replace(tzinfo=None), "us")
    return utc


def _one_time(profile: Profile, value: str, tz: ZoneInfo) -> datetime:
    try:
        if profile.datetime_format == "iso":
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            dt = datetime.strptime(value, profile.datetime_format)
    except ValueError:
        raise _Unsure("not a time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    if not YEARS[0] <= dt.year <= YEARS[1]:
        raise _Unsure("year out of range")
    return dt.astimezone(UTC)


def _check_in(s: pd.Series, allowed, optional: bool = True) -> None:
    bad = ~s.isin(list(allowed))
    if optional:
        bad &= s.notna() & (s != "")
    if bad.any():
        raise _Unsure("value not allowed")


def _columns(
    df: pd.DataFrame, profile: Profile, stations: set[str], crossings: set[int], key: bytes
) -> tuple[dict[str, Any], int]:
    """The validated columns of the new incidents, and the number of rows skipped."""
    cols = profile.columns
    if not any(c in df.columns for c in cols.values()):
        raise _Unsure("no column of the profile")
    s = {name: _text(df, column) for name, column in cols.items() if column in df.columns}
    if any(name not in s for name in ("party_ref", "category", "occurred_at")):
        raise _Unsure("a required column is missing")
    for name in list(s):
        s[name] = _mapped(profile, name, s[name])
    skipped = 0
    category = s["category"]
    unmapped = category.isna()
    if unmapped.any():
        if not profile.skip_unmapped_category:
            raise _Unsure("not a safety-related category")
        keep = ~unmapped
        skipped = int(unmapped.sum())
        s = {k: v[keep] for k, v in s.items()}
        df = df[keep]
    n = len(df)
    for name in ("party_ref", "category", "occurred_at"):
        if (s[name] == "").any():
            raise _Unsure(f"{name} required")
    for series in s.values():
        if series.str.contains("\x00", regex=False).any():
            raise _Unsure("NUL byte")
    for name, limit in (("party_ref", PARTY_REF_LIMIT), *TEXT_LIMITS.items()):
        if name in s and (s[name].str.len() > limit).any():
            raise _Unsure(f"{name} too long")
    refs = s["party_ref"].tolist()
    if len(set(refs)) != len(refs):
        raise _Unsure("duplicate reference")
    _check_in(s["category"], CATEGORIES, optional=False)
    station = s.get("station_code", pd.Series([""] * n, index=df.index)).str.upper()
    _check_in(station, stations)
    for name, allowed in (
        ("zone", ZONE_CODES),
        ("severity", [v.value for v in Severity]),
        ("status", [v.value for v in Status]),
        ("victim_role", [v.value for v in VictimRole]),
    ):
        if name in s:
            _check_in(s[name], allowed)
    tz = ZoneInfo(profile.timezone)
    occurred = _times(profile, s["occurred_at"], tz)
    if "reported_at" in s:
        reported = _times(profile, s["reported_at"], tz)
        if (~np.isnat(reported) & (reported < occurred)).any():
            raise _Unsure("reported before occurred")
    else:
        reported = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    for stamps in (occurred, reported):
        years = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
        if (~np.isnat(stamps) & ((years < YEARS[0]) | (years > YEARS[1]))).any():
            raise _Unsure("year out of range")
    out: dict[str, Any] = {"party_ref": refs, "category": s["category"].tolist()}
    nothing = [None] * n

    def opt(name: str, series: pd.Series | None = None) -> list:
        """The column's values with None for empty cells (all None when it is absent)."""
        series = s.get(name) if series is None else series
        if series is None:
            return nothing
        empty = (series == "").to_numpy(dtype=bool)
        if empty.all():
            return nothing
        values = series.to_numpy(dtype=object, copy=True)
        values[empty] = None
        return values.tolist()

    out["station_code"] = opt("station_code", station)
    out["zone"] = opt("zone")
    out["victim_role"] = opt("victim_role")
    out["description"] = opt("description")
    out["line_section"] = opt("line_section")
    medium, open_ = Severity.MEDIUM.value, Status.OPEN.value
    severity, status = opt("severity"), opt("status")
    out["severity"] = [medium] * n if severity is nothing else [v or medium for v in severity]
    out["status"] = [open_] * n if status is nothing else [v or open_ for v in status]
    crossing: list = opt("level_crossing_id")
    if crossing is not nothing:
        try:
            crossing = [int(v) if v else None for v in crossing]
        except ValueError:
            raise _Unsure("level crossing") from None
        if any(v is not None and v not in crossings for v in crossing):
            raise _Unsure("unknown level crossing")
    out["level_crossing_id"] = crossing
    point = {}
    for name in ("lat", "lng"):
        column = opt(name)
        if column is nothing:
            point[name] = np.full(n, np.nan)
            out[name] = nothing
            continue
        text = np.array(column, dtype=object)
        given = text != None  # noqa: E711 - elementwise
        number = np.full(n, np.nan)
        try:
            # float() of each text, as the row-by-row path reads it
            number[given] = np.char.replace(text[given].astype(str), ",", ".").astype(float)
        except ValueError:
            raise _Unsure(name) from None
        if np.isnan(number[given]).any():
            raise _Unsure(name)
        point[name] = number
        out[name] = [None if np.isnan(v) else v for v in number.tolist()]
    lat, lng = point["lat"], point["lng"]
    has_lat, has_lng = ~np.isnan(lat), ~np.isnan(lng)
    if (has_lat != has_lng).any():
        raise _Unsure("point")
    with np.errstate(invalid="ignore"):
        inside = (lat >= 50.0) & (lat <= 54.0) & (lng >= 3.0) & (lng <= 7.5)
    if (has_lat & ~inside).any():
        raise _Unsure("point")
    located = (station != "").to_numpy(dtype=bool) | has_lat
    for located_by in (out["line_section"], crossing):
        if located_by is not nothing:
            located |= np.array([v is not None for v in located_by], dtype=bool)
    if n and not located.all():
        raise _Unsure("no location")
    for name in FACT_FIELDS:
        if name in profile.person_fields and name in s:
            raw = opt(name)
            cache: dict[str, str] = {}
            for v in set(raw) - {None}:
                cache[v] = v if is_pseudonym(v) else pseudonymise(v, key)
            out[name] = [cache.get(v) if v is not None else None for v in raw]
        elif name in profile.person_fields:
            out[name] = nothing
    out.setdefault("person_ref", nothing)
    out["occurred_at"] = occurred
    out["reported_at"] = reported
    return out, skipped


def _stamp(values: np.ndarray, sqlite: bool) -> list:
    """Timestamps as the store writes them (SQLite: UTC text without zone, as
    ``datetime.isoformat(" ", "microseconds")`` gives it)."""
    missing = np.isnat(values)
    if missing.all():
        return [None] * len(values)
    if sqlite:
        text = pc.cast(pa.array(values, from_pandas=True), pa.string())
        return text.to_numpy(zero_copy_only=False).tolist()
    return [None if v is None else v.replace(tzinfo=UTC) for v in values.astype(object).tolist()]


def import_csv(
    session: Session,
    path: Path,
    raw: bytes,
    party: str,
    profile: Profile,
    author: str,
    digest: str,
    progress: Progress | None = None,
) -> ImportResult | None:
    """Import a CSV file of new incidents the fast way; ``None`` when the row-by-row path must
    do it (wrong rows, known references, an unusual file)."""
    progress = progress or (lambda *_: None)
    if raw.count(b"\n") < MIN_ROWS or session.get(Party, party) is None:
        return None
    stations = set(session.scalars(select(Station.code)))
    crossings = set(session.scalars(select(LevelCrossing.id)))
    try:
        df = _frame(raw)
        progress("validating", 0, len(df))
        cols, skipped = _columns(
            df, profile, stations, crossings, get_settings().secret("pseudonym_key")
        )
    except _Unsure:
        return None
    n = len(cols["party_ref"])
    refs = cols["party_ref"]
    registered = session.scalar(select(Incident.id).where(Incident.party_code == party).limit(1))
    for start in range(0, n if registered is not None else 0, CHUNK):
        known = session.scalar(
            select(func.count())
            .select_from(Incident)
            .where(
                Incident.party_code == party, Incident.party_ref.in_(refs[start : start + CHUNK])
            )
        )
        if known:
            return None
    result = ImportResult(file=path.name, party=party, profile=profile.name)
    result.rows = len(df)
    result.skipped = skipped
    if n == 0:
        return None
    conn = session.connection()
    # a large import touches every index page: give this connection a big page cache for the
    # duration of the import
    kib = min(CACHE_MAX_KIB, max(CACHE_KIB, n * CACHE_KIB_PER_ROW))
    with large_write_cache(conn, kib):
        _write_new(session, party, author, cols, refs, n, is_sqlite(conn), progress)
    result.created = n
    audit.record(
        session,
        actor=author,
        party=party,
        purpose="administration",
        action="incidents.import",
        subject=f"file/{result.file}",
        detail={
            "sha256": digest,
            "profile": result.profile,
            "created": result.created,
            "corrected": 0,
            "unchanged": 0,
            "skipped": result.skipped,
        },
    )
    return result


def _write_new(
    session: Session,
    party: str,
    author: str,
    cols: dict[str, Any],
    refs: list[str],
    n: int,
    sqlite: bool,
    progress: Progress,
) -> None:
    """Insert the incidents through the driver, then their first versions with one
    ``INSERT … SELECT`` from the rows just written.

    Columns that are empty in the whole file and the values that are the same for every row
    (party, source, version, time of writing) are written as constants of the statement, so the
    driver binds only what varies. Into a (nearly) empty SQLite registry the secondary indexes
    are dropped for the load and built again afterwards, in the same transaction: sorting once
    is cheaper than a million scattered index updates."""
    now = datetime.now(UTC)
    now_value = now.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else now
    occurred = _stamp(cols.pop("occurred_at"), sqlite)
    reported = _stamp(cols.pop("reported_at"), sqlite)
    values = {
        k: occurred if k == "occurred_at" else reported if k == "reported_at" else cols[k]
        for k in FACT_FIELDS
    }
    values["party_ref"] = refs
    bound = [k for k, v in values.items() if v[0] is not None or v.count(None) != n]
    constant: dict[str, Any] = {k: None for k in values if k not in bound}
    constant.update(
        party_code=party,
        source=Source.PARTY.value,
        synthetic=False,
        version=1,
        created_at=now_value if sqlite else now.isoformat(),
    )
    conn = session.connection()
    marker = param_marker(conn)
    head = f"INSERT INTO incident ({', '.join([*bound, *constant])}) VALUES "
    literals = [_literal(v) for v in constant.values()]
    if marker == "%s":  # the driver reads % as the start of a placeholder
        literals = [v.replace("%", "%%") for v in literals]
    one_row = f"({', '.join([marker] * len(bound) + literals)})"
    before = session.scalar(select(func.max(Incident.id))) or 0
    columns = [values[k] for k in bound]
    width = len(columns)
    # several rows per statement: binding is the same, stepping the statement is not
    per_statement = max(1, ROW_VALUES // width)
    full = head + ", ".join([one_row] * per_statement)
    driver = conn.connection.driver_connection
    assert driver is not None  # an open connection of the session
    cursor = driver.cursor()
    rebuild: list[str] = []
    step = per_statement * (CHUNK * 10 // per_statement)
    for start in range(0, n, step):
        stop = min(start + step, n)
        for first in range(start, stop, per_statement):
            last = min(first + per_statement, stop)
            flat: list[Any] = [None] * ((last - first) * width)
            for j, column in enumerate(columns):
                flat[j::width] = column[first:last]
            if last - first == per_statement:
                cursor.execute(full, flat)
            else:
                cursor.execute(head + ", ".join([one_row] * (last - first)), flat)
        if start == 0 and sqlite and before < n:
            rebuild = drop_secondary_indexes(conn, _TABLES)
        progress("writing incidents", stop, n)
    cursor.close()
    fact_list = ", ".join(FACT_FIELDS)
    conn.exec_driver_sql(
        f"INSERT INTO incident_version ({fact_list}, incident_id, version, recorded_at, "
        f"recorded_by, reason) SELECT {fact_list}, id, 1, created_at, {marker}, NULL "
        # the rows of this import: after the highest id before it, of this party, written at
        # this moment (party_code || '' keeps SQLite on the primary key instead of an index
        # on the party, which would need a sort by id)
        f"FROM incident WHERE id > {marker} AND party_code || '' = {marker} "
        f"AND created_at = {marker} ORDER BY id",
        (author, before, party, now_value),
    )
    progress("writing versions", n, n)
    for ddl in rebuild:
        conn.exec_driver_sql(ddl)
    if rebuild:
        progress("indexing", n, n)
    if n >= max(before, ANALYZE_MIN_ROWS):
        # a registry that (at least) doubled: fresh planner statistics
        refresh_statistics(conn, _TABLES)


def _literal(value: Any) -> str:
    """A constant of the insert statement as SQL text (only values the import itself decided:
    NULL, the validated party code, enumeration values, numbers and the time of writing)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


__all__ = ["MIN_ROWS", "import_csv"]

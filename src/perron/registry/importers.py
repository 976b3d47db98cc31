"""Import of incident files (CSV, XLSX, JSON) through a mapping profile.

Every row is validated first; if any row is wrong, the report names file, row, field, value and
reason for each, and nothing is written. Otherwise everything is written in one transaction.
Re-importing the same file changes nothing: incidents are keyed on (party, party's reference);
a row whose facts changed becomes a correction (a new version) with the file as its reason.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from perron.access import audit
from perron.access.pseudonym import is_pseudonym, pseudonymise
from perron.config import get_settings
from perron.domain.incidents import (
    PARTY_REF_LIMIT,
    TEXT_LIMITS,
    YEARS,
    IncidentError,
    IncidentFacts,
    Severity,
    Source,
    Status,
    VictimRole,
    text_problem,
)
from perron.domain.taxonomy import CATEGORIES
from perron.domain.zones import ZONE_CODES
from perron.registry import fastpath
from perron.registry.incidents import FACT_FIELDS
from perron.registry.profiles import Profile, default_profile
from perron.registry.results import CHUNK, ImportResult, Progress, RowError
from perron.store.dialect import is_sqlite, param_marker
from perron.store.tables.accounts import Party
from perron.store.tables.reference import LevelCrossing, Station
from perron.store.tables.registry import Incident, IncidentVersion

#: the longest value of any other text field, in characters
OTHER_TEXT_LIMIT = 200
#: how much of a wrong value a report repeats
SHOWN_VALUE = 120
# a cell may be as long as an upload (the limits per field are checked after reading, so that
# the report names the field); Python's default would stop the reader at 128 KiB
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
TIME_COLUMNS = frozenset({"occurred_at", "reported_at", "created_at", "recorded_at"})


class HeaderError(ValueError):
    """The header row of a file cannot be read as the names of distinct columns."""

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"column {header!r} {reason}")
        self.header = header
        self.reason = reason


def _check_header(names: Iterable[Any]) -> None:
    seen: set[str] = set()
    for name in names:
        text = "" if name is None else str(name).strip()
        if not text:
            continue
        if text in seen:
            raise HeaderError(text, "appears more than once in the header")
        seen.add(text)


def _limit(name: str) -> int:
    if name == "party_ref":
        return PARTY_REF_LIMIT
    return TEXT_LIMITS.get(name, OTHER_TEXT_LIMIT)


class ImportRejected(Exception):
    """The file was rejected; ``result.errors`` says why, row by row."""

    def __init__(self, result: ImportResult) -> None:
        first = result.errors[0] if result.errors else "no rows"
        super().__init__(f"{len(result.errors)} error(s); first: {first}")
        self.result = result


# ---- reading ---------------------------------------------------------------------------------


def read_rows(path: Path, data: bytes | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number as a person sees it in the file, row as a dict) for CSV, XLSX or JSON."""
    suffix = path.suffix.lower()
    raw = data if data is not None else path.read_bytes()
    if suffix in (".csv", ".txt"):
        text = raw.decode("utf-8-sig")
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        _check_header(reader.fieldnames or ())
        for i, row in enumerate(reader, start=2):
            yield i, row
    elif suffix == ".json":
        try:
            doc = json.loads(raw)
        except RecursionError:
            raise ValueError(f"{path.name}: the JSON is nested too deeply") from None
        items = doc.get("incidents", doc) if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise ValueError(f"{path.name}: expected a list of incidents or {{'incidents': [...]}}")
        for i, item in enumerate(items, start=1):
            yield i, item
    elif suffix == ".xlsx":
        yield from _xlsx_rows(path, raw)
    else:
        raise ValueError(f"{path.name}: unknown file type {suffix!r}; use .csv, .xlsx or .json")


def _xlsx_rows(path: Path, raw: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The rows of the first sheet; anything openpyxl cannot read (not a zip, a damaged
    workbook, no sheet) is a ValueError naming the file."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
            _check_header(header)
            out = [
                (i, dict(zip(header, values, strict=False)))
                for i, values in enumerate(rows, start=2)
                if values is not None and not all(v is None for v in values)
            ]
        finally:
            book.close()
    except HeaderError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValueError(
            f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})"
        ) from None
    return out


# ---- validating ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, profile: Profile, stations: set[str], crossings: set[int], key: bytes):
        self.p = profile
        self.tz = ZoneInfo(profile.timezone)
        self.stations = stations
        self.crossings = crossings
        self.key = key

    def _time(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            dt = value
        elif self.p.datetime_format == "iso":
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        else:
            dt = datetime.strptime(str(value).strip(), self.p.datetime_format)
        if not YEARS[0] <= dt.year <= YEARS[1]:
            raise ValueError(f"the year must lie between {YEARS[0]} and {YEARS[1]}")
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.tz)
        return dt.astimezone(UTC)

    def parse(self, row: dict[str, Any], fail: Callable[[str, Any, str], None]) -> dict | None:
        """Return the record of a row, None when it is skipped (not safety related), or an empty
        dict when it is wrong;
        calls ``fail(field, value, reason)`` for every wrong field."""
        out: dict[str, Any] = {}
        ok = True
        for name, column in self.p.columns.items():
            value = row.get(column)
            if isinstance(value, str):
                value = value.strip()
            if value in ("", None):
                out[name] = None
                continue
            if name in self.p.values:
                mapping = self.p.values[name]
                if str(value) in mapping:
                    value = mapping[str(value)]
                    if value is None and name == "category":
                        if self.p.skip_unmapped_category:
                            return None
                        fail(column, row.get(column), "not a safety-related category")
                        ok = False
                        continue
            try:
                out[name] = self._field(name, value)
            except (ValueError, TypeError, OverflowError) as exc:
                fail(column, row.get(column), str(exc) or "invalid value")
                ok = False
        for name in ("party_ref", "category", "occurred_at"):
            if out.get(name) is None and ok:
                fail(self.p.columns[name], row.get(self.p.columns[name]), "required")
                ok = False
        if not ok:
            return {}
        facts: dict[str, Any] = {k: out.get(k) for k in FACT_FIELDS}
        facts["severity"] = facts["severity"] or Severity.MEDIUM.value
        facts["status"] = facts["status"] or Status.OPEN.value
        try:
            IncidentFacts(**facts).validate()
        except IncidentError as exc:
            column = self.p.columns.get(exc.field, exc.field)
            fail(column, row.get(column, ""), exc.reason)
            return {}
        facts["party_ref"] = out["party_ref"]
        return facts

    def _field(self, name: str, value: Any) -> Any:
        if isinstance(value, str):
            problem = text_problem(value, _limit(name))
            if problem:
                raise ValueError(problem)
        if name == "party_ref":
            if isinstance(value, dict | list):
                raise ValueError("must be text or a number")
            return str(value)
        if name in ("occurred_at", "reported_at"):
            try:
                return self._time(value)
            except ValueError as exc:
                if "year" in str(exc):
                    raise
                fmt = "ISO 8601" if self.p.datetime_format == "iso" else self.p.datetime_format
                raise ValueError(f"not a date-time in the format {fmt}") from None
        if name == "category":
            if value not in CATEGORIES:
                raise ValueError("unknown category")
            return value
        if name == "station_code":
            code = str(value).upper()
            if code not in self.stations:
                raise ValueError("unknown station code")
            return code
        if name == "zone":
            if value not in ZONE_CODES:
                raise ValueError(f"unknown zone; one of {', '.join(ZONE_CODES)}")
            return value
        if name == "level_crossing_id":
            number = int(value)
            if number not in self.crossings:
                raise ValueError("unknown level crossing")
            return number
        if name in ("lat", "lng"):
            return float(str(value).replace(",", "."))
        if name == "severity":
            if value not in Severity.__members__.values():
                raise ValueError(f"one of {', '.join(s.value for s in Severity)}")
            return value
        if name == "status":
            if value not in Status.__members__.values():
                raise ValueError(f"one of {', '.join(s.value for s in Status)}")
            return value
        if name == "victim_role":
            if value not in VictimRole.__members__.values():
                raise ValueError(f"one of {', '.join(v.value for v in VictimRole)}")
            return value
        if name in self.p.person_fields:
            text = str(value)
            return text if is_pseudonym(text) else pseudonymise(text, self.key)
        if name in ("description", "line_section"):
            return str(value)
        return value


def validate(
    session: Session,
    path: Path,
    rows: Iterable[tuple[int, dict[str, Any]]],
    party: str,
    profile: Profile,
) -> tuple[list[dict[str, Any]], ImportResult]:
    """Check every row; return the records and a result carrying every error found."""
    result = ImportResult(file=path.name, party=party, profile=profile.name)
    if session.get(Party, party) is None:
        result.errors.append(RowError(path.name, 0, "party", party, "unknown party"))
        return [], result
    stations = set(session.scalars(select(Station.code)))
    crossings = set(session.scalars(select(LevelCrossing.id)))
    parser = _Parser(profile, stations, crossings, get_settings().secret("pseudonym_key"))
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        result.rows += 1
        if not isinstance(row, dict):
            result.errors.append(
                RowError(path.name, number, "", "", "expected an object of field names")
            )
            continue
        if result.rows == 1 and not any(c in row for c in profile.columns.values()):
            result.errors.append(
                RowError(
                    path.name,
                    number,
                    ", ".join(sorted(str(k) for k in row))[:SHOWN_VALUE],
                    "",
                    f"no column of profile {profile.name!r} found",
                )
            )
            break

        def fail(column: str, value: Any, reason: str, _n: int = number) -> None:
            shown = "" if value is None else str(value)
            if len(shown) > SHOWN_VALUE:
                shown = shown[:SHOWN_VALUE] + "…"
            result.errors.append(RowError(path.name, _n, column, shown, reason))

        record = parser.parse(row, fail)
        if record is None:
            result.skipped += 1
            continue
        if not record:
            continue
        ref = record["party_ref"]
        if ref in seen:
            fail(profile.columns["party_ref"], ref, f"appears again (first at row {seen[ref]})")
            continue
        seen[ref] = number
        records.append(record)
    if result.rows == 0:
        result.errors.append(RowError(path.name, 0, "", "", "the file has no rows"))
    return records, result


# ---- writing ---------------------------------------------------------------------------------


def write(
    session: Session,
    records: list[dict[str, Any]],
    result: ImportResult,
    author: str,
    *,
    source: str = Source.PARTY.value,
    synthetic: bool = False,
    digest: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Write validated records in the caller's transaction (new ones, and corrections)."""
    progress = progress or (lambda *_: None)
    party = result.party
    now = datetime.now(UTC)
    total = len(records)
    new: list[dict[str, Any]] = []
    for start in range(0, total, CHUNK):
        chunk = records[start : start + CHUNK]
        refs = [r["party_ref"] for r in chunk]
        existing = {
            row.party_ref: row
            for row in session.execute(
                select(
                    Incident.id,
                    Incident.party_ref,
                    Incident.version,
                    *[getattr(Incident, k) for k in FACT_FIELDS],
                ).where(Incident.party_code == party, Incident.party_ref.in_(refs))
            )
        }
        for record in chunk:
            old = existing.get(record["party_ref"])
            if old is None:
                new.append(record)
                continue
            changes = {k: record[k] for k in FACT_FIELDS if getattr(old, k) != record[k]}
            if not changes:
                result.unchanged += 1
                continue
            incident = session.get_one(Incident, old.id)
            incident.version += 1
            for key, value in changes.items():
                setattr(incident, key, value)
            session.execute(
                insert(IncidentVersion),
                [
                    {
                        **{k: record[k] for k in FACT_FIELDS},
                        "incident_id": old.id,
                        "version": incident.version,
                        "recorded_at": now,
                        "recorded_by": author,
                        "reason": f"re-import of {result.file}",
                    }
                ],
            )
            result.corrected += 1
        progress("checking", min(start + CHUNK, total), total)
    if new:
        before = session.scalar(select(func.max(Incident.id))) or 0
        incident_cols = (
            *FACT_FIELDS,
            "party_code",
            "party_ref",
            "source",
            "synthetic",
            "version",
            "created_at",
            "other_stations",
        )
        for start in range(0, len(new), CHUNK):
            chunk = new[start : start + CHUNK]
            _bulk_insert(
                session,
                Incident.__tablename__,
                incident_cols,
                (
                    (
                        *(r[k] for k in FACT_FIELDS),
                        party,
                        r["party_ref"],
                        source,
                        synthetic,
                        1,
                        now,
                        r.get("other_stations"),
                    )
                    for r in chunk
                ),
            )
            progress("writing incidents", start + len(chunk), len(new))
        ids = dict(
            session.execute(
                select(Incident.party_ref, Incident.id).where(
                    Incident.party_code == party, Incident.id > before
                )
            ).all()
        )
        version_cols = (
            *FACT_FIELDS,
            "incident_id",
            "version",
            "recorded_at",
            "recorded_by",
            "reason",
        )
        for start in range(0, len(new), CHUNK):
            chunk = new[start : start + CHUNK]
            _bulk_insert(
                session,
                IncidentVersion.__tablename__,
                version_cols,
                (
                    (*(r[k] for k in FACT_FIELDS), ids[r["party_ref"]], 1, now, author, None)
                    for r in chunk
                ),
            )
            progress("writing versions", start + len(chunk), len(new))
        result.created = len(new)
    if result.created or result.corrected:
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
                "corrected": result.corrected,
                "unchanged": result.unchanged,
                "skipped": result.skipped,
            },
        )
    return result


def _bulk_insert(session: Session, table: str, columns: tuple[str, ...], rows) -> None:
    """Insert many rows through the driver's executemany, converting values the way the
    column types would (timestamps to UTC; SQLite stores them as text without the zone, as
    :class:`perron.store.types.UTCDateTime` reads them back). Skipping SQLAlchemy's per-value
    processing makes large imports several times faster."""
    conn = session.connection()
    sqlite = is_sqlite(conn)
    marker = param_marker(conn)
    rows = [list(row) for row in rows]
    for i, name in enumerate(columns):
        if name not in TIME_COLUMNS:
            continue
        for row in rows:
            v = row[i]
            if v is not None:
                v = v.astimezone(UTC)
                row[i] = v.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else v
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    )
    conn.exec_driver_sql(sql, [tuple(row) for row in rows])


def _header_of(path: Path, raw: bytes) -> list[str] | None:
    """The column names of the file's first row (None when it has none or cannot be read:
    the import itself then reports what is wrong with the file)."""
    try:
        first = next(read_rows(path, raw), None)
    except Exception:
        return None
    if first is None or not isinstance(first[1], dict):
        return None
    return [str(k) for k in first[1]]


def import_file(
    session: Session,
    path: Path,
    party: str,
    profile: Profile | None,
    author: str,
    *,
    data: bytes | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and import one file in the caller's transaction; raises ImportRejected with
    the full report when any row is wrong (the caller rolls back: nothing is written).

    ``profile`` None: the party's own profile, or the generic one when the file has the generic
    columns and not the party's own (:func:`perron.registry.profiles.default_profile`)."""
    raw = data if data is not None else path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if profile is None:
        profile = default_profile(party, _header_of(path, raw))
    if path.suffix.lower() == ".csv":
        fast = fastpath.import_csv(session, path, raw, party, profile, author, digest, progress)
        if fast is not None:
            return fast
    try:
        rows = list(read_rows(path, raw))
    except HeaderError as exc:
        result = ImportResult(file=path.name, party=party, profile=profile.name)
        result.errors.append(RowError(path.name, 1, exc.header, exc.header, exc.reason))
        raise ImportRejected(result) from exc
    except (ValueError, UnicodeDecodeError, csv.Error, RecursionError) as exc:
        result = ImportResult(file=path.name, party=party, profile=profile.name)
        result.errors.append(RowError(path.name, 0, "", "", f"cannot read the file: {exc}"))
        raise ImportRejected(result) from exc
    records, result = validate(session, path, rows, party, profile)
    if result.errors:
        raise ImportRejected(result)
    return write(session, records, result, author, digest=digest, progress=progress)

"""Import survey responses from CSV or XLSX with row-level validation; all or nothing.

Columns (header row, case-insensitive; Dutch names accepted as aliases):
``station`` (station code), ``date`` (YYYY-MM-DD or DD-MM-YYYY), ``part_of_day``
(morning|afternoon|evening|night or ochtend|middag|avond|nacht), ``gender`` (man|vrouw|anders),
``age_band`` (16-24|25-34|35-49|50-64|65+), ``frequency`` (daily|weekly|monthly|rarely or
dagelijks|wekelijks|maandelijks|zelden), the items ``safe_day``, ``safe_evening``,
``cleanliness``, ``lighting``, ``supervision``, ``overall`` (whole numbers 1-10, empty when not
answered) and optionally ``respondent_ref``. Without ``respondent_ref`` a row is identified by a
hash of its content, so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.monitor import store
from perron.monitor.model import AGE_BANDS, GENDERS, ITEMS
from perron.store.tables.reference import Station

REQUIRED = ("station", "date", "part_of_day", "gender", "age_band", "frequency")
ALIASES = {
    "station_code": "station",
    "code": "station",
    "datum": "date",
    "response_date": "date",
    "dagdeel": "part_of_day",
    "geslacht": "gender",
    "leeftijd": "age_band",
    "leeftijdsklasse": "age_band",
    "frequentie": "frequency",
    "reisfrequentie": "frequency",
    "veilig_overdag": "safe_day",
    "veilig_avond": "safe_evening",
    "schoon": "cleanliness",
    "schoonheid": "cleanliness",
    "verlichting": "lighting",
    "toezicht": "supervision",
    "rapportcijfer": "overall",
    "respondent": "respondent_ref",
}
PART_OF_DAY = {
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "night",
    "ochtend": "morning",
    "middag": "afternoon",
    "avond": "evening",
    "nacht": "night",
}
GENDER = {g: g for g in GENDERS} | {"m": "man", "v": "vrouw", "x": "anders", "anders/x": "anders"}
FREQUENCY = {
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly",
    "rarely": "rarely",
    "dagelijks": "daily",
    "wekelijks": "weekly",
    "maandelijks": "monthly",
    "zelden": "rarely",
}
MAX_ROWS = 2_000_000


@dataclass
class RowError:
    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, field {self.field!r}: {self.reason}"


@dataclass
class ImportReport:
    file: str
    source: str
    rows: int = 0
    inserted: int = 0
    replaced: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "source": self.source,
            "rows": self.rows,
            "inserted": self.inserted,
            "replaced": self.replaced,
            "new": self.inserted - self.replaced,
            "ok": self.ok,
            "errors": [e.__dict__ for e in self.errors],
        }


class ImportRejected(ValueError):
    """Some rows are invalid; nothing was written."""

    def __init__(self, report: ImportReport):
        self.report = report
        shown = "\n".join(f"  {e}" for e in report.errors[:20])
        more = len(report.errors) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(report.errors)} error(s), nothing imported:\n{shown}{tail}")


def _read_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise ValueError(f"{path.name}: unsupported file type {suffix!r} (use .csv or .xlsx)")
    try:
        rows = _raw_rows(path, suffix)
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: not UTF-8 text") from None
    except csv.Error as exc:
        raise ValueError(f"{path.name}: not a readable CSV file ({exc})") from None
    except OSError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ValueError(
            f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})"
        ) from None
    rows = [r for r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        raise ValueError(f"{path.name}: the file is empty")
    header = [str(h or "").strip().lower().replace(" ", "_") for h in rows[0]]
    header = [ALIASES.get(h, h) for h in header]
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise ValueError(f"{path.name}: row 1: column {h!r} appears more than once")
        seen.add(h)
    return header, rows[1:]


def _raw_rows(path: Path, suffix: str) -> list[list[Any]]:
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = wb.worksheets[0]
            return [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            wb.close()
    with path.open(newline="", encoding="utf-8-sig") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [list(r) for r in csv.reader(fh, dialect)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def _parse_score(value: Any) -> int | None:
    text = _text(value)
    if text == "":
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_integer() or not 1 <= number <= 10:
        raise ValueError(f"{text!r} is not a whole number from 1 to 10")
    return int(number)


def read_file(
    path: Path, station_codes: set[str], source: str | None = None
) -> tuple[pd.DataFrame, ImportReport]:
    """Validate every row of ``path``; return the responses and a report of all errors."""
    name = path.name
    source = source or f"file:{name}"
    report = ImportReport(file=name, source=source)
    header, rows = _read_rows(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        for col in missing:
            report.errors.append(RowError(name, 1, col, "missing column"))
        return pd.DataFrame(), report
    if len(rows) > MAX_ROWS:
        report.errors.append(RowError(name, 1, "-", f"more than {MAX_ROWS} rows"))
        return pd.DataFrame(), report
    index = {h: i for i, h in enumerate(header)}
    records: list[dict[str, Any]] = []
    seen_refs: Counter[str] = Counter()
    for offset, raw in enumerate(rows):
        rownum = offset + 2  # the header is row 1
        rec: dict[str, Any] = {}

        def cell(col: str, raw: list[Any] = raw) -> Any:
            i = index.get(col)
            return raw[i] if i is not None and i < len(raw) else None

        def err(col: str, reason: str, rownum: int = rownum) -> None:
            report.errors.append(RowError(name, rownum, col, reason))

        for col, i in index.items():
            if i < len(raw) and isinstance(raw[i], str) and "\x00" in raw[i]:
                err(col or "-", "contains a NUL byte")

        code = _text(cell("station")).upper()
        if not code:
            err("station", "empty")
        elif code not in station_codes:
            err("station", f"unknown station code {code!r}")
        rec["station_code"] = code
        try:
            rec["response_date"] = _parse_date(cell("date"))
        except ValueError as exc:
            err("date", str(exc))
        for col, mapping in (
            ("part_of_day", PART_OF_DAY),
            ("gender", GENDER),
            ("frequency", FREQUENCY),
        ):
            value = _text(cell(col)).lower()
            if value not in mapping:
                allowed = sorted(set(mapping.values()))
                err(col, f"{value!r} is not one of {allowed}" if value else "empty")
            rec[col] = mapping.get(value)
        age = _text(cell("age_band")).replace(" ", "")
        if age not in AGE_BANDS:
            err("age_band", f"{age!r} is not one of {list(AGE_BANDS)}" if age else "empty")
        rec["age_band"] = age
        for item in ITEMS:
            try:
                rec[item] = _parse_score(cell(item))
            except ValueError as exc:
                err(item, str(exc))
        ref = _text(cell("respondent_ref"))
        if not ref:
            content = "|".join(
                str(rec.get(k))
                for k in (
                    "station_code",
                    "response_date",
                    "part_of_day",
                    "gender",
                    "age_band",
                    "frequency",
                    *ITEMS,
                )
            )
            digest = hashlib.sha256(content.encode()).hexdigest()[:24]
            seen_refs[digest] += 1
            ref = f"h:{digest}:{seen_refs[digest]}"
        elif len(ref) > 64:
            err("respondent_ref", "longer than 64 characters")
        else:
            seen_refs[ref] += 1
            if seen_refs[ref] > 1:
                err("respondent_ref", f"{ref!r} occurs more than once in the file")
        rec["respondent_ref"] = ref
        records.append(rec)
    report.rows = len(records)
    frame = pd.DataFrame(records)
    if len(frame):
        for item in ITEMS:
            frame[item] = pd.to_numeric(frame[item], errors="coerce").astype(float)
        frame["source"] = source
        frame["synthetic"] = False
    return frame, report


def import_file(session: Session, path: str | Path, source: str | None = None) -> ImportReport:
    """Validate and import ``path`` in the caller's transaction; raise :class:`ImportRejected`
    (writing nothing) when any row is invalid. Re-importing replaces rows with the same
    (source, respondent_ref), so importing a file twice leaves one copy."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    codes = set(session.scalars(select(Station.code)))
    frame, report = read_file(path, codes, source)
    if report.errors:
        raise ImportRejected(report)
    if len(frame):
        report.replaced = store.delete_keys(
            session, report.source, frame["respondent_ref"].tolist()
        )
        report.inserted = store.insert_frame(session, frame)
    return report

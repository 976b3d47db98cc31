"""Outcome panels: units × months with a treatment start per unit.

A panel is balanced (every unit has every month). ``start[i]`` is the index of the first treated
month of unit ``i`` in ``periods``, or ``-1`` for a unit that is never treated in the panel.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NEVER = -1
MAX_UNITS = 5000
MAX_PERIODS = 600
MAX_ROWS = 1_000_000
COLUMNS = ("unit", "period", "outcome", "treated_from")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class PanelError(ValueError):
    """A panel that cannot be evaluated; the message names the file, row and field."""


def month_index(text: str) -> int:
    """``YYYY-MM`` as a month count (year × 12 + month − 1); ValueError when malformed."""
    m = _PERIOD.match(text.strip())
    if not m:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 2200:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return year * 12 + month - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass
class Panel:
    """Outcome per unit (rows) and month (columns), with each unit's treatment start."""

    units: list[str]
    periods: list[str]
    y: FloatArray
    start: IntArray
    outcome: str = "outcome"
    counts: bool = False
    synthetic: bool = False
    source: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    #: ``month``, or ``quarter`` for the perception survey's waves (labelled by their first
    #: month); the estimators count periods, the texts of the checks say months
    period_kind: str = "month"
    #: what was left out of the panel and why (e.g. stations with suppressed survey scores)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n, t = len(self.units), len(self.periods)
        if self.y.shape != (n, t):
            raise PanelError(f"outcome matrix is {self.y.shape}, expected {(n, t)}")
        if self.start.shape != (n,):
            raise PanelError("one treatment start per unit expected")

    @property
    def treated(self) -> IntArray:
        """Indices of the units treated within the panel."""
        return np.flatnonzero(self.start >= 0)

    @property
    def never(self) -> IntArray:
        return np.flatnonzero(self.start < 0)

    def treated_mask(self) -> npt.NDArray[np.bool_]:
        t = np.arange(len(self.periods))
        return (self.start[:, None] >= 0) & (t[None, :] >= self.start[:, None])

    def subset(self, rows: IntArray) -> Panel:
        return Panel(
            [self.units[i] for i in rows],
            self.periods,
            self.y[rows],
            self.start[rows],
            self.outcome,
            self.counts,
            self.synthetic,
            self.source,
            self.labels,
            self.period_kind,
            self.notes,
        )

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(COLUMNS)
        for i, u in enumerate(self.units):
            tf = self.periods[self.start[i]] if self.start[i] >= 0 else ""
            for j, p in enumerate(self.periods):
                v = self.y[i, j]
                w.writerow((u, p, int(v) if self.counts else repr(float(v)), tf))
        return out.getvalue()


def looks_like_counts(y: FloatArray) -> bool:
    return bool(np.all(y >= 0) and np.all(np.abs(y - np.round(y)) < 1e-9))


def from_rows(
    rows: list[tuple[str, int, float, int | None]],
    *,
    name: str = "panel",
    outcome: str = "outcome",
    counts: bool | None = None,
    synthetic: bool = False,
    source: str = "",
    row_numbers: list[int] | None = None,
) -> Panel:
    """A panel from ``(unit, month index, outcome, first treated month index or None)`` rows."""
    if not rows:
        raise PanelError(f"{name}: no rows")
    units = sorted({r[0] for r in rows})
    months = sorted({r[1] for r in rows})
    lo, hi = months[0], months[-1]
    if hi - lo + 1 > MAX_PERIODS:
        raise PanelError(f"{name}: {hi - lo + 1} months; at most {MAX_PERIODS} are evaluated")
    if len(units) > MAX_UNITS:
        raise PanelError(f"{name}: {len(units)} units; at most {MAX_UNITS} are evaluated")
    periods = [month_text(k) for k in range(lo, hi + 1)]
    uidx = {u: i for i, u in enumerate(units)}
    y = np.full((len(units), len(periods)), np.nan)
    first: dict[str, int | None] = {}
    for k, (u, mo, val, tf) in enumerate(rows):
        line = row_numbers[k] if row_numbers else k + 2
        if u in first and first[u] != tf:
            raise PanelError(
                f"{name}: row {line}, field treated_from: unit {u!r} has two different "
                "treatment starts; give the same first treated month on each of its rows"
            )
        first[u] = tf
        i, j = uidx[u], mo - lo
        if not np.isnan(y[i, j]):
            raise PanelError(
                f"{name}: row {line}, field period: unit {u!r} has month {month_text(mo)} twice"
            )
        y[i, j] = val
    missing = np.argwhere(np.isnan(y))
    if len(missing):
        i, j = missing[0]
        raise PanelError(
            f"{name}: unit {units[i]!r} has no row for {periods[j]} ({len(missing)} unit-months "
            "missing); the panel must be balanced: give every unit every month"
        )
    start = np.full(len(units), NEVER, dtype=np.int64)
    for u, tf in first.items():
        if tf is None:
            continue
        if tf > hi:
            continue  # treated after the data: never treated within the panel
        start[uidx[u]] = max(tf - lo, 0)
    if counts is None:
        counts = looks_like_counts(y)
    return Panel(units, periods, y, start, outcome, counts, synthetic, source)


def read_panel_csv(path: str | Path) -> Panel:
    """Read ``unit,period,outcome,treated_from``; errors name the file, row and field."""
    p = Path(path)
    name = str(p)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            return parse_panel_csv(fh, name)
    except FileNotFoundError:
        raise PanelError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise PanelError(f"{name}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise PanelError(f"{name}: not UTF-8 text") from None


#: the longest field a panel file may hold (checked per field: the csv module's limit is global
#: to the process, and the registry's importers need theirs)
MAX_FIELD = 10_000


def parse_panel_csv(fh: io.TextIOBase | io.StringIO, name: str = "panel") -> Panel:
    """Read a panel from CSV; errors name the file, the row and the field."""
    reader = csv.reader(fh)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise PanelError(f"{name}: empty file") from None
    except csv.Error as exc:
        raise PanelError(f"{name}: row 1: {exc}") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise PanelError(
            f"{name}: row 1: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"
        )
    col = {c: header.index(c) for c in COLUMNS}
    rows: list[tuple[str, int, float, int | None]] = []
    lines: list[int] = []
    line = 1
    try:
        for rec in reader:
            line += 1
            if not rec or all(not x.strip() for x in rec):
                continue
            if len(rows) >= MAX_ROWS:
                raise PanelError(f"{name}: more than {MAX_ROWS} rows")
            if len(rec) < len(header):
                raise PanelError(f"{name}: row {line}: {len(rec)} fields, expected {len(header)}")
            if any(len(x) > MAX_FIELD for x in rec):
                raise PanelError(f"{name}: row {line}: a field longer than {MAX_FIELD} characters")
            unit = rec[col["unit"]].strip()
            if not unit or len(unit) > 100:
                raise PanelError(f"{name}: row {line}, field unit: empty or longer than 100")
            try:
                mo = month_index(rec[col["period"]])
            except ValueError as exc:
                raise PanelError(f"{name}: row {line}, field period: {exc}") from None
            raw = rec[col["outcome"]].strip()
            try:
                val = float(raw)
            except ValueError:
                raise PanelError(
                    f"{name}: row {line}, field outcome: not a number: {raw[:40]!r}"
                ) from None
            if not math.isfinite(val) or abs(val) > 1e12:
                raise PanelError(f"{name}: row {line}, field outcome: {raw[:40]!r} out of range")
            tf_raw = rec[col["treated_from"]].strip()
            try:
                tf = month_index(tf_raw) if tf_raw else None
            except ValueError as exc:
                raise PanelError(f"{name}: row {line}, field treated_from: {exc}") from None
            rows.append((unit, mo, val, tf))
            lines.append(line)
    except csv.Error as exc:
        raise PanelError(f"{name}: row {line}: {exc}") from None
    return from_rows(rows, name=name, row_numbers=lines)

"""Incidents per station, day and time block, in the categories of :mod:`perron.domain.taxonomy`.

Two inputs: an incident table read from the registry (:func:`write_incident_table`; the
forecast service makes one from the store, any category of the taxonomy, social safety
included), or a disruption file in the Rijden de Treinen format (one row per communicated
disruption), whose cause labels the taxonomy maps. Only places, times and categories are used;
nothing in either describes persons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from perron.domain import taxonomy

REQUIRED_COLUMNS = ("rdt_station_codes", "cause_nl", "statistical_cause_nl", "start_time")
#: The columns of an incident table (what :func:`write_incident_table` writes from the store).
TABLE_COLUMNS = ("station_codes", "category", "start_time")

#: The categories (codes of :mod:`perron.domain.taxonomy`) forecast from a disruption file by
#: default: the incidents at and around stations that the file reports often enough to forecast.
#: The taxonomy maps every cause label of the file; the forecast keeps no table of its own. Rare
#: causes (derailments, vehicles on the track, wartime bombs) stay out of the default, they are
#: not what extra supervision at a station is for; ``--categories`` can name them.
DISRUPTION_CATEGORIES: tuple[str, ...] = (
    "person_on_track",
    "collision_person",
    "collision_unspecified",
    "level_crossing_accident",
    "police_deployment",
    "emergency_services",
    "fire",
    "vandalism",
    "copper_theft",
)
#: The default of a disruption file (kept under its former name).
SAFETY_CATEGORIES = DISRUPTION_CATEGORIES

#: Rows communicated as the aftermath of an earlier disruption repeat an incident already counted.
FOLLOW_UP_CAUSES = taxonomy.FOLLOW_UP_CAUSES

_DISRUPTION_CAUSES = {k.lower(): v for k, v in taxonomy.DISRUPTION_CAUSES.items() if v}


def resolve_categories(
    categories: tuple[str, ...] | list[str] | None, default: tuple[str, ...]
) -> tuple[str, ...]:
    """Category codes or group codes of the taxonomy → category codes (``default`` for none)."""
    if not categories:
        return default
    out: list[str] = []
    unknown = []
    for c in categories:
        if c in taxonomy.CATEGORIES:
            out.append(c)
        elif c in taxonomy.GROUPS:
            out += [k for k, v in taxonomy.CATEGORIES.items() if v.group == c]
        else:
            unknown.append(c)
    if unknown:
        raise DataError(
            f"unknown categories {unknown}; choose from the taxonomy's groups "
            f"({', '.join(taxonomy.GROUPS)}) or categories ({', '.join(taxonomy.CATEGORIES)})"
        )
    return tuple(dict.fromkeys(out))


def default_categories(path: str | Path) -> tuple[str, ...]:
    """Every category of the taxonomy for an incident table, the disruption categories for a
    disruption file."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as fh:
            header = fh.readline().strip().split(",")
    except OSError:
        return DISRUPTION_CATEGORIES
    if all(c in header for c in TABLE_COLUMNS):
        return tuple(taxonomy.CATEGORIES)
    return DISRUPTION_CATEGORIES


def write_incident_table(path: Path, rows: list[tuple[tuple[str, ...], str, str]]) -> None:
    """Write an incident table: (station codes, category, local start time) per incident."""
    import csv

    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(TABLE_COLUMNS)
        for codes, category, start in rows:
            w.writerow([",".join(codes), category, start])
    tmp.replace(path)


#: Old station codes still found in the file.
CODE_ALIASES = {"DTZ": "DTCP"}

#: Four-hour blocks of the day; the evening blocks are singled out.
BLOCK_HOURS = 4
N_BLOCKS = 24 // BLOCK_HOURS
EVENING_BLOCKS = (4, 5)  # 16–20 and 20–24
BLOCK_LABELS = tuple(f"{b * BLOCK_HOURS:02d}–{(b + 1) * BLOCK_HOURS:02d}" for b in range(N_BLOCKS))

#: The first year with station codes and with the post-2017 reporting practice.
DEFAULT_SINCE = date(2017, 1, 1)


class DataError(ValueError):
    """Bad input: names the file, row and field."""


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    lat: float
    lng: float
    travellers_per_day: float
    size_class: str
    type: str


_STATIONS: list[Station] | None = None


def stations() -> list[Station]:
    """The Dutch stations of the shipped reference data, sorted by code."""
    global _STATIONS
    if _STATIONS is None:
        from perron.reference import bundle

        found = [
            Station(
                code=r.code,
                name=r.name_long,
                lat=r.lat,
                lng=r.lng,
                travellers_per_day=float(r.travellers_per_day),
                size_class=r.size_class,
                type=r.type,
            )
            for r in bundle.stations()
        ]
        _STATIONS = sorted(found, key=lambda s: s.code)
    return _STATIONS


def default_data_file() -> Path:
    """The real disruption file of Rijden de Treinen 2011–2023 shipped with Perron."""
    from perron.reference import bundle

    try:
        return bundle.disruptions_file()
    except bundle.BundleError as exc:
        raise DataError(f"{exc} (or pass --data FILE in the Rijden de Treinen format)") from None


def load_incidents(
    path: str | Path,
    categories: tuple[str, ...] | list[str] | None = None,
    station_codes: list[str] | None = None,
) -> pd.DataFrame:
    """Read a disruption file and return one row per (safety incident, station).

    Columns: ``rdt_row`` (1-based data row), ``time``, ``day`` (date), ``block``, ``category``,
    ``station``, ``weight``. A disruption naming *n* Dutch stations gives each of them weight
    ``1/n``, so every incident weighs 1 in total. Rows that name no station (only a line, all
    rows before 2017) are not attributed to any station and do not appear here.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataError(f"{path}: not a readable CSV file: {exc}") from exc
    table = all(c in df.columns for c in TABLE_COLUMNS)
    cats = resolve_categories(
        categories, tuple(taxonomy.CATEGORIES) if table else DISRUPTION_CATEGORIES
    )
    df["rdt_row"] = np.arange(2, len(df) + 2)  # line number in the file (header is line 1)
    if table:
        df["category"] = df["category"].str.strip()
        df = df.rename(columns={"station_codes": "rdt_station_codes"})
        df = df[df["category"].isin(cats)]
    else:
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            raise DataError(f"{path}: row 1 (header): missing field(s) {', '.join(missing)}")
        cause = df["statistical_cause_nl"].str.strip().str.lower()
        cause = cause.where(cause != "", df["cause_nl"].str.strip().str.lower())
        df["category"] = cause.map(_DISRUPTION_CAUSES)
        keep = df["category"].isin(cats) & ~df["cause_nl"].str.strip().str.lower().isin(
            FOLLOW_UP_CAUSES
        )
        df = df[keep]
    times = pd.to_datetime(df["start_time"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    bad = times.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: row {int(df['rdt_row'].iloc[i])}: field start_time: "
            f"cannot read {df['start_time'].iloc[i]!r} as YYYY-MM-DD HH:MM:SS"
        )
    df = df.assign(time=times)
    known = set(station_codes) if station_codes is not None else {s.code for s in stations()}
    codes = (
        df["rdt_station_codes"]
        .str.upper()
        .str.split(",")
        .map(lambda xs: [CODE_ALIASES.get(x.strip(), x.strip()) for x in xs])
        .map(lambda xs: sorted({x for x in xs if x in known}))
    )
    df = df.assign(station=codes)
    df = df[df["station"].map(len) > 0]
    df = df.assign(weight=1.0 / df["station"].map(len))
    df = df.explode("station")
    out = pd.DataFrame(
        {
            "rdt_row": df["rdt_row"].to_numpy(),
            "time": df["time"].to_numpy(),
            "day": df["time"].dt.normalize().to_numpy(),
            "block": (df["time"].dt.hour // BLOCK_HOURS).to_numpy().astype(np.int8),
            "category": df["category"].to_numpy(),
            "station": df["station"].to_numpy().astype(str),
            "weight": df["weight"].to_numpy().astype(float),
        }
    )
    return out.sort_values(["time", "station"]).reset_index(drop=True)


def last_day(path: str | Path) -> date:
    """The last day that has any disruption row (all causes) in the file."""
    st = Path(path).stat()
    return _last_day(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=16)
def _last_day(path: str, size: int, mtime_ns: int) -> date:
    try:
        df = pd.read_csv(path, dtype=str, usecols=["start_time"], keep_default_na=False)
    except ValueError as exc:
        raise DataError(f"{path}: row 1 (header): missing field start_time") from exc
    t = pd.to_datetime(df["start_time"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    return t.max().date()


def first_day(path: str | Path) -> date:
    """The first day that has any disruption row (all causes) in the file."""
    st = Path(path).stat()
    return _first_day(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=16)
def _first_day(path: str, size: int, mtime_ns: int) -> date:
    try:
        df = pd.read_csv(path, dtype=str, usecols=["start_time"], keep_default_na=False)
    except ValueError as exc:
        raise DataError(f"{path}: row 1 (header): missing field start_time") from exc
    t = pd.to_datetime(df["start_time"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    return t.min().date()


def station_day_counts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Weighted incident counts per station and day."""
    g = incidents.groupby(["station", "day"], as_index=False)["weight"].sum()
    return g.rename(columns={"weight": "count"})


def station_block_counts(incidents: pd.DataFrame) -> pd.DataFrame:
    """Weighted incident counts per station, day and four-hour block (``evening`` flagged)."""
    g = incidents.groupby(["station", "day", "block"], as_index=False)["weight"].sum()
    g["evening"] = g["block"].isin(EVENING_BLOCKS)
    return g.rename(columns={"weight": "count"})


@dataclass
class Cube:
    """Dense weighted counts ``counts[station, day, block]`` from ``start`` on."""

    codes: list[str]
    start: date
    counts: np.ndarray  # float64 (S, T, B)

    @property
    def n_days(self) -> int:
        return self.counts.shape[1]

    def day_index(self, d: date) -> int:
        return (d - self.start).days

    def day(self, i: int) -> date:
        return self.start + timedelta(days=int(i))


def build_cube(incidents: pd.DataFrame, codes: list[str], start: date, end: date) -> Cube:
    """Counts per station, day and block for days ``start`` ≤ d < ``end``."""
    n_days = (end - start).days
    counts = np.zeros((len(codes), max(n_days, 0), N_BLOCKS))
    pos = {c: i for i, c in enumerate(codes)}
    s = incidents["station"].map(pos)
    d = (incidents["day"] - pd.Timestamp(start)).dt.days
    ok = s.notna() & (d >= 0) & (d < n_days)
    np.add.at(
        counts,
        (
            s[ok].to_numpy().astype(int),
            d[ok].to_numpy().astype(int),
            incidents.loc[ok, "block"].to_numpy().astype(int),
        ),
        incidents.loc[ok, "weight"].to_numpy(),
    )
    return Cube(codes=list(codes), start=start, counts=counts)


def as_date(value: str | date | datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise DataError(f"not a date (YYYY-MM-DD): {value!r}") from exc

"""Every read of the incident registry: lists, one incident with its history and links,
aggregates and exports — each for a stated purpose, through the access policy, with an audit
entry for every read of detail data. There is no other path to the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, false, func, insert, or_, select, text
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from perron.access import audit
from perron.access.policy import (
    ALL_FIELDS,
    MIN_CELL,
    STANDARD_FIELDS,
    Level,
    Purpose,
    Scope,
    Viewer,
    check_role,
    decide,
    scope,
)
from perron.domain import errors
from perron.domain.local_time import LOCAL_TZ
from perron.interop.exporters import exporter
from perron.registry import exports
from perron.registry import read_model as m
from perron.store.dialect import advisory_lock, clear_table, local_month
from perron.store.tables.access import IncidentRollup, RollupState

#: the highest page number and page size a list answers (beyond them no database can count)
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 500


class QueryError(errors.Invalid, ValueError):
    """A query that cannot be answered as asked (bad grouping, bad filter)."""


class NotFound(errors.NotFound, LookupError):
    pass


class AccessDenied(errors.Forbidden, PermissionError):
    """Refused by the access policy; the message says which agreement or right is missing."""

    def __init__(self, reason: str, missing: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.missing = missing or {}

    def extra(self) -> dict[str, Any]:
        return {**super().extra(), "missing": self.missing}


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    synthetic: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ((), None)}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def _category_condition(categories: Sequence[str], column=None) -> ColumnElement[bool]:
    """Incidents whose category, or its group, is one of ``categories``."""
    column = m.category_col if column is None else column
    codes = m.expand_categories(categories)
    return column.in_(sorted(codes)) if codes else false()


def _filter_conditions(f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.categories:
        conds.append(_category_condition(f.categories))
    if f.stations:
        conds.append(m.station_col.in_(f.stations))
    if f.owners:
        conds.append(m.owner_col.in_(f.owners))
    if f.since:
        conds.append(m.occurred_col >= _start_of(f.since))
    if f.until:
        conds.append(m.occurred_col < _start_of(f.until))
    if f.synthetic is not None and m.synthetic_col is not None:
        conds.append(m.synthetic_col.is_(f.synthetic))
    return conds


def _visible(
    owners: dict[str, frozenset[str] | None], owner_col=None, category_col=None
) -> ColumnElement[bool]:
    """Records of the given owners, restricted per owner to the given categories."""
    owner_col = m.owner_col if owner_col is None else owner_col
    if not owners:
        return false()
    everything = sorted(o for o, cats in owners.items() if cats is None)
    parts: list[ColumnElement[bool]] = []
    if everything:
        parts.append(owner_col.in_(everything))
    for owner, cats in sorted(owners.items()):
        if cats is not None:
            parts.append(and_(owner_col == owner, _category_condition(sorted(cats), category_col)))
    return or_(*parts) if len(parts) > 1 else parts[0]


def _refuse_role(viewer: Viewer, purpose: Purpose, level: Level) -> None:
    refusal = check_role(viewer.role, purpose, level)
    if refusal:
        raise AccessDenied(
            refusal,
            {"role": viewer.role.value, "purpose": purpose.value, "level": level.value},
        )


def _row_dict(row: Any, fields: frozenset[str], withheld: bool = True) -> dict[str, Any]:
    """The record with the fields not granted set to None (and named in ``withheld``)."""
    out = m.row_to_dict(row)
    item = {k: (v if k in fields else None) for k, v in out.items()}
    if withheld:
        item["withheld"] = sorted(k for k in out if k not in fields)
    return item


def _record_read(
    session: Session,
    viewer: Viewer,
    purpose: Purpose,
    action: str,
    subject: str,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=viewer.username,
        party=viewer.party,
        purpose=purpose.value,
        action=action,
        subject=subject,
        detail=detail,
    )


# ---- lists --------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[dict[str, Any]]
    page: int
    page_size: int
    has_more: bool
    columns: list[str]
    purpose: str
    scope: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scope_summary(s: Scope) -> dict[str, Any]:
    def cats(v: frozenset[str] | None) -> list[str] | None:
        return None if v is None else sorted(v)

    return {
        "detail": {o: cats(c) for o, c in sorted(s.detail.items())},
        "aggregate_only": {o: cats(c) for o, c in sorted(s.aggregate_only.items())},
    }


def _detail_scope(viewer: Viewer, purpose: Purpose) -> Scope:
    _refuse_role(viewer, purpose, Level.DETAIL)
    return scope(viewer, purpose, Level.DETAIL)


def _fields_for(s: Scope, owner: str) -> frozenset[str]:
    return s.fields.get(owner, STANDARD_FIELDS)


def list_incidents(
    session: Session,
    viewer: Viewer,
    purpose: Purpose | str,
    filters: Filters = Filters(),
    *,
    page: int = 1,
    page_size: int = 50,
    audit_read: bool = True,
) -> Page:
    """A page of the incidents the viewer may see at detail level (newest first)."""
    purpose = Purpose(purpose)
    if not 1 <= page <= MAX_PAGE or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise QueryError(f"page: 1 to {MAX_PAGE}; page_size: 1 to {MAX_PAGE_SIZE}")
    s = _detail_scope(viewer, purpose)
    for owner in filters.owners:
        if owner not in s.detail:
            d = decide(viewer, purpose, Level.DETAIL, owner, None, m.group_of)
            raise AccessDenied(
                d.reason,
                {
                    "owner": owner,
                    "grantee": viewer.party,
                    "purpose": purpose.value,
                    "level": "detail",
                },
            )
    q = (
        m.select_current()
        .where(_visible(s.detail), *_filter_conditions(filters))
        .order_by(m.occurred_col.desc(), m.id_col.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    rows = session.execute(q).all()
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    items = [_row_dict(r, _fields_for(s, m.owner_of(r))) for r in rows]
    shown = sorted(set().union(*(_fields_for(s, m.owner_of(r)) for r in rows))) if rows else []
    columns = [c for c in m.COLUMNS if c in shown] or [c for c in m.COLUMNS if c in STANDARD_FIELDS]
    if rows and audit_read:
        _record_read(
            session,
            viewer,
            purpose,
            "incident.list",
            "incidents",
            {
                "filters": filters.as_dict(),
                "page": page,
                "ids": [str(i["id"]) for i in items],
                "protected_fields": sorted(set(shown) - STANDARD_FIELDS),
            },
        )
    return Page(items, page, page_size, has_more, columns, purpose.value, _scope_summary(s))


# ---- one incident -------------------------------------------------------------------------


def get_incident(
    session: Session, viewer: Viewer, purpose: Purpose | str, incident_id: Any
) -> dict[str, Any]:
    """One incident at detail level with its versions (history) and the links the viewer may
    follow; refused (with the reason) without the owner's agreement."""
    purpose = Purpose(purpose)
    _refuse_role(viewer, purpose, Level.DETAIL)
    row = m.get_current(session, incident_id)
    # a record that exists but is not the viewer's to see gets the answer of one that does
    # not exist: neither its category nor its owner nor its existence is told
    hidden = NotFound(
        f"no incident {str(incident_id)[:40]} that you may see for the purpose {purpose.value} "
        "(it does not exist, or no agreement shows it to your party)"
    )
    if row is None:
        raise hidden
    owner, category = m.owner_of(row), m.category_of(row)
    d = decide(viewer, purpose, Level.DETAIL, owner, category, m.group_of)
    if not d.allowed:
        raise hidden
    item = _row_dict(row, d.fields)
    item["versions"] = [
        {k: (v if k in d.fields or k in m.VERSION_META else None) for k, v in ver.items()}
        for ver in m.versions(session, row)
    ]
    s = scope(viewer, purpose, Level.DETAIL)
    links = []
    for link in m.links(session, row):
        owner_scope = s.detail.get(link["owner_party"], frozenset())
        visible = link["owner_party"] in s.detail and (
            owner_scope is None
            or link["category"] in owner_scope
            or m.group_of(link["category"]) in owner_scope
        )
        links.append(
            link
            if visible
            else {
                "id": None,
                "kind": link.get("kind"),
                "visible": False,
                "owner_party": link["owner_party"],
            }
        )
    item["links"] = links
    item["access"] = {"basis": d.basis, "fields": sorted(d.fields)}
    _record_read(
        session,
        viewer,
        purpose,
        "incident.read",
        f"incident/{item['id']}",
        {"owner": owner, "basis": d.basis, "protected_fields": sorted(d.fields - STANDARD_FIELDS)},
    )
    return item


# ---- aggregates ---------------------------------------------------------------------------

GROUPINGS = (
    "station",
    "month",
    "category",
    "group",
    "party",
    "municipality",
    "year",
    "synthetic",
)


@dataclass
class Aggregate:
    by: list[str]
    purpose: str
    cells: list[dict[str, Any]]
    min_cell: int
    suppressed: int
    scope: dict[str, Any]
    #: counted on the fixed grid (whole months, category groups) because the answer includes
    #: records the viewer may not see in detail; see docs/registry.md, "Differencing"
    grid: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _month_expr(session: Session) -> ColumnElement[str]:
    """The month (Europe/Amsterdam) of the incident, computed in the database."""
    return local_month(session, m.occurred_col)


def _group_expr(session: Session, key: str) -> ColumnElement[Any] | QueryableAttribute[Any]:
    if key == "station":
        return m.station_col
    if key == "month":
        return _month_expr(session)
    if key == "year":
        return func.substr(_month_expr(session), 1, 4)
    if key == "category":
        return m.category_col
    if key == "group":
        return m.group_expr()
    if key == "party":
        return m.owner_col
    if key == "municipality":
        return m.municipality_expr()
    if key == "synthetic":
        return m.synthetic_col if m.synthetic_col is not None else false()
    raise QueryError(f"cannot group by {key!r}; choose from {', '.join(GROUPINGS)}")


#: The cells of the fixed grid that aggregate-only data is counted in: every answer for a
#: viewer with aggregate-only data is a sum of these cells, each after suppression.
GRID = ("party", "group", "station", "month", "synthetic")


def _check_grid(by: Sequence[str], filters: Filters) -> None:
    """Refuse what would cut a grid cell: single categories, periods not of whole months."""
    if "category" in by:
        raise QueryError(
            "group by 'group', not 'category': counts that include other parties' "
            "aggregate-only data are given per category group"
        )
    for name in ("since", "until"):
        day = getattr(filters, name)
        if day is not None and day.day != 1:
            raise QueryError(
                f"{name}: counts that include other parties' aggregate-only data are given "
                "for whole months; give the first day of a month"
            )
    singles = [c for c in filters.categories if c not in m.GROUPS]
    if singles:
        raise QueryError(
            f"category: {singles[0][:60]!r} is not a category group; counts that include "
            "other parties' aggregate-only data are filtered by whole groups "
            f"({', '.join(sorted(m.GROUPS))})"
        )


def aggregate(
    session: Session,
    viewer: Viewer,
    purpose: Purpose | str,
    by: Sequence[str] = ("station", "month"),
    filters: Filters = Filters(),
) -> Aggregate:
    """Counts per cell over everything the viewer may see (detail or aggregate level).

    Without aggregate-only data in scope every count is exact (the viewer could list the
    records anyway). With it, the answer is counted on a fixed grid (:data:`GRID`: party,
    category group, station, month, synthetic or not), filters may only select whole grid
    cells, and a grid cell whose records the viewer may not see in detail number fewer than
    ``MIN_CELL`` is left out of every count (the cells it falls in are marked ``suppressed``;
    their count is ``None`` when what remains is below ``MIN_CELL``). So no answer, nor any
    difference of answers, depends on how many records such a small cell holds. Every read
    is audited.
    """
    purpose = Purpose(purpose)
    _refuse_role(viewer, purpose, Level.AGGREGATE)
    by = list(dict.fromkeys(by))
    if not by:
        raise QueryError("group by at least one of " + ", ".join(GROUPINGS))
    unknown = [k for k in by if k not in GROUPINGS]
    if unknown:
        raise QueryError(f"cannot group by {unknown[0][:40]!r}; choose from {', '.join(GROUPINGS)}")
    s = scope(viewer, purpose, Level.AGGREGATE)
    everything = dict(s.aggregate_only)
    for owner, cats in s.detail.items():
        if owner in everything:
            a, b = everything[owner], cats
            everything[owner] = None if a is None or b is None else a | b
        else:
            everything[owner] = cats
    for owner in filters.owners:
        if owner not in everything:
            d = decide(viewer, purpose, Level.AGGREGATE, owner, None, m.group_of)
            raise AccessDenied(
                d.reason, {"owner": owner, "purpose": purpose.value, "level": "aggregate"}
            )
    grid = bool(s.aggregate_only)
    if grid:
        _check_grid(by, filters)
        keys_of_rows = list(GRID)
    else:
        keys_of_rows = by
    q = _count_query(session, keys_of_rows, s.detail, everything, filters)
    # the driver's own tuples, fetched at once: no Row object per cell. Tuples of plain values
    # are soon untracked by the garbage collector, so thousands of cells per request do not
    # add up to full collections (which cost tens of milliseconds each)
    result = session.connection().execute(q)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if grid:
        counted_cells = _on_the_grid(session, by, rows)
    else:
        width = len(by)
        counted_cells = [
            (tuple(row[:width]), int(row[width]), int(row[width]), False) for row in rows
        ]
    cells = []
    suppressed = 0
    station_at = by.index("station") if "station" in by else None
    coords = m.station_positions(session) if station_at is not None else {}
    for key, count, _n, dropped in counted_cells:
        cell = dict(zip(by, key, strict=True))
        if dropped:
            suppressed += 1
            cell["count"] = count if count >= MIN_CELL else None
            cell["suppressed"] = True
        else:
            cell["count"], cell["suppressed"] = count, False
        if station_at is not None:
            station = key[station_at] or None  # "" in the rollup: no station
            cell["station"] = station
            cell["lat"], cell["lng"] = (coords.get(station) if station else None) or (None, None)
        cells.append(cell)
    _record_read(
        session,
        viewer,
        purpose,
        "incident.aggregate",
        "incidents",
        {
            "by": by,
            "filters": filters.as_dict(),
            "grid": grid,
            "cells": len(cells),
            "suppressed": suppressed,
        },
    )
    return Aggregate(by, purpose.value, cells, MIN_CELL, suppressed, _scope_summary(s), grid)


def _count_query(session, keys, detail, everything, filters: Filters):
    """Counts (all, and of records visible in detail) per combination of ``keys``."""
    if _rollup_usable(filters, keys, everything, detail):
        ensure_rollup(session)
        return _rollup_query(session, keys, detail, everything, filters)
    exprs = [_group_expr(session, k).label(k) for k in keys]
    n = func.count().label("n")
    n_detail = func.sum(m.case_when(_visible(detail), 1, 0)).label("n_detail")
    return (
        select(*exprs, n, n_detail)
        .select_from(m.current_from())
        .where(_visible(everything), m.counted(), *_filter_conditions(filters))
        .group_by(*exprs)
        .order_by(*exprs)
    )


def _on_the_grid(
    session: Session, by: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[tuple[tuple[Any, ...], int, int, bool]]:
    """Grid cells (rows of :data:`GRID` keys, n, n_detail) summed into the cells of ``by``
    after suppression: (key, counted, all, whether a small cell was left out), in key order."""
    municipalities = m.station_municipalities(session) if "municipality" in by else {}
    width = len(GRID)
    at = {k: i for i, k in enumerate(GRID)}
    sums: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        n, n_detail = int(row[width]), int(row[width + 1] or 0)
        protected = n - n_detail
        dropped = 0 < protected < MIN_CELL
        values = []
        for k in by:
            if k == "year":
                month = row[at["month"]]
                values.append(month[:4] if month else month)
            elif k == "municipality":
                values.append(municipalities.get(row[at["station"]] or ""))
            else:
                value = row[at[k]]
                values.append(None if value == "" and k in ("station", "group") else value)
        key = tuple(values)
        cell = sums.setdefault(key, [0, 0, False])
        cell[0] += n_detail if dropped else n
        cell[1] += n
        cell[2] = cell[2] or dropped
    return [
        (key, v[0], v[1], v[2])
        for key, v in sorted(sums.items(), key=lambda kv: tuple(_sortable(x) for x in kv[0]))
    ]


def _sortable(value: Any) -> tuple[int, str]:
    return (0, "") if value is None else (1, str(value))


def station_counts(
    session: Session, viewer: Viewer, purpose: Purpose | str, code: str
) -> Aggregate:
    """Counts at one station per category, or per category group where the answer includes
    aggregate-only data (the fixed grid); the cells carry the code as ``category``."""
    purpose = Purpose(purpose)
    _refuse_role(viewer, purpose, Level.AGGREGATE)
    grid = bool(scope(viewer, purpose, Level.AGGREGATE).aggregate_only)
    filters = Filters(stations=(str(code).upper()[:20],))
    agg = aggregate(session, viewer, purpose, ("group",) if grid else ("category",), filters)
    if grid:
        for cell in agg.cells:
            cell["category"] = cell.pop("group")
        agg.by = ["category"]
    return agg


# ---- the rollup: counts per owner, category, station and month -------------------------


def _rollup_usable(
    filters: Filters,
    by: Sequence[str],
    owners: dict[str, frozenset[str] | None],
    detail: dict[str, frozenset[str] | None] | None = None,
) -> bool:
    """The rollup (by category group and month) answers whole-month periods, groupings without
    single categories, and scopes and filters that name category groups only."""
    if any(d is not None and d.day != 1 for d in (filters.since, filters.until)):
        return False
    if "category" in by:
        return False
    named = list(filters.categories)
    for cats in [*owners.values(), *(detail or {}).values()]:
        named.extend(cats or ())
    return all(code in m.GROUPS for code in named)


def ensure_rollup(session: Session) -> bool:
    """Rebuild the rollup when the registry was written since it was built; True if rebuilt.

    The watermark is the registry's own write counter (:func:`read_model.write_watermark`),
    so a cheap indexed look-up tells whether anything changed."""
    mark = m.write_watermark(session)
    state = session.get(RollupState, "incidents")
    if state is not None and state.watermark == mark:
        return False
    # one rebuilder at a time (the advisory lock does nothing on SQLite, which has one writer)
    advisory_lock(session, _ROLLUP_LOCK)
    session.expire_all()
    state = session.get(RollupState, "incidents")
    if state is not None and state.watermark == mark:
        return False
    # TRUNCATE on PostgreSQL: no dead copy of the old rollup left behind for every rebuild
    # (readers that would wait for the lock wait for the rebuild anyway)
    clear_table(session, IncidentRollup.__table__)
    month = _month_expr(session)
    station = func.coalesce(m.station_col, "")
    synthetic = m.synthetic_col if m.synthetic_col is not None else false()
    group = func.coalesce(m.group_expr(), "")
    source = (
        select(m.owner_col, group, station, month, synthetic, func.count())
        .select_from(m.current_from())
        .where(m.counted())
        .group_by(m.owner_col, group, station, month, synthetic)
        .order_by(month, station, m.owner_col, group)
    )
    session.execute(
        insert(IncidentRollup).from_select(
            ["owner_party", "category_group", "station_code", "month", "synthetic", "n"], source
        )
    )
    # fresh statistics, so that a period is read from the month index (SQLite would otherwise
    # guess that the owner condition on the primary key selects fewer rows)
    session.execute(text("ANALYZE incident_rollup"))
    now = datetime.now(UTC)
    if state is None:
        session.add(RollupState(name="incidents", watermark=mark, built_at=now))
    else:
        state.watermark, state.built_at = mark, now
    session.flush()
    return True


_ROLLUP_LOCK = 0x524F4C4C5550  # "ROLLUP"


def _rollup_visible(owners: dict[str, frozenset[str] | None]) -> ColumnElement[bool]:
    R = IncidentRollup
    if not owners:
        return false()
    parts: list[ColumnElement[bool]] = []
    everything = sorted(o for o, cats in owners.items() if cats is None)
    if everything:
        parts.append(R.owner_party.in_(everything))
    for owner, cats in sorted(owners.items()):
        if cats is not None:
            parts.append(and_(R.owner_party == owner, R.category_group.in_(sorted(cats))))
    return or_(*parts) if len(parts) > 1 else parts[0]


def _rollup_query(session, by, detail, everything, filters: Filters):
    R = IncidentRollup
    exprs = {
        "station": R.station_code,
        "month": R.month,
        "year": func.substr(R.month, 1, 4),
        "group": R.category_group,
        "party": R.owner_party,
        "municipality": m.municipality_expr(R.station_code),
        "synthetic": R.synthetic,
    }
    unknown = [k for k in by if k not in exprs]
    if unknown:
        raise QueryError(f"cannot group by {unknown[0]!r}; choose from {', '.join(GROUPINGS)}")
    keys = [exprs[k].label(k) for k in by]
    conds = [_rollup_visible(everything)]
    if filters.categories:
        conds.append(R.category_group.in_(sorted(filters.categories)))
    if filters.stations:
        conds.append(R.station_code.in_(filters.stations))
    if filters.owners:
        conds.append(R.owner_party.in_(filters.owners))
    if filters.since:
        conds.append(R.month >= filters.since.strftime("%Y-%m"))
    if filters.until:
        conds.append(R.month < filters.until.strftime("%Y-%m"))
    if filters.synthetic is not None:
        conds.append(R.synthetic.is_(filters.synthetic))
    detail_visible = _rollup_visible(detail)
    return (
        select(
            *keys,
            func.sum(R.n).label("n"),
            func.sum(m.case_when(detail_visible, R.n, 0)).label("n_detail"),
        )
        .where(*conds)
        .group_by(*keys)
        .order_by(*keys)
    )


# ---- occurrences (for models that count incidents) ------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """Where, when and what: all a model that counts incidents reads of one."""

    stations: tuple[str, ...]  # the station of the incident first, then the others it names
    occurred_at: datetime
    category: str
    synthetic: bool = False  # made by Perron's generator, labelled so wherever it is shown


def occurrences(
    session: Session,
    viewer: Viewer,
    purpose: Purpose | str,
    filters: Filters = Filters(),
    *,
    audit_read: bool = True,
) -> list[Occurrence]:
    """The station(s), time and category of every incident the viewer may see in detail
    (confirmed duplicates count once), oldest first; nothing else of them. Used by the
    forecast; the read is audited like a list (without the rows), unless ``audit_read`` is
    False: then the caller records it (the forecast writes one entry per action, whether it
    read the rows now or reused a table it made from them)."""
    purpose = Purpose(purpose)
    s = _detail_scope(viewer, purpose)
    q = (
        select(m.station_col, m.other_stations_col, m.occurred_col, m.category_col, m.synthetic_col)
        .select_from(m.current_from())
        .where(_visible(s.detail), m.counted(), *_filter_conditions(filters))
        .order_by(m.occurred_col, m.id_col)
    )
    out = []
    for station, others, at, category, synthetic in session.execute(q):
        codes = [station] if station else []
        if others:
            codes += [c for c in (x.strip() for x in others.split(",")) if c and c != station]
        out.append(Occurrence(tuple(codes), at, category, bool(synthetic)))
    if not audit_read:
        return out
    _record_read(
        session,
        viewer,
        purpose,
        "incident.occurrences",
        "incidents",
        {"filters": filters.as_dict(), "rows": len(out)},
    )
    return out


# ---- exports ------------------------------------------------------------------------------


def export(
    session: Session,
    viewer: Viewer,
    purpose: Purpose | str,
    fmt: str,
    filters: Filters = Filters(),
    *,
    level: str = "detail",
    by: Sequence[str] = ("station", "month"),
    limit: int = 100_000,
) -> tuple[bytes, str]:
    """Export as CSV, GeoJSON or Parquet; returns the bytes and a file name. Detail exports
    contain only the fields granted per owner and are audited like any detail read; an
    aggregate export applies the same suppression as :func:`aggregate`."""
    purpose = Purpose(purpose)
    ext = exporter(fmt, "table").extension
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    if level == "aggregate":
        agg = aggregate(session, viewer, purpose, by, filters)
        columns = [*agg.by, "count", "suppressed"]
        if "station" in agg.by:
            columns += ["lat", "lng"]
        body = exports.render(fmt, agg.cells, columns)
        return body, f"incidents-{'-'.join(agg.by)}-{stamp}.{ext}"
    if level != "detail":
        raise QueryError("level is detail or aggregate")
    s = _detail_scope(viewer, purpose)
    q = (
        m.select_current()
        .where(_visible(s.detail), *_filter_conditions(filters))
        .order_by(m.occurred_col, m.id_col)
        .limit(limit)
    )
    rows = session.execute(q).all()
    items = [_row_dict(r, _fields_for(s, m.owner_of(r)), withheld=False) for r in rows]
    granted = set().union(*(_fields_for(s, m.owner_of(r)) for r in rows)) if rows else set()
    columns = [c for c in m.COLUMNS if c in (granted or STANDARD_FIELDS)]
    _record_read(
        session,
        viewer,
        purpose,
        "incident.export",
        f"incidents.{fmt}",
        {
            "filters": filters.as_dict(),
            "rows": len(items),
            "protected_fields": sorted(granted - STANDARD_FIELDS),
        },
    )
    return exports.render(fmt, items, columns), f"incidents-{stamp}.{ext}"


# ---- explanation --------------------------------------------------------------------------


def explain_access(session: Session, viewer: Viewer) -> dict[str, Any]:
    """Per purpose: whether the role may use it, and which owners are visible at which level."""
    out: dict[str, Any] = {"party": viewer.party, "role": viewer.role.value, "purposes": {}}
    for purpose in Purpose:
        refusal = check_role(viewer.role, purpose, Level.AGGREGATE)
        if refusal:
            out["purposes"][purpose.value] = {"allowed": False, "reason": refusal}
            continue
        level = (
            Level.DETAIL
            if check_role(viewer.role, purpose, Level.DETAIL) is None
            else Level.AGGREGATE
        )
        s = scope(viewer, purpose, level)
        summary = _scope_summary(s)
        summary["fields"] = {o: sorted(f) for o, f in sorted(s.fields.items())}
        out["purposes"][purpose.value] = {"allowed": True, "level": level.value, **summary}
    out["all_fields"] = sorted(ALL_FIELDS)
    return out


__all__ = [
    "AccessDenied",
    "Aggregate",
    "Filters",
    "NotFound",
    "Page",
    "QueryError",
    "aggregate",
    "explain_access",
    "export",
    "get_incident",
    "list_incidents",
    "station_counts",
]

"""The read side's view of the registry tables: which columns hold what, how to select the
current state of incidents, their versions and links, and how to blank personal data.

:mod:`perron.registry.queries` and :mod:`perron.access.retention` use only this module, so the
access policy is applied in one place whatever the table layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, case, false, func, or_, select, update
from sqlalchemy.orm import Session

from perron.domain import taxonomy
from perron.domain.incidents import CORRECTABLE_FIELDS
from perron.store.tables.accounts import Party
from perron.store.tables.reference import Station
from perron.store.tables.registry import Incident, IncidentLink, IncidentVersion

id_col = Incident.id
owner_col = Incident.party_code
category_col = Incident.category
station_col = Incident.station_code
occurred_col = Incident.occurred_at
synthetic_col = Incident.synthetic
other_stations_col = Incident.other_stations

#: Output name → column of the current state, in display order.
_COLUMN_MAP = {
    "id": Incident.id,
    "owner_party": Incident.party_code,
    "party_ref": Incident.party_ref,
    "category": Incident.category,
    "severity": Incident.severity,
    "occurred_at": Incident.occurred_at,
    "reported_at": Incident.reported_at,
    "station_code": Incident.station_code,
    "zone": Incident.zone,
    "line_section": Incident.line_section,
    "level_crossing_id": Incident.level_crossing_id,
    "lat": Incident.lat,
    "lng": Incident.lng,
    "victim_role": Incident.victim_role,
    "status": Incident.status,
    "source": Incident.source,
    "synthetic": Incident.synthetic,
    "version": Incident.version,
    "duplicate_of": Incident.duplicate_of,
    "description": Incident.description,
    "person_ref": Incident.person_ref,
}
COLUMNS = list(_COLUMN_MAP)
#: Columns the model marks as able to hold personal data (``info={"personal": True}``).
PERSONAL_COLUMNS = frozenset(
    k for k, c in _COLUMN_MAP.items() if c.property.columns[0].info.get("personal")
)
VERSION_META = frozenset({"version", "recorded_at", "recorded_by", "reason"})
CORRECTABLE = CORRECTABLE_FIELDS


def select_current():
    return select(*[c.label(k) for k, c in _COLUMN_MAP.items()])


def current_from():
    return Incident.__table__


def row_to_dict(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    if out.get("id") is not None:
        out["id"] = str(out["id"])
    return out


def owner_of(row: Any) -> str:
    return row._mapping["owner_party"]


def category_of(row: Any) -> str:
    return row._mapping["category"]


def get_current(session: Session, incident_id: Any):
    from perron.registry.incidents import valid_id

    key = valid_id(incident_id)
    if key is None:
        return None
    return session.execute(select_current().where(id_col == key)).first()


def versions(session: Session, row: Any) -> list[dict[str, Any]]:
    from perron.registry import incidents as service

    return service.history(session, int(row._mapping["id"]))


def links(session: Session, row: Any) -> list[dict[str, Any]]:
    key = int(row._mapping["id"])
    pairs = session.execute(
        select(
            IncidentLink.incident_id,
            IncidentLink.linked_id,
            IncidentLink.kind,
            IncidentLink.status,
            IncidentLink.score,
        ).where(or_(IncidentLink.incident_id == key, IncidentLink.linked_id == key))
    ).all()
    other = {(b if a == key else a): (kind, status, score) for a, b, kind, status, score in pairs}
    if not other:
        return []
    found = session.execute(
        select(Incident.id, Incident.party_code, Incident.category).where(
            Incident.id.in_(sorted(other))
        )
    ).all()
    return [
        {
            "id": str(i),
            "owner_party": p,
            "category": c,
            "kind": other[i][0],
            "status": other[i][1],
            "score": other[i][2],
        }
        for i, p, c in sorted(found)
    ]


def correct(
    session: Session, row: Any, changes: dict[str, Any], reason: str, actor: str, party: str
) -> int:
    """A new version through the registry's own service (which audits the write)."""
    from perron.registry import incidents as service

    try:
        return service.correct(
            session, int(row._mapping["id"]), changes, reason, actor, party=party
        )
    except service.RegistryError as exc:
        raise ValueError(str(exc)) from None


def counted():
    """Confirmed duplicates count once in figures."""
    from perron.registry import incidents as service

    return service.counted()


# ---- categories ---------------------------------------------------------------------------


GROUPS = frozenset(taxonomy.GROUPS)


def group_of(category: str | None) -> str | None:
    if category is None:
        return None
    return taxonomy.group_of(category)


def expand_categories(codes: Iterable[str]) -> set[str]:
    """Category codes for codes or group names."""
    out: set[str] = set()
    for code in codes:
        members = taxonomy.members(code)
        out.update(members if members else [code])
    return out


def group_expr(column=None):
    column = category_col if column is None else column
    whens = dict(taxonomy.all_groups())
    return case(whens, value=column, else_=column) if whens else column


def municipality_expr(column=None):
    column = station_col if column is None else column
    return select(Station.municipality_code).where(Station.code == column).scalar_subquery()


def write_watermark(session: Session) -> str:
    """Changes whenever an incident is added or corrected, or is confirmed as a duplicate
    (which sets ``duplicate_of`` without a new version): the newest version's id, the newest
    incident's id and the number and sum of ``duplicate_of`` (all from indexes)."""
    duplicates = Incident.duplicate_of.is_not(None)
    top, n, dup_n, dup_sum = session.execute(
        select(
            select(func.max(IncidentVersion.id)).scalar_subquery(),
            select(func.max(Incident.id)).scalar_subquery(),
            select(func.count(Incident.duplicate_of)).where(duplicates).scalar_subquery(),
            select(func.sum(Incident.duplicate_of)).where(duplicates).scalar_subquery(),
        )
    ).one()
    return f"{top or 0}:{n or 0}:{dup_n or 0}:{dup_sum or 0}"


def case_when(condition, yes, no):
    return case((condition, yes), else_=no)


def categories(session: Session) -> list[tuple[str, str | None]]:
    present = session.scalars(select(category_col).distinct()).all()
    return [(c, group_of(c)) for c in present]


def category_label(code: str | None, lang: str = "nl") -> str:
    if not code:
        return "–"
    try:
        return taxonomy.label(code, lang)
    except (KeyError, ValueError):
        return code


def category_options(session: Session, lang: str = "nl") -> list[dict[str, str]]:
    """The groups, then every category present, with labels in ``lang``."""
    groups = [
        {"code": g, "label": names[0] if lang == "nl" else names[1]}
        for g, names in taxonomy.GROUPS.items()
    ]
    present = [
        {"code": c, "label": "· " + category_label(c, lang)}
        for c, _g in sorted(categories(session))
    ]
    return groups + present


def party_options(session: Session) -> list[dict[str, str]]:
    owners = set(session.scalars(select(owner_col).distinct()))
    parties = session.execute(select(Party.code, Party.name).where(Party.code.in_(owners)))
    return [{"code": c, "name": n} for c, n in sorted(parties)]


def station_exists(session: Session, code: str) -> bool:
    return session.get(Station, code) is not None


def station_municipalities(session: Session) -> dict[str, str | None]:
    rows = session.connection().execute(select(Station.code, Station.municipality_code))
    return {c: mun for c, mun in rows}


def station_positions(session: Session) -> dict[str, tuple[float, float]]:
    rows = session.connection().execute(select(Station.code, Station.lat, Station.lng))
    return {c: (lat, lng) for c, lat, lng in rows}


# ---- personal data ------------------------------------------------------------------------


def purge_personal(
    session: Session, cutoffs: dict[str, datetime], *, dry_run: bool = False
) -> tuple[int, int]:
    """Blank description and person_ref of incidents (and all their versions) that occurred
    before their category's cutoff; returns (incidents, versions) changed."""
    has_personal = or_(Incident.description.is_not(None), Incident.person_ref.is_not(None))
    expired = (
        or_(*[(category_col == c) & (occurred_col < t) for c, t in cutoffs.items()])
        if cutoffs
        else false()
    )
    ids = session.scalars(select(id_col).where(expired)).all()
    if not ids:
        return 0, 0
    n_inc = len(session.scalars(select(id_col).where(expired, has_personal)).all())
    v_personal = or_(
        IncidentVersion.description.is_not(None), IncidentVersion.person_ref.is_not(None)
    )
    n_ver = 0
    for chunk in _chunks(ids, 500):
        n_ver += len(
            session.scalars(
                select(IncidentVersion.id).where(IncidentVersion.incident_id.in_(chunk), v_personal)
            ).all()
        )
        if not dry_run:
            session.execute(
                update(IncidentVersion)
                .where(IncidentVersion.incident_id.in_(chunk))
                .values(description=None, person_ref=None)
            )
            session.execute(
                update(Incident).where(id_col.in_(chunk)).values(description=None, person_ref=None)
            )
    return n_inc, n_ver


def erase_person(session: Session, pseudonym: str) -> tuple[int, int]:
    ids = set(session.scalars(select(id_col).where(Incident.person_ref == pseudonym)))
    ids |= set(
        session.scalars(
            select(IncidentVersion.incident_id).where(IncidentVersion.person_ref == pseudonym)
        )
    )
    if not ids:
        return 0, 0
    n_ver = 0
    for chunk in _chunks(sorted(ids), 500):
        result = session.execute(
            update(IncidentVersion)
            .where(IncidentVersion.incident_id.in_(chunk))
            .values(description=None, person_ref=None)
        )
        assert isinstance(result, CursorResult)  # an UPDATE gives its cursor's row count
        n_ver += result.rowcount
        session.execute(
            update(Incident).where(id_col.in_(chunk)).values(description=None, person_ref=None)
        )
    return len(ids), n_ver


def _chunks(items: Sequence, size: int):
    for i in range(0, len(items), size):
        yield list(items[i : i + size])

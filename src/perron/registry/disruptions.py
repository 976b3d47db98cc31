"""Import of the public disruption file of Rijden de Treinen as incidents.

Every safety-related disruption (by its ``statistical_cause_nl``, mapped in
:mod:`perron.domain.taxonomy`) that is not the aftermath of an earlier one (``cause_nl``
"eerdere verstoring": it repeats an incident already counted) becomes an incident of the public source ``rdt``, keyed on
``rdt_id``. A disruption names the stations of the affected stretch: the incident is placed at
the first station named, with the others kept in ``other_stations`` and the stretch in
``line_section``. Disruptions that name no station are placed on their line section only
(``rdt_lines``, or NS's own line name where that is empty).
Times are local Dutch time in the file. Re-importing the file changes nothing. The file may be
gzip-compressed (as the copy shipped with Perron is); the digest is that of the plain CSV.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.domain.incidents import Source
from perron.domain.local_time import LOCAL_TZ
from perron.domain.taxonomy import UnmappedCause, category_for_disruption_cause, is_follow_up
from perron.reference.bundle import BundleError, read_data_file
from perron.registry.importers import ImportRejected, ImportResult, Progress, RowError, write
from perron.store.tables.reference import Station

PARTY = "rdt"
REQUIRED = (
    "rdt_id",
    "rdt_lines",
    "rdt_station_codes",
    "cause_nl",
    "statistical_cause_nl",
    "start_time",
    "duration_minutes",
)


def default_disruptions_file() -> Path | None:
    """The disruption file shipped with Perron (None when the installation lacks it)."""
    from perron.reference.bundle import disruptions_file

    try:
        return disruptions_file()
    except BundleError:
        return None


def severity_of(duration_minutes: int) -> str:
    """Severity from how long traffic was disrupted."""
    if duration_minutes >= 360:
        return "critical"
    if duration_minutes >= 120:
        return "high"
    if duration_minutes >= 30:
        return "medium"
    return "low"


def import_disruptions(
    session: Session, path: Path, author: str = "perron", progress: Progress | None = None
) -> ImportResult:
    """Import the safety-related disruptions of ``path`` in the caller's transaction."""
    result = ImportResult(file=path.name, party=PARTY, profile="rijden-de-treinen")
    try:
        raw = read_data_file(path)
    except BundleError as exc:
        result.errors.append(RowError(path.name, 1, "", "", str(exc).split(": ", 1)[-1]))
        raise ImportRejected(result) from None
    stations = set(session.scalars(select(Station.code)))
    records = []
    reader = csv.DictReader(raw.decode("utf-8-sig").splitlines())
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append(
            RowError(path.name, 1, ", ".join(missing), "", "column missing: not a disruption file")
        )
        raise ImportRejected(result)
    for number, row in enumerate(reader, start=2):
        result.rows += 1

        def fail(column: str, reason: str, _n: int = number, _row: dict = row) -> None:
            result.errors.append(RowError(path.name, _n, column, _row.get(column) or "", reason))

        try:
            category = category_for_disruption_cause(row["statistical_cause_nl"])
        except UnmappedCause as exc:
            fail("statistical_cause_nl", str(exc))
            continue
        if category is None or is_follow_up(row["cause_nl"] or ""):
            result.skipped += 1  # not safety-related, or the aftermath of one already counted
            continue
        try:
            occurred = (
                datetime.fromisoformat(row["start_time"]).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
            )
        except ValueError:
            fail("start_time", "not a date-time (YYYY-MM-DD HH:MM:SS)")
            continue
        try:
            duration = int(float(row["duration_minutes"] or 0))
        except ValueError:
            fail("duration_minutes", "not a number")
            continue
        codes = [c.strip().upper() for c in row["rdt_station_codes"].split(",") if c.strip()]
        codes = ["DTCP" if c == "DTZ" else c for c in codes]
        # stations abroad (e.g. WR Weener, Belgian stations) are not in the Dutch reference
        # data: the incident goes to the first Dutch station, the others are kept as text
        dutch = [c for c in codes if c in stations]
        abroad = [c for c in codes if c not in stations]
        codes = dutch + abroad
        line = (row["rdt_lines"] or row["ns_lines"] or "").strip()[:160] or None
        if not codes and not line:
            fail("ns_lines", "names neither a station nor a line")
            continue
        records.append(
            {
                "party_ref": row["rdt_id"],
                "category": category,
                "severity": severity_of(duration),
                "occurred_at": occurred,
                "reported_at": None,
                "station_code": dutch[0] if dutch else None,
                "zone": None,
                "line_section": line,
                "level_crossing_id": None,
                "lat": None,
                "lng": None,
                "victim_role": None,
                "description": row["cause_nl"] or None,
                "person_ref": None,
                "status": "closed",
                "other_stations": ",".join(codes[1:])[:200] or None,
            }
        )
        if progress and number % 5000 == 0:
            progress("reading", number, 0)
    if result.errors:
        raise ImportRejected(result)
    return write(
        session,
        records,
        result,
        author,
        source=Source.PUBLIC.value,
        digest=hashlib.sha256(raw).hexdigest(),
        progress=progress,
    )

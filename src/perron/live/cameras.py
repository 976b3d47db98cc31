"""The camera registry: which station zone a camera (or one of its Frigate zones) watches.

A CSV with the columns ``camera,frigate_zone,station,zone``; an empty ``frigate_zone`` maps the
whole camera. An import replaces the registry in one transaction: one bad row and nothing is
written, with an error naming the file, the row and the field.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from perron.domain.zones import ZONE_CODES
from perron.store.tables.live import CameraMapping
from perron.store.tables.reference import Station

COLUMNS = ("camera", "frigate_zone", "station", "zone")


class CameraImportError(ValueError):
    """A registry file that cannot be imported; the message names file, row and field."""


@dataclass(frozen=True, slots=True)
class Mapping:
    camera: str
    frigate_zone: str
    station: str
    zone: str


class CameraRegistry:
    """Looks up the station zone of a camera and the Frigate zones an object is in."""

    def __init__(self, mappings: Iterable[Mapping] = ()) -> None:
        self._map: dict[tuple[str, str], tuple[str, str]] = {}
        for m in mappings:
            self._map[(m.camera, m.frigate_zone)] = (m.station, m.zone)

    def __len__(self) -> int:
        return len(self._map)

    def resolve(self, camera: str, frigate_zones: Iterable[str] = ()) -> tuple[str, str] | None:
        """(station, zone) of the first mapped Frigate zone, else of the whole camera, or None."""
        for fz in frigate_zones:
            hit = self._map.get((camera, fz))
            if hit is not None:
                return hit
        return self._map.get((camera, ""))


def load(session: Session) -> CameraRegistry:
    rows = session.execute(
        select(
            CameraMapping.camera,
            CameraMapping.frigate_zone,
            CameraMapping.station_code,
            CameraMapping.zone,
        )
    ).all()
    return CameraRegistry(Mapping(*r) for r in rows)


def read_csv(path: str | Path, stations: set[str]) -> list[Mapping]:
    """Read and validate a registry file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CameraImportError(f"{p}: cannot read: {exc.strerror}") from exc
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CameraImportError(f"{p}: row 1: missing column(s) {', '.join(missing)}")
    out: list[Mapping] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(reader, start=2):

        def fail(fld: str, msg: str, line: int = line) -> CameraImportError:
            return CameraImportError(f"{p}: row {line}: field {fld!r}: {msg}")

        camera = (row.get("camera") or "").strip()
        fz = (row.get("frigate_zone") or "").strip()
        station = (row.get("station") or "").strip().upper()
        zone = (row.get("zone") or "").strip()
        if not camera:
            raise fail("camera", "is empty")
        if len(camera) > 80 or len(fz) > 80:
            raise fail("camera" if len(camera) > 80 else "frigate_zone", "longer than 80")
        if station not in stations:
            raise fail("station", f"unknown station code {station!r}")
        if zone not in ZONE_CODES:
            raise fail("zone", f"unknown zone {zone!r}; known: {', '.join(ZONE_CODES)}")
        if (camera, fz) in seen:
            raise fail(
                "frigate_zone",
                f"{camera}/{fz or '*'} is already mapped in row {seen[(camera, fz)]}",
            )
        seen[(camera, fz)] = line
        out.append(Mapping(camera, fz, station, zone))
    return out


def import_csv(session: Session, path: str | Path) -> int:
    """Replace the registry by the file's rows (in the caller's transaction); return the count."""
    stations = set(session.scalars(select(Station.code)))
    mappings = read_csv(path, stations)
    replace(session, mappings)
    return len(mappings)


def replace(session: Session, mappings: list[Mapping]) -> None:
    now = datetime.now(UTC)
    session.execute(delete(CameraMapping))
    session.add_all(
        CameraMapping(
            camera=m.camera,
            frigate_zone=m.frigate_zone,
            station_code=m.station,
            zone=m.zone,
            updated_at=now,
        )
        for m in mappings
    )
    session.flush()


def write_csv(path: str | Path, mappings: Iterable[Mapping]) -> int:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for m in mappings:
            w.writerow((m.camera, m.frigate_zone, m.station, m.zone))
            n += 1
    return n


def list_mappings(session: Session) -> list[dict]:
    return [
        {
            "camera": c.camera,
            "frigate_zone": c.frigate_zone,
            "station": c.station_code,
            "zone": c.zone,
        }
        for c in session.scalars(
            select(CameraMapping).order_by(CameraMapping.camera, CameraMapping.frigate_zone)
        )
    ]

"""Rebuild the shipped network data in src/perron/network/data/ from the public source data.

Usage:
    .venv/bin/python tools/build_network_data.py [--shared DIR] [--out DIR] [--check]

``--shared`` is the folder with the source data (default: ``../shared/data`` next to the
repository). ``--check`` builds into a temporary folder and compares it with the shipped files
(the content of compressed files, so a different zlib does not count as a difference); it exits
non-zero and names every file that differs.

The links themselves (stations and lengths) are the reference data of ``perron.reference``
(``network.csv``, built by ``tools/build_reference.py`` from ``network/adjacent-stations.csv``);
this tool ships the rest: the 2026 service pattern, the derived service intensities, the
permitted speeds per link and the border points. The output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import sys
import tempfile
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DATA_DIR = REPO / "src" / "perron" / "network" / "data"

WINDOWS = (1, 2, 3, 4)
#: (source path relative to the shared folder, shipped name); ``.gz`` means gzip of the source.
COPIED = [
    *[(f"timetable/series-window{w}.json", f"series-window{w}.json.gz") for w in WINDOWS],
    *[(f"timetable/minutes-window{w}.json", f"minutes-window{w}.json.gz") for w in WINDOWS],
    ("timetable/stations.csv", "timetable-stations.csv"),
    (
        "timetable/station_service_intensity_2026_derived.csv",
        "station_service_intensity_2026_derived.csv.gz",
    ),
    (
        "timetable/edge_service_intensity_2026_derived.csv",
        "edge_service_intensity_2026_derived.csv.gz",
    ),
    ("network/speeds/traject_speeds_v17_derived.csv", "traject_speeds_v17_derived.csv"),
    (
        "network/borders/de_nl_border_points_rinf_2022_derived.csv",
        "de_nl_border_points_rinf_2022_derived.csv",
    ),
]
DERIVED = ["link_speeds.csv", "border_points.csv", "SOURCES.md"]
OUTPUT_FILES = [name for _, name in COPIED] + DERIVED

#: NS codes that changed since the adjacency list was compiled.
OLD_CODES = {"DTZ": "DTCP"}


class BuildError(Exception):
    pass


def _read(shared: Path, rel: str) -> bytes:
    path = shared / rel
    if not path.exists():
        raise BuildError(f"{path}: source file missing")
    return path.read_bytes()


def _csv(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    # Plain strings throughout: the station code NA (Nieuw Amsterdam) stays a code.
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def _write(path: Path, data: bytes) -> None:
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)


def _graph(shared: Path) -> nx.Graph:
    g: nx.Graph = nx.Graph()
    for row in _csv(_read(shared, "network/adjacent-stations.csv")):
        a = OLD_CODES.get(row["from_code"], row["from_code"])
        b = OLD_CODES.get(row["to_code"], row["to_code"])
        g.add_edge(a, b, length_km=float(row["distance_km"]))
    return g


def link_speeds(shared: Path) -> tuple[str, dict[str, int]]:
    """Assign each ProRail traject's permitted speed to the adjacent-station links it spans.

    A traject runs between two ProRail points (``TRJ_VAN``, ``TRJ_NAAR``); where both are
    stations (the ProRail abbreviation upper-cased is the NS code) the traject covers the
    shortest path between them over the adjacency graph. A link covered by several trajecten
    takes the shortest traject (the most specific one).
    """
    g = _graph(shared)
    rows = _csv(_read(shared, "network/speeds/traject_speeds_v17_derived.csv"))
    best: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
    notes = {"trajecten": len(rows), "matched": 0, "no_speed": 0}
    for row in rows:
        if not row["max_speed_kmh"]:
            notes["no_speed"] += 1
            continue
        a, b = row["trj_van"].upper(), row["trj_naar"].upper()
        if a == b or a not in g or b not in g:
            continue
        try:
            path = nx.shortest_path(g, a, b, weight="length_km")
        except nx.NetworkXNoPath:
            continue
        km = nx.path_weight(g, path, weight="length_km")
        notes["matched"] += 1
        for u, v in zip(path, path[1:], strict=False):
            key = (min(u, v), max(u, v))
            if key not in best or km < best[key][0]:
                best[key] = (km, row)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["from_code", "to_code", "traject", "max_speed_kmh", "median_speed_kmh"])
    for (a, b), (_km, row) in sorted(best.items()):
        w.writerow(
            [a, b, row["traject"], row["max_speed_kmh"], row["median_speed_kmh_lenweighted"]]
        )
    notes["links"] = len(best)
    return out.getvalue(), notes


def border_points(shared: Path) -> str:
    """The border points with the NS code of the Dutch station named first in ``nl_de_pair``."""
    stations = _csv(_read(shared, "stations/stations-2023-09.csv"))
    by_name: dict[str, str] = {}
    for s in stations:
        if s["country"] != "NL":
            continue
        for fld in ("name_long", "name_medium", "name_short"):
            by_name.setdefault(s[fld].lower(), s["code"])
    aliases = {"nieuweschans": "bad nieuweschans"}
    rows = _csv(_read(shared, "network/borders/de_nl_border_points_rinf_2022_derived.csv"))
    out = io.StringIO()
    fields = [*rows[0].keys(), "nl_station_code"] if rows else []
    w = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in rows:
        nl_name = row["nl_de_pair"].split(" - ")[0].strip().lower()
        code = by_name.get(aliases.get(nl_name, nl_name))
        if code is None:
            raise BuildError(f"border point {row['border_uopid']}: no NL station {nl_name!r}")
        w.writerow({**row, "nl_station_code": code})
    return out.getvalue()


def _trips_note(shared: Path) -> str:
    data = _read(shared, "timetable/series-window1.json").decode("utf-8")
    n = len(re.findall(r'"product"', data))
    return f"{n} series in window 1"


def sources(speed_notes: dict[str, int], series_note: str) -> str:
    return f"""# Sources of the shipped network data

Generated by `tools/build_network_data.py` from the public source data described in the shared
data README; do not edit by hand (`tools/build_network_data.py --check` verifies these files).
Paths below are relative to that data folder. Files ending in `.gz` are the source file
gzip-compressed, byte for byte the same when decompressed.

Attribution (carry wherever the data is shown):

- "Dienstregeling 2026: NDOV Loket / OVapi (CC0), gereduceerd door melvinroest/spoorkaart"
- "Spoorinfrastructuur: ProRail BBMS open data"
- "Grenspunten: ERA RINF via bergmannjg/RInfData (MIT)"
- "Storingsdata en stationslijst: Rijden de Treinen (CC BY 4.0)"

## The links

Stations and links with their length are not copied here: they are the reference data of
`perron.reference` (`network.csv`: the 433 undirected edges of `network/adjacent-stations.csv`,
a hand-compiled public list of inter-station rail distances, `DTZ` replaced by `DTCP`).

## Copied (unchanged, some compressed)

- `series-window{{1..4}}.json.gz`, `minutes-window{{1..4}}.json.gz`, `timetable-stations.csv`:
  `timetable/` — the 2026 train service pattern for four time windows (1 = Monday–Thursday until
  20:00, 2 = Friday until 20:00, 3 = weekend until 20:00, 4 = every day after 20:00), {series_note};
  public GTFS of the Dutch timetable (NS IFF → NDOV Loket, CC0 → OVapi) as reduced by the public
  project melvinroest/spoorkaart (commit dd64d147; that repository has no licence file). Headways
  and travel minutes only, not the minute at which trains leave.
- `station_service_intensity_2026_derived.csv.gz`, `edge_service_intensity_2026_derived.csv.gz`:
  trains per hour per station and per adjacent-station edge per window, derived in the shared
  data folder by routing every series over the adjacency graph. APPROXIMATE: the headway-based
  figure overstates and the trip count understates (they differ by about 2.5×); good for ranking
  and day-versus-evening ratios, not for exact capacity. Freight is not included.
- `traject_speeds_v17_derived.csv`: `network/speeds/` — maximum and length-weighted median
  permitted speed per ProRail traject, derived from the track-section tables
  `SPOORTAK_SNELHEDEN_17.csv` and `TRAJECTINDELING_17.csv` (ProRail BBMS 2021 via
  ProRail-DataLab/openspoor, MIT). The section tables themselves are not shipped: nothing here
  needs speeds finer than a traject. HSL-Zuid is not in it.
- `de_nl_border_points_rinf_2022_derived.csv`: `network/borders/` — the six Dutch–German border
  points with the adjacent German line and its maximum speed (ERA RINF via bergmannjg/RInfData,
  MIT, February 2022).

## Derived here

- `link_speeds.csv`: the permitted speed of each adjacent-station link, where known. A traject
  whose two end points are both stations (the ProRail abbreviation upper-cased is the NS code)
  is taken to cover the shortest path between them over the adjacency graph; each link on that
  path gets the traject's maximum and median speed; a link covered by several trajecten takes
  the shortest one. {speed_notes["trajecten"]} trajecten, {speed_notes["no_speed"]} without a
  speed, {speed_notes["matched"]} matched to a path, {speed_notes["links"]} links with a speed.
  Trajecten that end at a junction rather than a station are not used, so many links have no
  speed: "where known" means this.
- `border_points.csv`: the border points above with `nl_station_code`, the NS code of the Dutch
  station named first in `nl_de_pair` (`Nieuweschans` is Bad Nieuweschans, `NSCH`).
"""


def build(shared: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for rel, name in COPIED:
        _write(out / name, _read(shared, rel))
    speeds, notes = link_speeds(shared)
    (out / "link_speeds.csv").write_text(speeds, encoding="utf-8")
    (out / "border_points.csv").write_text(border_points(shared), encoding="utf-8")
    (out / "SOURCES.md").write_text(sources(notes, _trips_note(shared)), encoding="utf-8")


def content(path: Path) -> bytes:
    """The content of a shipped file (decompressed where compressed)."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def differences(shipped: Path, fresh: Path) -> list[str]:
    out = []
    for name in OUTPUT_FILES:
        if not (shipped / name).exists():
            out.append(f"{shipped / name}: missing")
        elif content(shipped / name) != content(fresh / name):
            out.append(f"{shipped / name}: differs from a fresh build")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="source data folder")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    parser.add_argument("--check", action="store_true", help="compare a fresh build, write nothing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                build(args.shared, Path(tmp))
                differ = differences(args.out, Path(tmp))
            for line in differ:
                print(line, file=sys.stderr)
            if differ:
                return 1
            print(f"network data up to date: {len(OUTPUT_FILES)} files in {args.out}")
            return 0
        build(args.shared, args.out)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 2
    print(f"network data written: {len(OUTPUT_FILES)} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

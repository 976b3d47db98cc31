"""The measure a finding suggests, from the programme's measure catalogue.

Each finding kind has a preference list of catalogue codes. When the programme capability is
installed (``perron.programme.catalogue``), the first code of the list that exists in the
catalogue and applies to the finding's zone is suggested, and a code a walker names must exist
there. Without it, the first code of the list is suggested and a named code is kept as text for
the programme to resolve.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping

from perron.inspections.errors import InspectionError

#: finding kind → catalogue codes, most fitting first (codes of perron.programme's measures.toml)
PREFERENCES: dict[str, tuple[str, ...]] = {
    "dark_corner": ("lighting", "sight_lines"),
    "broken_lighting": ("repair_speed", "lighting"),
    "blocked_sightline": ("sight_lines", "layout"),
    "no_escape_route": ("layout",),
    "graffiti": ("repair_speed",),
    "smell": ("repair_speed",),
    "no_camera": ("cctv", "cctv_car_park", "cctv_live"),
    "help_point_broken": ("live_intercom", "repair_speed"),
    "loitering": ("staff_presence", "mosquito", "greenery"),
    "poor_wayfinding": ("layout",),
    "accessibility": ("glass_lift", "layout"),
    "other": (),
}
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")


def catalogue_zones() -> Mapping[str, tuple[str, ...]] | None:
    """Code → zones of the installed measure catalogue, or None when there is none."""
    try:
        module = importlib.import_module("perron.programme.catalogue")
    except ModuleNotFoundError:
        return None
    load = getattr(module, "load_catalogue", None)
    if load is None:
        return None
    catalogue = load()
    return {m.code: tuple(m.zones) for m in catalogue.measures}


def suggest(kind: str, zone: str, zones: Mapping[str, tuple[str, ...]] | None = None) -> str | None:
    """The measure code a finding of ``kind`` in ``zone`` suggests."""
    options = PREFERENCES.get(kind, ())
    if zones is None:
        return options[0] if options else None
    known = [c for c in options if c in zones]
    for code in known:
        if zone in zones[code]:
            return code
    return known[0] if known else None


def check(code: str, zones: Mapping[str, tuple[str, ...]] | None, field: str) -> str:
    """A code a walker named: a catalogue code when the catalogue is installed."""
    text = code.strip()
    if not _CODE.match(text):
        raise InspectionError("a measure code has 1–40 lower-case letters, digits or _", field)
    if zones is not None and text not in zones:
        raise InspectionError(f"measure {text!r} is not in the measure catalogue", field)
    return text

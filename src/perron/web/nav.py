"""The navigation bar of every page: one entry per part of the application."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    key: str  # catalogue key of the label
    url: str

    def active(self, path: str) -> bool:
        """True when ``path`` belongs to this entry (the map also owns the station pages)."""
        if self.url == "/":
            return path == "/" or path.startswith("/stations/")
        return path == self.url or path.startswith(self.url + "/")


NAV: tuple[NavEntry, ...] = (
    # measure, monitor, predict
    NavEntry("nav.map", "/"),
    NavEntry("nav.incidents", "/incidents"),
    NavEntry("nav.monitor", "/monitor"),
    NavEntry("nav.live", "/live"),
    NavEntry("nav.forecast", "/forecast"),
    # intervene and measure the effect
    NavEntry("nav.programme", "/programme"),
    NavEntry("nav.effect", "/effect"),
    NavEntry("nav.inspections", "/inspections"),
    # the network
    NavEntry("nav.network", "/network"),
    NavEntry("nav.military", "/military"),
    # across parties
    NavEntry("nav.joint", "/joint"),
)


def nav_items(path: str, t) -> list[dict[str, object]]:
    """The entries with their translated label and whether they are the current page."""
    return [{"label": t(e.key), "url": e.url, "active": e.active(path)} for e in NAV]

"""The network page (``/network``): the criticality map, the scenario editor and, for cleared
users, the threat register with its risk matrix."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from perron.http.deps import DbSession
from perron.web.render import PageUser, render

router = APIRouter(include_in_schema=False)

WINDOWS = ("day", "friday", "weekend", "evening")
TOP = 20


def _map_data(crit: Any) -> dict[str, Any]:
    from perron.network.model import load_network

    net = load_network()
    links = []
    for x in crit.links:
        a, b = net.stations[x.from_code], net.stations[x.to_code]
        links.append(
            {
                "key": f"{x.from_code}-{x.to_code}",
                "a": [a.lat, a.lon],
                "b": [b.lat, b.lon],
                "ph": x.passenger_hours_lost_per_hour,
                "tph": x.trains_per_hour,
                "alt": x.alternative_km,
                "cut": len(x.isolated_stations),
                "rank": x.rank,
                "name": f"{a.name} – {b.name}",
            }
        )
    stations = [
        {
            "code": s.code,
            "name": s.name,
            "lat": net.stations[s.code].lat,
            "lon": net.stations[s.code].lon,
            "cut_vertex": s.articulation_point,
            "ph": s.passenger_hours_lost_per_hour,
        }
        for s in crit.stations
    ]
    return {"links": links, "stations": stations}


@router.get("/network", response_class=HTMLResponse)
async def network_page(
    request: Request, user: PageUser, db: DbSession, window: str = "day"
) -> Response:
    from perron.network.service import (
        NetworkAccessDenied,
        criticality_for,
        list_scenarios,
        read_register,
    )

    window = window if window in WINDOWS else "day"
    try:
        crit = await run_in_threadpool(criticality_for, db, user, window)
    except NetworkAccessDenied as exc:
        return render(
            request, "network/page.html", {"denied": str(exc), "window": window}, status_code=403
        )
    register = None
    register_denied = None
    try:
        register = read_register(db, user, None, 100)
    except NetworkAccessDenied as exc:
        register_denied = str(exc)
    scenarios = list_scenarios(db, user)[:10]
    return render(
        request,
        "network/page.html",
        {
            "leaflet": True,
            "window": window,
            "windows": WINDOWS,
            "crit": crit,
            "top_links": crit.links[:TOP],
            "top_stations": crit.stations[:TOP],
            "cut_vertices": sum(1 for s in crit.stations if s.articulation_point),
            "map_data": _map_data(crit),
            "register": register,
            "register_denied": register_denied,
            "scenarios": scenarios,
            "register_points": [
                {
                    "lat": e.lat,
                    "lon": e.lon,
                    "risk": e.risk,
                    "label": f"{e.asset_ref}: {e.threat} ({e.likelihood}×{e.impact})",
                }
                for e in (register.entries if register else [])
                if e.lat is not None
            ],
        },
    )

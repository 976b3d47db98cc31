"""Response-time figures: time to acknowledge, dispatch, arrive and resolve, measured from the
moment the alert was opened, as percentiles per station, responsible party and period."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.domain.local_time import LOCAL_TZ
from perron.store.tables.live import Alert

MEASURES = {
    "acknowledge": "acknowledged_at",
    "dispatch": "dispatched_at",
    "arrive": "on_scene_at",
    "resolve": "resolved_at",
}
PERCENTILES = (50, 90, 95)
GroupBy = Literal["station", "party", "period", "all"]


def _period(at: datetime, period: str) -> str:
    local = at.astimezone(LOCAL_TZ)
    if period == "day":
        return local.strftime("%Y-%m-%d")
    if period == "week":
        y, w, _ = local.isocalendar()
        return f"{y}-W{w:02d}"
    return local.strftime("%Y-%m")


def response_times(
    session: Session,
    *,
    group_by: GroupBy = "all",
    period: Literal["day", "week", "month"] = "month",
    since: datetime | None = None,
    until: datetime | None = None,
    station: str | None = None,
    party: str | None = None,
    parties: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows of {group, alerts, and per measure: n, p50, p90, p95, mean} in seconds.

    A measure counts only alerts that reached that step; ``n`` says how many did. ``parties``
    limits the figures to alerts of those responsible parties (what a user may see).
    """
    q = select(Alert)
    if since is not None:
        q = q.where(Alert.created_at >= since)
    if until is not None:
        q = q.where(Alert.created_at < until)
    if station:
        q = q.where(Alert.station_code == station)
    if party:
        q = q.where(Alert.responsible_party == party)
    if parties is not None:
        q = q.where(Alert.responsible_party.in_(parties))
    groups: dict[str, list[Alert]] = defaultdict(list)
    for alert in session.scalars(q):
        if group_by == "station":
            key = alert.station_code
        elif group_by == "party":
            key = alert.responsible_party
        elif group_by == "period":
            key = _period(alert.created_at, period)
        else:
            key = "all"
        groups[key].append(alert)
    rows = []
    for key in sorted(groups):
        alerts = groups[key]
        row: dict[str, Any] = {"group": key, "alerts": len(alerts)}
        for name, column in MEASURES.items():
            secs = [
                (getattr(a, column) - a.created_at).total_seconds()
                for a in alerts
                if getattr(a, column) is not None
            ]
            if secs:
                arr = np.asarray(secs, dtype=float)
                pct = np.percentile(arr, PERCENTILES)
                row[name] = {
                    "n": len(secs),
                    **{f"p{p}": round(float(v), 1) for p, v in zip(PERCENTILES, pct, strict=True)},
                    "mean": round(float(arr.mean()), 1),
                }
            else:
                row[name] = {"n": 0, "p50": None, "p90": None, "p95": None, "mean": None}
        rows.append(row)
    return rows


def response_parties(party_code: str) -> frozenset[str]:
    """The responsible parties whose alerts' response times ``party_code`` may read: its own,
    and NS and ProRail together (they share the station's control room)."""
    if party_code in ("ns", "prorail"):
        return frozenset({"ns", "prorail"})
    return frozenset({party_code})

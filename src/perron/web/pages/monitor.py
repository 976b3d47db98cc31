"""The monitor page (``/monitor``): national evening safety, women / men / anders, size classes,
the stations below 6.0 with their trend and a map; plus the station-page fragment."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from perron.domain.errors import NotFound
from perron.http.deps import DbSession
from perron.lazy import lazy_module
from perron.monitor.model import EVENING, GENDERS, ITEMS, SIZE_CLASSES, THRESHOLD
from perron.web.i18n import language_of
from perron.web.render import PageUser, render

# pandas and SciPy load with the first monitor request, not at start-up
service = lazy_module("perron.monitor.service")
store = lazy_module("perron.monitor.store")

router = APIRouter(include_in_schema=False)

#: the purpose the pages read the monitor for (recorded in the audit trail)
PAGE_PURPOSE = "analysis"
TREND_ITEMS = ("safe_evening", "safe_day", "overall")
CHART = {"width": 420, "height": 200, "left": 36, "right": 14, "top": 12, "bottom": 26}
Y_RANGE = (3.0, 10.0)


@router.get("/monitor", response_class=HTMLResponse)
def monitor_page(
    request: Request, db: DbSession, user: PageUser, year: int | None = None
) -> Response:
    view = service.overview(db, user, PAGE_PURPOSE, year)
    years = view["years"]
    if not years:
        return render(request, "monitor/page.html", {"empty": True, "years": []})
    shown: int = view["year"]
    scores, below, mapped = view["scores"], view["below"], view["map"]
    national = scores["national"]
    bars = [
        {"group_kind": "gender", "group": g, **_bar(scores["by_gender"].get(g))}
        for g in GENDERS
        if g in scores["by_gender"]
    ] + [
        {"group_kind": "size", "group": s, **_bar(scores["by_size_class"].get(s))}
        for s in SIZE_CLASSES
        if s in scores["by_size_class"]
    ]
    synthetic = scores["synthetic"] is not False
    context = {
        "empty": False,
        "leaflet": True,
        "vega": True,
        "years": years,
        "year": shown,
        "scores": scores,
        "national": national,
        "overall": national["items"]["overall"],
        "below": below,
        "synthetic": synthetic,
        "threshold": THRESHOLD,
        "bars": bars,
        "map_points": [
            {k: s[k] for k in ("code", "name", "lat", "lng", "mean", "n", "suppressed")}
            for s in mapped["stations"]
        ],
    }
    context["content_html"] = _content(request, db, shown, context)
    return render(request, "monitor/page.html", context)


#: the rendered content of /monitor (the same for every user) by survey version, year and
#: language: its ~2,000 formatted numbers took most of the page's time
_CONTENT: OrderedDict[tuple[Any, ...], Markup] = OrderedDict()
_CONTENT_SIZE = 32
_CONTENT_LOCK = threading.Lock()


def _content(request: Request, db: DbSession, year: int, context: dict[str, Any]) -> Markup:
    key = (store.version(db), year, language_of(request))
    with _CONTENT_LOCK:
        if key in _CONTENT:
            _CONTENT.move_to_end(key)
            return _CONTENT[key]
    html = Markup(bytes(render(request, "monitor/_content.html", context).body).decode())
    with _CONTENT_LOCK:
        _CONTENT[key] = html
        while len(_CONTENT) > _CONTENT_SIZE:
            _CONTENT.popitem(last=False)
    return html


def _bar(est: dict[str, Any] | None) -> dict[str, Any]:
    if est is None or est["suppressed"]:
        return {"mean": None, "low": None, "high": None, "n": 0 if est is None else est["n"]}
    return {"mean": est["mean"], "low": est["ci_low"], "high": est["ci_high"], "n": est["n"]}


def _trend_chart(report: dict[str, Any]) -> dict[str, Any] | None:
    """Coordinates of an SVG line chart of the yearly scores with their intervals."""
    years = sorted(int(y) for y in report["years"])
    if not years:
        return None
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    lo, hi = Y_RANGE

    def x(i: int) -> float:
        return c["left"] + (plot_w * (i + 0.5) / len(years))

    def y(v: float) -> float:
        v = min(max(v, lo), hi)
        return c["top"] + plot_h * (hi - v) / (hi - lo)

    series = []
    for item in TREND_ITEMS:
        points = []
        for i, yr in enumerate(years):
            est = report["years"][str(yr)].get(item)
            if est is None or est["suppressed"]:
                continue
            points.append(
                {
                    "x": round(x(i), 1),
                    "y": round(y(est["mean"]), 1),
                    "y_low": round(y(est["ci_low"]), 1),
                    "y_high": round(y(est["ci_high"]), 1),
                    "year": yr,
                    "mean": est["mean"],
                }
            )
        series.append(
            {"item": item, "points": points, "path": " ".join(f"{p['x']},{p['y']}" for p in points)}
        )
    ticks = [{"v": v, "y": round(y(v), 1)} for v in range(int(lo), int(hi) + 1)]
    return {
        **c,
        "plot_right": c["width"] - c["right"],
        "plot_bottom": c["height"] - c["bottom"],
        "x_labels": [{"x": round(x(i), 1), "year": yr} for i, yr in enumerate(years)],
        "ticks": ticks,
        "threshold_y": round(y(THRESHOLD), 1),
        "series": series,
    }


@router.get("/monitor/stations/{code}/fragment", response_class=HTMLResponse)
def station_fragment(code: str, request: Request, db: DbSession, user: PageUser) -> Response:
    """Scores with intervals per item for the latest year and the trend over the years."""
    code = code.upper()
    try:
        report = service.station_scores(db, user, PAGE_PURPOSE, code)
    except NotFound:
        return HTMLResponse("", status_code=404)
    if not report["years"]:
        return HTMLResponse("", status_code=404)
    latest = str(report["latest_year"])
    return render(
        request,
        "monitor/station_fragment.html",
        {
            "code": code,
            "report": report,
            "latest": latest,
            "items": ITEMS,
            "rows": [(item, report["years"][latest][item]) for item in ITEMS],
            "chart": _trend_chart(report),
            "trend_items": TREND_ITEMS,
            "evening": EVENING,
            "synthetic": report["synthetic"] is not False,
        },
    )

"""Train, store and use forecasts: the week ahead, tonight, and the cached backtest report."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perron.config import Settings, get_settings
from perron.domain.local_time import LOCAL_TZ
from perron.forecast.data import (
    BLOCK_HOURS,
    BLOCK_LABELS,
    EVENING_BLOCKS,
    N_BLOCKS,
    DataError,
    as_date,
    default_categories,
    default_data_file,
    first_day,
    last_day,
    resolve_categories,
    write_incident_table,
)
from perron.forecast.explain import drivers, factor_matrix
from perron.forecast.features import WEEK, History
from perron.forecast.models import FLOOR, MODELS, Samples

MODEL_VERSION = 1
#: a forecast needs history before its first day, and reaches at most this far beyond the
#: last day of the data
MIN_HISTORY_DAYS = 1
MAX_AHEAD_DAYS = 366


#: the models that make forecasts (each with explanations), by name
PRODUCTION_MODELS = MODELS
#: the model that did best in the 2022–2023 backtest (docs/forecast.md)
DEFAULT_MODEL = "blend"


@dataclass(frozen=True)
class Store:
    """Forecast from the registry in the store: the incidents ``party``'s ``role`` may see for
    ``purpose`` (through :func:`perron.registry.queries.occurrences`, which applies the
    agreements and audits the read), in the taxonomy's categories — social safety included."""

    party: str
    role: str = "analyst"
    username: str = "forecast"
    purpose: str = "analysis"


def store_table(store: Store, settings: Settings | None = None) -> Path:
    """The store's incidents as an incident table in the data directory, written again only
    when the registry changed (its write watermark) or for another viewer."""
    from perron.access.agreements import viewer_for
    from perron.registry import queries, read_model
    from perron.store.db import engine_for, transaction

    settings = settings or get_settings()
    local = LOCAL_TZ
    engine = engine_for(settings.database_url)
    try:
        with transaction(engine) as session:
            mark = read_model.write_watermark(session)
            key = hashlib.sha256(
                f"{mark}|{store.party}|{store.role}|{store.purpose}".encode()
            ).hexdigest()[:16]
            out = forecast_dir(settings) / f"store-{key}.csv"
            if out.exists():
                return out
            viewer = viewer_for(session, store.party, store.role, store.username)
            found = queries.occurrences(session, viewer, store.purpose)
    except (queries.AccessDenied, ValueError) as exc:
        raise DataError(f"the registry: {exc}") from exc
    rows = [
        (o.stations, o.category, o.occurred_at.astimezone(local).strftime("%Y-%m-%d %H:%M:%S"))
        for o in found
        if o.stations
    ]
    if not rows:
        raise DataError(
            f"the registry holds no incident at a station that {store.party} may see for "
            f"{store.purpose}"
        )
    write_incident_table(out, rows)
    return out


def resolve_data(data: str | Path | Store | None, settings: Settings | None = None) -> Path:
    """The incidents to forecast from: the registry (a :class:`Store`), a file, else
    ``PERRON_FORECAST_DATA``, else the public disruption file shipped with Perron."""
    if isinstance(data, Store):
        return store_table(data, settings)
    path = data
    configured = (settings or get_settings()).forecast_data
    p = Path(path) if path else (configured or default_data_file())
    if not p.exists():
        raise DataError(f"{p}: file not found")
    return p


def forecast_dir(settings: Settings | None = None) -> Path:
    d = (settings or get_settings()).data_dir / "forecast"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _data_key(path: Path, categories: tuple[str, ...], model: str) -> str:
    st = path.stat()
    raw = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{','.join(categories)}|{model}"
    return hashlib.sha256(f"{raw}|v{MODEL_VERSION}".encode()).hexdigest()[:16]


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _cats(categories: list[str] | tuple[str, ...] | None, path: Path) -> tuple[str, ...]:
    return resolve_categories(categories, default_categories(path))


def _history(
    path: Path, until: date, categories: tuple[str, ...], settings: Settings | None = None
) -> History:
    """History before ``until``; the parsed incidents are cached in the data directory."""
    from perron.forecast.backtest import history_for
    from perron.forecast.data import load_incidents, stations

    cache = forecast_dir(settings) / f"incidents-{_data_key(path, categories, 'incidents')}.pkl"
    if cache.exists():
        inc = pd.read_pickle(cache)
    else:
        inc = load_incidents(path, categories, [s.code for s in stations()])
        _atomic_write(cache, pickle.dumps(inc))
    return history_for(path, until, categories, incidents=inc)


def train(
    data: str | Path | None = None,
    until: str | date | None = None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Fit ``model`` on all complete weeks before ``until`` and store it in the data directory."""
    if model not in PRODUCTION_MODELS:
        raise DataError(f"unknown model {model!r}; choose from {', '.join(PRODUCTION_MODELS)}")
    path = resolve_data(data, settings)
    cats = _cats(categories, path)
    end = last_day(path) + timedelta(days=1)
    until_d = min(as_date(until), end) if until else end
    t = time.perf_counter()
    hist = _history(path, until_d, cats, settings)
    m = PRODUCTION_MODELS[model]()
    t0 = hist.cube.day_index(until_d)
    m.fit(hist, t0, Samples(hist))
    key = _data_key(path, cats, model)
    out = forecast_dir(settings) / f"model-{key}-{until_d.isoformat()}.pkl"
    meta = {
        "model": model,
        "data": str(path),
        "categories": list(cats),
        "trained_until": until_d.isoformat(),
        "history_from": hist.cube.start.isoformat(),
        "seconds": round(time.perf_counter() - t, 2),
        "path": str(out),
    }
    _atomic_write(out, pickle.dumps({"meta": meta, "model": m}))
    return meta


def _load_model(path: Path, cats: tuple[str, ...], model: str, start: date, settings) -> Any:
    """The stored model trained on the latest data that still ends on or before ``start``."""
    key = _data_key(path, cats, model)
    best = None
    for f in forecast_dir(settings).glob(f"model-{key}-*.pkl"):
        d = date.fromisoformat(f.stem[-10:])
        if d <= start and (best is None or d > best[0]):
            best = (d, f)
    if best is None:
        return None
    with best[1].open("rb") as fh:
        return pickle.load(fh)


def forecast_cells(
    data: str | Path | None = None,
    start: str | date | None = None,
    days: int = WEEK,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
    with_drivers: bool = True,
    *,
    shared: bool = False,
) -> dict[str, Any]:
    """Expected incidents per station, day and block for ``days`` days from ``start``.

    Uses a stored model trained on data before ``start`` when there is one, else trains one on
    the fly (and stores it). Features use only data before ``start``. The answer is a copy the
    caller may change; with ``shared=True`` it is the remembered forecast itself, for readers
    that only read it (pages): copying a week's 16,000 cells per request costs more than
    rendering them.
    """
    if model not in PRODUCTION_MODELS:
        raise DataError(f"unknown model {model!r}; choose from {', '.join(PRODUCTION_MODELS)}")
    if not 1 <= days <= 28:
        raise DataError(f"--days must be between 1 and 28, not {days}")
    path = resolve_data(data, settings)
    cats = _cats(categories, path)
    data_until = last_day(path)
    start_d = as_date(start) if start else data_until + timedelta(days=1)
    earliest = first_day(path) + timedelta(days=MIN_HISTORY_DAYS)
    latest = data_until + timedelta(days=MAX_AHEAD_DAYS)
    if not earliest <= start_d <= latest:
        raise DataError(
            f"date: {start_d.isoformat()} lies outside what the data can forecast; give a day "
            f"from {earliest.isoformat()} (the day after the data begins) to {latest.isoformat()}"
        )

    def key() -> tuple:
        return (
            str(path),
            path.stat().st_mtime_ns,
            start_d,
            days,
            model,
            cats,
            lang,
            with_drivers,
            tuple(
                sorted(
                    (f.name, f.stat().st_mtime_ns)
                    for f in forecast_dir(settings).glob("model-*.pkl")
                )
            ),
        )

    memo_key = key()
    if memo_key in _MEMO:
        return _MEMO[memo_key] if shared else _copy(_MEMO[memo_key])
    result = _forecast_cells(
        path, cats, data_until, start_d, days, model, settings, lang, with_drivers
    )
    if len(_MEMO) >= 8:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key()] = result  # under the key as it is now: making it may have stored a model
    return result if shared else _copy(result)


def _copy(result: dict[str, Any]) -> dict[str, Any]:
    """A copy callers may filter and extend without touching the remembered forecast."""
    return {
        **result,
        "cells": [dict(c) for c in result["cells"]],
        "stations": [dict(s) for s in result["stations"]],
    }


#: forecasts already made in this process, keyed on the data file, the stored models and the
#: request: pages and fragments ask for the same week many times
_MEMO: dict[tuple, dict[str, Any]] = {}


def _forecast_cells(path, cats, data_until, start_d, days, model, settings, lang, with_drivers):
    stored = _load_model(path, cats, model, start_d, settings)
    if stored is None:
        meta = train(path, start_d, model, list(cats), settings)
        stored = _load_model(path, cats, model, start_d, settings)
        assert stored is not None, meta
    m = stored["model"]
    hist = _history(path, start_d, cats, settings)
    t0 = hist.cube.day_index(start_d)
    pred = np.maximum(m.predict(hist, t0, days), FLOOR)
    s_n = hist.n_stations
    flat = pred.reshape(-1)
    rank = np.empty(flat.size, dtype=int)
    rank[np.argsort(-flat, kind="stable")] = np.arange(1, flat.size + 1)
    why: list[list[dict]] | None = None
    if with_drivers:
        contrib, names = m.explain(hist, t0, days)
        why = drivers(factor_matrix(contrib, names), lang=lang)
    st = hist.stations
    day_list = [(start_d + timedelta(days=d)).isoformat() for d in range(days)]
    expected = np.round(flat, 5).tolist()
    ranks = rank.tolist()
    cells = []
    i = 0
    for s in range(s_n):
        code, name = st[s].code, st[s].name
        for d in range(days):
            for b in range(N_BLOCKS):
                cell = {
                    "station": code,
                    "name": name,
                    "date": day_list[d],
                    "block": b,
                    "hours": BLOCK_LABELS[b],
                    "evening": b in EVENING_BLOCKS,
                    "expected": expected[i],
                    "rank": ranks[i],
                }
                if why is not None:
                    cell["drivers"] = why[i]
                cells.append(cell)
                i += 1
    return {
        "start": start_d.isoformat(),
        "days": days,
        "model": model,
        "trained_until": stored["meta"]["trained_until"],
        "data_until": data_until.isoformat(),
        "categories": list(cats),
        "block_hours": BLOCK_HOURS,
        "blocks": list(BLOCK_LABELS),
        "stations": [
            {"code": x.code, "name": x.name, "lat": x.lat, "lng": x.lng, "size_class": x.size_class}
            for x in st
        ],
        "cells": cells,
    }


class UnknownStation(DataError):
    """A station code the forecast does not cover."""


#: cells of the API's week view that carry their drivers by default (the best-ranked ones)
DRIVERS_TOP = 100
#: encoded answers already given in this process, keyed on the data file's version, the stored
#: models and the request (the forecast for a date does not change until the data does)
_PAYLOADS: dict[tuple, bytes] = {}


def _payload_key(kind: str, data, settings, *args: Any) -> tuple:
    path = resolve_data(data, settings)
    models = tuple(
        sorted((f.name, f.stat().st_mtime_ns) for f in forecast_dir(settings).glob("model-*.pkl"))
    )
    return (kind, str(path), path.stat().st_mtime_ns, models, *args)


def _remember(key: Callable[[], tuple], make: Callable[[], dict[str, Any]]) -> bytes:
    """The cached answer under ``key()``, else ``make()`` encoded and kept under the key as it
    is afterwards (making a forecast may train and store a model, which is part of the key)."""
    import orjson

    hit = _PAYLOADS.get(key())
    if hit is not None:
        return hit
    body = orjson.dumps(make())
    if len(_PAYLOADS) >= 32:
        _PAYLOADS.pop(next(iter(_PAYLOADS)))
    _PAYLOADS[key()] = body
    return body


def week_payload(
    data=None,
    start=None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
    station: str | None = None,
    drivers_top: int = DRIVERS_TOP,
) -> bytes:
    """The week ahead as compact JSON for the API: station names once (in ``stations``), the
    drivers only for the ``drivers_top`` best-ranked cells, optionally one station; cached per
    data version and request. Raises :class:`UnknownStation` for a code without cells."""
    code = station.upper() if station else None
    cats = tuple(categories or ())

    def key() -> tuple:
        return _payload_key("week", data, settings, start, model, cats, lang, code, drivers_top)

    def make() -> dict[str, Any]:
        res = week(data, start, model, categories, settings, lang)
        cells = []
        for c in res["cells"]:
            if code is not None and c["station"] != code:
                continue
            c.pop("name", None)
            if c["rank"] > drivers_top:
                c.pop("drivers", None)
            cells.append(c)
        if code is not None:
            res["stations"] = [s for s in res["stations"] if s["code"] == code]
            if not cells:
                raise UnknownStation(f"no station with code {station!r}")
        res["cells"] = cells
        res["drivers_top"] = drivers_top
        return res

    return _remember(key, make)


def tonight_payload(
    data=None,
    day=None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
    top: int = 25,
) -> bytes:
    """:func:`tonight` as JSON for the API, cached per data version and request."""
    cats = tuple(categories or ())
    return _remember(
        lambda: _payload_key("tonight", data, settings, day, model, cats, lang, top),
        lambda: tonight(data, day, model, categories, settings, lang, top),
    )


def week(data=None, start=None, model=DEFAULT_MODEL, categories=None, settings=None, lang="nl"):
    """The forecast per station and block for the seven days from ``start``."""
    return forecast_cells(data, start, WEEK, model, categories, settings, lang)


def week_view(
    data=None, start=None, model=DEFAULT_MODEL, categories=None, settings=None, lang="nl"
) -> dict[str, Any]:
    """:func:`week` for readers only (the forecast page and the station fragment): the
    remembered forecast itself, which the caller must not change."""
    return forecast_cells(data, start, WEEK, model, categories, settings, lang, shared=True)


def tonight(
    data: str | Path | None = None,
    day: str | date | None = None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
    top: int = 25,
) -> dict[str, Any]:
    """Stations ranked by expected incidents in the evening blocks (16–24) of ``day``."""
    res = forecast_cells(data, day, 1, model, categories, settings, lang)
    by_station: dict[str, dict] = {}
    for c in res["cells"]:
        if not c["evening"]:
            continue
        e = by_station.setdefault(
            c["station"],
            {"station": c["station"], "name": c["name"], "expected": 0.0, "blocks": {}, "top": c},
        )
        e["expected"] += c["expected"]
        e["blocks"][c["hours"]] = c["expected"]
        if c["expected"] > e["top"]["expected"]:
            e["top"] = c
    pos = {s["code"]: s for s in res["stations"]}
    ranked = sorted(by_station.values(), key=lambda e: -e["expected"])
    out = []
    for i, e in enumerate(ranked[: max(top, 1)]):
        s = pos[e["station"]]
        out.append(
            {
                "rank": i + 1,
                "station": e["station"],
                "name": e["name"],
                "lat": s["lat"],
                "lng": s["lng"],
                "expected": round(e["expected"], 5),
                "blocks": e["blocks"],
                "drivers": e["top"].get("drivers", []),
            }
        )
    total = sum(e["expected"] for e in ranked)
    return {
        "date": res["start"],
        "hours": "16–24",
        "model": res["model"],
        "trained_until": res["trained_until"],
        "data_until": res["data_until"],
        "categories": res["categories"],
        "expected_total": round(total, 4),
        "stations": out,
    }


# ---------------------------------------------------------------- backtest report cache
def backtest_path(settings: Settings | None = None) -> Path:
    return forecast_dir(settings) / "backtest.json"


def save_backtest(report: dict, settings: Settings | None = None) -> Path:
    """Store a backtest report (without the forecasts themselves) in the data directory."""
    p = backtest_path(settings)
    clean = {k: v for k, v in report.items() if k not in ("forecasts", "origins")}
    _atomic_write(p, json.dumps(clean, indent=1).encode())
    return p


def load_backtest(settings: Settings | None = None) -> dict | None:
    """The stored backtest report, or None when there is none yet."""
    p = backtest_path(settings)
    if not p.exists():
        return None
    return json.loads(p.read_text())


def prepare_demo(settings: Settings | None = None, quick_weeks: int = 8) -> dict[str, Any]:
    """Make tonight's forecast on the real data and, when no report is cached, a short backtest.

    Tonight is the evening after the last day in the data file. The short backtest covers the
    last ``quick_weeks`` complete weeks (labelled as such); ``perron forecast backtest`` writes
    the full report over the same cache file.
    """
    from perron.forecast.backtest import run_backtest

    settings = settings or get_settings()
    path = resolve_data(None)
    t = time.perf_counter()
    res = tonight(path, settings=settings)
    _atomic_write(forecast_dir(settings) / "tonight.json", json.dumps(res, indent=1).encode())
    out: dict[str, Any] = {"tonight": res["date"], "seconds_tonight": time.perf_counter() - t}
    if load_backtest(settings) is None:
        t = time.perf_counter()
        end = last_day(path)
        start = end - timedelta(days=WEEK * quick_weeks)
        rep = run_backtest(path, start, end)
        rep["scope"] = f"quick: last {quick_weeks} weeks of the data"
        save_backtest(rep, settings)
        out["seconds_backtest"] = time.perf_counter() - t
    return out

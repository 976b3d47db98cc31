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

from perron.access.actors import Actor, Installation, installation
from perron.access.policy import Grant, Level, Purpose, Viewer, purpose_of
from perron.config import Settings, get_settings
from perron.domain.errors import Forbidden, Invalid
from perron.domain.local_time import LOCAL_TZ
from perron.domain.parties import Role
from perron.forecast.data import (
    BLOCK_HOURS,
    BLOCK_LABELS,
    EVENING_BLOCKS,
    N_BLOCKS,
    TABLE_COLUMNS,
    DataError,
    as_date,
    default_categories,
    default_data_file,
    first_day,
    last_day,
    resolve_categories,
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
    """Forecast from the registry as one party sees it: the incidents ``party``'s ``role`` may
    see for the caller's purpose. The installation names any party (``--registry PARTY``); a
    user names their own party only. Without a source, an action forecasts from the registry
    as the actor sees it."""

    party: str
    role: str = "analyst"


@dataclass(frozen=True)
class Disruptions:
    """Forecast from a disruption file in the Rijden de Treinen format: ``path``, else
    ``PERRON_FORECAST_DATA``, else the public file of 2011–2023 shipped with Perron."""

    path: Path | None = None


#: where an action forecasts from: None (the registry as the actor sees it), a Store, a
#: Disruptions file, or the path of a file (a disruption file or an incident table)
Source = Store | Disruptions | str | Path | None

#: the roles that train models (besides the installation): a stored model serves every user
TRAINERS = frozenset({Role.ADMIN, Role.ANALYST})


def _viewer(session: Any, actor: Actor, store: Store | None) -> Viewer:
    """The access policy's view for ``actor`` (as ``store``'s party when given): a user as
    themselves; the installation, which administers every party's data here, sees every
    party's incidents."""
    from perron.access.agreements import public_parties, viewer_for
    from perron.store.tables.accounts import Party

    if store is not None:
        if not isinstance(actor, Installation) and store.party != actor.party_code:
            raise Forbidden(
                f"{actor.username} forecasts from what {actor.party_code} may see only", "party"
            )
        if session.get(Party, store.party) is None:
            raise Invalid(f"unknown party {store.party[:40]!r}", "party")
        role = store.role if isinstance(actor, Installation) else actor.role.value
        return viewer_for(session, store.party, role, actor.username)
    if isinstance(actor, Installation):
        from sqlalchemy import select

        parties = session.scalars(select(Party.code).order_by(Party.code)).all()
        return Viewer(
            party=actor.party_code,
            role=Role.ADMIN,
            grants=tuple(Grant(p, Level.DETAIL, frozenset(Purpose)) for p in parties),
            public_parties=public_parties(session),
            username=actor.username,
        )
    return viewer_for(session, actor.party_code, actor.role, actor.username)


#: the incident table made for a registry view, by database, write watermark, view and
#: purpose: (file, rows). A read with all three unchanged reuses the table without reading the
#: incidents again; the table itself is named by its content
_TABLES: dict[tuple[Any, ...], tuple[Path, int]] = {}
#: what each incident table made from the registry holds, by file name: rows, synthetic rows
_TABLE_INFO: dict[str, dict[str, int]] = {}


def source_info(path: Path) -> dict[str, Any]:
    """What a forecast was made from, for the people who read it: ``registry`` (with the
    number of incidents and of synthetic ones among them, which must be labelled so) or
    ``file`` (a disruption file or an incident table named by its owner)."""
    info = _TABLE_INFO.get(Path(path).name)
    if info is None:
        return {"kind": "file", "file": Path(path).name}
    return {"kind": "registry", **info}


def _table_text(rows: list[tuple[tuple[str, ...], str, str]]) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TABLE_COLUMNS)
    for codes, category, start in rows:
        w.writerow([",".join(codes), category, start])
    return buf.getvalue().encode("utf-8")


def _registry_table(
    actor: Actor,
    purpose: Purpose,
    store: Store | None,
    settings: Settings,
    action: str,
) -> Path:
    """The registry's incidents that ``actor`` may see for ``purpose`` as an incident table in
    the data directory, named by its content (``store-<sha256>.csv``): the same incidents give
    the same file, data key and stored models, so a registry write that changes nothing the
    view holds does not retrain. One audit entry per call (``forecast.<action>``, under the
    caller's purpose), whether the incidents were read now or the table was reused."""
    from dataclasses import replace

    from perron.access import audit
    from perron.registry import queries, read_model
    from perron.store.db import engine_for, transaction

    engine = engine_for(settings.database_url)
    with transaction(engine) as session:
        viewer = _viewer(session, actor, store)
        mark = read_model.write_watermark(session)
        memo = (
            settings.database_url,
            str(settings.data_dir),
            mark,
            replace(viewer, username="-"),
            purpose.value,
        )
        hit = _TABLES.get(memo)
        if hit is not None and hit[0].exists():
            out, n = hit
        else:
            found = queries.occurrences(session, viewer, purpose, audit_read=False)
            rows = [
                (
                    o.stations,
                    o.category,
                    o.occurred_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                )
                for o in found
                if o.stations
            ]
            n = len(rows)
            synthetic = sum(1 for o in found if o.stations and o.synthetic)
            if not rows:
                whose = f"{store.party}" if store else "you"
                raise DataError(
                    f"source: the registry holds no incident at a station that {whose} may see "
                    f"for {purpose.value}; import the public disruption file (`perron incidents "
                    "import-disruptions`) or a party's incidents (`perron incidents import`), "
                    "or forecast from the disruption file (source=disruptions, --data FILE)"
                )
            body = _table_text(rows)
            out = forecast_dir(settings) / f"store-{hashlib.sha256(body).hexdigest()[:20]}.csv"
            if not out.exists():
                _atomic_write(out, body)
            if len(_TABLES) >= 32:
                _TABLES.pop(next(iter(_TABLES)))
            _TABLES[memo] = (out, n)
            _TABLE_INFO[out.name] = {"incidents": n, "synthetic": synthetic}
        audit.record(
            session,
            actor=actor.username,
            party=actor.party_code,
            purpose=purpose.value,
            action=f"forecast.{action}",
            subject="incidents",
            detail={
                "source": "registry",
                "as_party": store.party if store else None,
                "rows": n,
                "table": out.name,
            },
        )
    return out


def store_table(store: Store, settings: Settings | None = None) -> Path:
    """The incidents ``store.party``'s ``store.role`` may see for analysis as an incident table,
    read by the installation (the command line's ``--registry PARTY``)."""
    return _registry_table(
        installation(), Purpose.ANALYSIS, store, settings or get_settings(), "table"
    )


def _disruptions(path: str | Path | None, settings: Settings | None) -> Path:
    configured = (settings or get_settings()).forecast_data
    p = Path(path) if path else (configured or default_data_file())
    if not p.exists():
        raise DataError(f"{p}: file not found")
    return p


def resolve_data(data: Source, settings: Settings | None = None) -> Path:
    """The file to forecast from for a file source: a path, or a :class:`Disruptions` file
    (else ``PERRON_FORECAST_DATA``, else the public disruption file shipped with Perron).
    ``None`` is the shipped (or configured) disruption file; a :class:`Store` is read as the
    installation. Actions resolve their source through the actor instead (:func:`source_file`)."""
    if isinstance(data, Store):
        return store_table(data, settings)
    if isinstance(data, Disruptions):
        return _disruptions(data.path, settings)
    return _disruptions(data, settings)


def source_file(
    actor: Actor,
    purpose: Purpose | str,
    data: Source = None,
    settings: Settings | None = None,
    action: str = "read",
) -> Path:
    """Decide whether ``actor`` may forecast from ``data`` for ``purpose`` and return the file
    to forecast from: the registry as the actor sees it (the default; through the access
    policy, audited once), a party's view (:class:`Store`), or a file (:class:`Disruptions`,
    a path: public data, not audited)."""
    chosen = purpose_of(purpose)
    settings = settings or get_settings()
    if data is None or isinstance(data, Store):
        return _registry_table(actor, chosen, data, settings, action)
    path = data.path if isinstance(data, Disruptions) else data
    if path is not None and not isinstance(actor, Installation):
        raise Forbidden("a file on the server is named at its command line only", "data")
    return _disruptions(path, settings)


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
    actor: Actor,
    purpose: Purpose | str = Purpose.ANALYSIS,
    data: Source = None,
    until: str | date | None = None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Fit ``model`` on all complete weeks before ``until`` and store it in the data directory
    (the installation, admins and analysts: a stored model serves every user)."""
    if not isinstance(actor, Installation) and actor.role not in TRAINERS:
        raise Forbidden(
            f"the role {actor.role.value!r} cannot train forecast models; admins and analysts can"
        )
    if model not in PRODUCTION_MODELS:
        raise DataError(f"unknown model {model!r}; choose from {', '.join(PRODUCTION_MODELS)}")
    return _train(
        source_file(actor, purpose, data, settings, "train"), until, model, categories, settings
    )


def _train(
    path: Path,
    until: str | date | None,
    model: str,
    categories: list[str] | tuple[str, ...] | None,
    settings: Settings | None,
) -> dict[str, Any]:
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
    path: Path,
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

    ``path`` is the file an action resolved (:func:`source_file`). Uses a stored model trained
    on data before ``start`` when there is one, else trains one on the fly (and stores it).
    Features use only data before ``start``. The answer is a copy the caller may change; with
    ``shared=True`` it is the remembered forecast itself, for readers that only read it
    (pages): copying a week's 16,000 cells per request costs more than rendering them.
    """
    if model not in PRODUCTION_MODELS:
        raise DataError(f"unknown model {model!r}; choose from {', '.join(PRODUCTION_MODELS)}")
    if not 1 <= days <= 28:
        raise DataError(f"--days must be between 1 and 28, not {days}")
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
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
        meta = _train(path, start_d, model, list(cats), settings)
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
        "source": source_info(path),
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


def _payload_key(kind: str, path: Path, settings, *args: Any) -> tuple:
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
    actor: Actor,
    purpose: Purpose | str = Purpose.ANALYSIS,
    data: Source = None,
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
    path = source_file(actor, purpose, data, settings, "station_week" if code else "week")

    def key() -> tuple:
        return _payload_key("week", path, settings, start, model, cats, lang, code, drivers_top)

    def make() -> dict[str, Any]:
        res = forecast_cells(path, start, WEEK, model, categories, settings, lang)
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
    actor: Actor,
    purpose: Purpose | str = Purpose.ANALYSIS,
    data: Source = None,
    day=None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
    top: int = 25,
) -> bytes:
    """:func:`tonight` as JSON for the API, cached per data version and request."""
    cats = tuple(categories or ())
    path = source_file(actor, purpose, data, settings, "tonight")
    return _remember(
        lambda: _payload_key("tonight", path, settings, day, model, cats, lang, top),
        lambda: _tonight(path, day, model, categories, settings, lang, top),
    )


def week(
    actor: Actor,
    purpose: Purpose | str = Purpose.ANALYSIS,
    data: Source = None,
    start=None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
) -> dict[str, Any]:
    """The forecast per station and block for the seven days from ``start`` (default: the day
    after the data), from ``data`` (default: the registry as ``actor`` sees it for
    ``purpose``)."""
    path = source_file(actor, purpose, data, settings, "week")
    return forecast_cells(path, start, WEEK, model, categories, settings, lang)


def week_view(
    actor: Actor,
    purpose: Purpose | str = Purpose.ANALYSIS,
    data: Source = None,
    start=None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
) -> dict[str, Any]:
    """:func:`week` for readers only: the remembered forecast itself, which the caller must not
    change."""
    path = source_file(actor, purpose, data, settings, "week")
    return forecast_cells(path, start, WEEK, model, categories, settings, lang, shared=True)


def station_week(
    actor: Actor,
    purpose: Purpose | str,
    code: str,
    data: Source = None,
    start=None,
    model: str = DEFAULT_MODEL,
    settings: Settings | None = None,
    lang: str = "nl",
) -> dict[str, Any]:
    """One station's week: its evening blocks per day (with the day's best rank), the drivers
    of its best-ranked cell, the first day and how many cells the week has. Raises
    :class:`UnknownStation` for a code without cells."""
    path = source_file(actor, purpose, data, settings, "station_week")
    wk = forecast_cells(path, start, WEEK, model, None, settings, lang, shared=True)
    code = code.strip().upper()
    cells = [c for c in wk["cells"] if c["station"] == code]
    if not cells:
        raise UnknownStation(f"no station with code {code[:20]!r}")
    rows: dict[str, dict[str, Any]] = {}
    for c in cells:
        if c["evening"]:
            r = rows.setdefault(c["date"], {"date": c["date"], "rank": c["rank"]})
            r[c["hours"]] = c["expected"]
            r["rank"] = min(r["rank"], c["rank"])
    best = min(cells, key=lambda c: c["rank"])
    return {
        "station": code,
        "start": wk["start"],
        "model": wk["model"],
        "data_until": wk["data_until"],
        "rows": list(rows.values()),
        "drivers": best.get("drivers", []),
        "cells_total": len(wk["cells"]),
    }


def tonight(
    actor: Actor,
    purpose: Purpose | str = Purpose.ANALYSIS,
    data: Source = None,
    day: str | date | None = None,
    model: str = DEFAULT_MODEL,
    categories: list[str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
    top: int = 25,
) -> dict[str, Any]:
    """Stations ranked by expected incidents in the evening blocks (16–24) of ``day``, from
    ``data`` (default: the registry as ``actor`` sees it for ``purpose``)."""
    path = source_file(actor, purpose, data, settings, "tonight")
    return _tonight(path, day, model, categories, settings, lang, top)


def outlook(
    actor: Actor,
    purpose: Purpose | str = Purpose.ANALYSIS,
    data: Source = None,
    start: str | date | None = None,
    model: str = DEFAULT_MODEL,
    settings: Settings | None = None,
    lang: str = "nl",
    top: int = 25,
) -> dict[str, Any]:
    """What the forecast page shows, as one read: tonight (the evening of ``start``), the week
    from ``start`` (the remembered forecast itself: read it, never change it) and the stored
    backtest report."""
    path = source_file(actor, purpose, data, settings, "outlook")
    return {
        "source": source_info(path),
        "tonight": _tonight(path, start, model, None, settings, lang, top),
        "week": forecast_cells(path, start, WEEK, model, None, settings, lang, shared=True),
        "report": load_backtest(settings),
    }


def _tonight(
    path: Path,
    day: str | date | None,
    model: str,
    categories: list[str] | None,
    settings: Settings | None,
    lang: str,
    top: int,
) -> dict[str, Any]:
    res = forecast_cells(path, day, 1, model, categories, settings, lang)
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
        "source": res["source"],
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


def backtest_report(
    actor: Actor, purpose: Purpose | str = Purpose.ANALYSIS, settings: Settings | None = None
) -> dict | None:
    """The stored backtest report for any logged-in user and the installation, or None when
    there is none yet. It holds scores of models over places and times, no incident: its read
    is not audited."""
    purpose_of(purpose)
    return load_backtest(settings)


#: how many users' views of the registry :func:`warm` prepares at most (one model each)
WARM_VIEWS = 3


def warm(actor: Actor, settings: Settings | None = None) -> list[str]:
    """Prepare the forecast the forecast page shows by default — the week from the registry —
    for the views of the parties whose users log in most (at most :data:`WARM_VIEWS`), so that
    their first page view finds the table, the model and the forecast made. The installation
    reads each view (one audit entry each, ``forecast.warm``, under ``analysis``); a view that
    holds no incident is skipped. Returns the tables prepared."""
    from sqlalchemy import func, select

    from perron.store.db import engine_for, transaction
    from perron.store.tables.accounts import User

    settings = settings or get_settings()
    with transaction(engine_for(settings.database_url)) as session:
        parties = [
            p
            for p, _n in session.execute(
                select(User.party_code, func.count())
                .where(User.active.is_(True))
                .group_by(User.party_code)
                .order_by(func.count().desc(), User.party_code)
                .limit(WARM_VIEWS)
            )
        ]
    done: list[str] = []
    for party in parties:
        try:
            path = _registry_table(actor, Purpose.ANALYSIS, Store(party), settings, "warm")
        except (DataError, Forbidden, Invalid):
            continue
        if path.name not in done:
            forecast_cells(path, None, WEEK, DEFAULT_MODEL, None, settings, "nl", shared=True)
            done.append(path.name)
    return done


def prepare_demo(
    settings: Settings | None = None, quick_weeks: int = 8, actor: Actor | None = None
) -> dict[str, Any]:
    """Make tonight's forecast from the registry (as the installation sees it: the demo's
    preparation imports the public disruption file into it first), prepare the forecast page's
    default for the demo's users (:func:`warm`) and, when no report is cached, a short backtest
    on the public disruption file.

    Tonight is the evening after the last day in the data. The short backtest covers the last
    ``quick_weeks`` complete weeks of the file (labelled as such); ``perron forecast backtest``
    writes the full report over the same cache file.
    """
    from perron.forecast.backtest import run_backtest

    settings = settings or get_settings()
    actor = actor or installation("perron-demo")
    t = time.perf_counter()
    res = tonight(actor, Purpose.ANALYSIS, None, settings=settings, top=400)
    _atomic_write(forecast_dir(settings) / "tonight.json", json.dumps(res, indent=1).encode())
    out: dict[str, Any] = {"tonight": res["date"], "seconds_tonight": time.perf_counter() - t}
    t = time.perf_counter()
    out["warmed"] = warm(actor, settings)
    out["seconds_warm"] = time.perf_counter() - t
    if load_backtest(settings) is None:
        t = time.perf_counter()
        path = resolve_data(Disruptions(), settings)
        end = last_day(path)
        start = end - timedelta(days=WEEK * quick_weeks)
        rep = run_backtest(path, start, end)
        rep["scope"] = f"quick: last {quick_weeks} weeks of the data"
        rep["data"] = "the public disruption file"
        save_backtest(rep, settings)
        out["seconds_backtest"] = time.perf_counter() - t
    return out

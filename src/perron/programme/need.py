"""The need index: which stations need the programme most, transparently and configurably.

Components (each with its value, source and weight; ``data/need_index.toml`` sets the weights):

* ``evening_safety`` — the weighted survey score for feeling safe after 19:00 in the latest
  year (monitor; lower = more need);
* ``evening_trend`` — its change against the year before (monitor; a fall = more need);
* ``gender_gap`` — men's minus women's evening score (monitor; a wider gap = more need);
* ``harm_per_traveller`` — harm-weighted incidents of the latest registry year per million
  station visits (registry, with ``data/harm_weights.toml``; travellers from reference data);
* ``forecast`` — tonight's expected safety incidents 16–24 h (forecast; more = more need);
* ``evening_share`` — the share of a station's train stops after 20:00 in the 2026 timetable,
  the proxy for the share of travellers after 19:00 (no per-station traveller split by hour is
  public; the timetable's evening window starts at 20:00).

Each component is scaled to 0..1 over the stations that have it by its percentile rank in the
direction of need; the score is 100 × the weighted mean over the components a station has
(weights renormalised over them). A component with no data at all is listed as missing.
Rank stability: the share of resamples in which a station stays in the top N when the weights
(Dirichlet around the configured ones) and the data (each value within its uncertainty: survey
standard errors, Poisson counts) are drawn again.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from perron.programme.catalogue import DATA, HarmWeights, load_harm_weights, load_need_weights
from perron.store.tables.reference import Station

EVENING_SERVICE_FILE = DATA / "evening_service.csv"


@dataclass(frozen=True)
class ComponentSpec:
    name: str
    label_nl: str
    label_en: str
    unit: str
    higher_is_need: bool
    source: str


COMPONENTS: dict[str, ComponentSpec] = {
    c.name: c
    for c in (
        ComponentSpec(
            "evening_safety",
            "Veiligheidsgevoel na 19:00",
            "Feeling safe after 19:00",
            "score 1–10",
            False,
            "monitor: weighted survey score safe_evening, latest year",
        ),
        ComponentSpec(
            "evening_trend",
            "Trend veiligheidsgevoel",
            "Trend of feeling safe",
            "points per year",
            False,
            "monitor: safe_evening latest year minus the year before",
        ),
        ComponentSpec(
            "gender_gap",
            "Verschil mannen–vrouwen",
            "Gap men–women",
            "points",
            True,
            "monitor: safe_evening of men minus women, latest year",
        ),
        ComponentSpec(
            "harm_per_traveller",
            "Schade per reiziger",
            "Harm per traveller",
            "harm points per million visits",
            True,
            "registry: harm-weighted incidents of the latest year / (travellers per day × 365)",
        ),
        ComponentSpec(
            "forecast",
            "Prognose vanavond",
            "Forecast tonight",
            "expected incidents 16–24 h",
            True,
            "forecast: tonight's expected safety incidents, evening blocks",
        ),
        ComponentSpec(
            "evening_share",
            "Aandeel avondreizigers",
            "Share of evening travellers",
            "share of train stops after 20:00",
            True,
            "timetable 2026: train stops after 20:00 / all (proxy for travellers after 19:00)",
        ),
    )
}


@dataclass
class ComponentData:
    """Values per station of one component, with what resampling needs."""

    values: dict[str, float]
    spread: dict[str, float] = field(default_factory=dict)  # standard error per station
    counts: dict[str, float] = field(default_factory=dict)  # Poisson counts behind a rate
    note: str = ""
    synthetic: bool | None = None


# ---------------------------------------------------------------- gathering the data


def _monitor(session: Session) -> tuple[dict[str, ComponentData], str | None, list[str]]:
    """Evening safety, trend and gender gap per station from the monitor's service."""
    from perron.monitor import scores as sc
    from perron.monitor import service, store

    years = store.available_years(session)
    if not years:
        return {}, None, ["monitor: no survey responses (import or `perron monitor generate`)"]
    from perron.monitor.model import configured_population

    year = years[-1]
    both = service.weighted_frame(session, years[-2:], configured_population())
    frame = both[both["year"] == year]
    means = sc.station_means(frame, "safe_evening")
    out: dict[str, ComponentData] = {}
    synthetic = sc.is_synthetic(frame)
    ev = ComponentData({}, synthetic=synthetic, note=f"year {year}")
    for code, row in means.iterrows():
        if not row["suppressed"] and np.isfinite(row["mean"]):
            ev.values[str(code)] = float(row["mean"])
            ev.spread[str(code)] = float(row["se"])
    out["evening_safety"] = ev
    notes: list[str] = []
    if len(years) >= 2:
        prev = sc.station_means(both[both["year"] == years[-2]], "safe_evening")
        tr = ComponentData({}, synthetic=synthetic, note=f"{years[-2]}→{year}")
        for code, v in ev.values.items():
            if code in prev.index and not prev.at[code, "suppressed"]:
                p = float(prev.at[code, "mean"])
                tr.values[code] = v - p
                tr.spread[code] = math.hypot(ev.spread[code], float(prev.at[code, "se"]))
        out["evening_trend"] = tr
    else:
        notes.append("evening_trend: only one survey year")
    sub = frame[frame["gender"].isin(("man", "vrouw"))]
    table = sc.score_table(sub, ["station_code", "gender"], ["safe_evening"])
    gap = ComponentData({}, synthetic=synthetic, note=f"year {year}")
    wide: dict[str, dict[str, tuple[float, float]]] = {}
    for _, r in table.iterrows():
        if not r["suppressed"]:
            wide.setdefault(str(r["station_code"]), {})[r["gender"]] = (r["mean"], r["se"])
    for code, g in wide.items():
        if "man" in g and "vrouw" in g:
            gap.values[code] = float(g["man"][0] - g["vrouw"][0])
            gap.spread[code] = float(math.hypot(g["man"][1], g["vrouw"][1]))
    out["gender_gap"] = gap
    return out, str(year), notes


def _registry(
    session: Session, actor: Any, weights: HarmWeights, travellers: dict[str, int]
) -> tuple[ComponentData | None, dict[str, dict[str, float]], str]:
    """Harm-weighted incidents of the latest year per station (and per category)."""
    from perron.access.agreements import viewer_for
    from perron.domain.taxonomy import CATEGORIES
    from perron.registry.queries import AccessDenied, QueryError, aggregate

    role = str(getattr(actor.role, "value", actor.role))
    key = "category"
    try:
        viewer = viewer_for(session, actor.party_code, role, actor.username)
        try:
            agg = aggregate(session, viewer, "analysis", ("station", "category", "year"))
        except QueryError:
            # counts that include other parties' aggregate-only records come per category group
            # (the registry's fixed grid): each group weighs its categories' mean harm weight
            key = "group"
            agg = aggregate(session, viewer, "analysis", ("station", "group", "year"))
    except AccessDenied as exc:
        return None, {}, f"registry: {exc}"
    group_weight: dict[str, float] = {}
    if key == "group":
        members: dict[str, list[float]] = {}
        for code, cat in CATEGORIES.items():
            members.setdefault(cat.group, []).append(weights.of(code))
        group_weight = {g: sum(v) / len(v) for g, v in members.items()}
    cells = [c for c in agg.cells if c.get("station")]
    if not cells:
        return None, {}, "registry: no incidents at stations"
    year = max(str(c["year"]) for c in cells if c.get("year"))
    by_cat: dict[str, dict[str, float]] = {}
    counts: dict[str, float] = {}
    suppressed = 0
    for c in cells:
        if str(c.get("year")) != year:
            continue
        n = c["count"]
        if n is None:  # a suppressed small cell: 1–4 incidents, counted as 2.5
            n = 2.5
            suppressed += 1
        st = str(c["station"])
        by_cat.setdefault(st, {})
        code = str(c[key])
        weight = group_weight.get(code, weights.default) if key == "group" else weights.of(code)
        by_cat[st][code] = by_cat[st].get(code, 0.0) + weight * float(n)
        counts[st] = counts.get(st, 0.0) + float(n)
    per = "" if key == "category" else "; per category group (mean harm weight of its categories)"
    data = ComponentData({}, note=f"year {year}; {suppressed} suppressed cells counted as 2.5{per}")
    for st, travel in travellers.items():
        harm = sum(by_cat.get(st, {}).values())
        if travel > 0:
            data.values[st] = harm / (travel * 365) * 1e6
            data.counts[st] = counts.get(st, 0.0)
    return data, by_cat, ""


def _forecast(settings: Any, actor: Any) -> tuple[ComponentData | None, str]:
    """Tonight's evening forecast per station: the stored one (``perron demo`` stores it, from
    the registry), else one from a stored model of the public disruption file. (Not from the
    registry here: that read is a transaction of its own, which must not wait for the index's.)"""
    try:
        from perron.forecast.service import Disruptions, forecast_dir, tonight
    except ImportError:  # pragma: no cover - the forecast capability is not installed
        return None, "forecast: not installed"
    try:
        d = forecast_dir(settings)
        cached = d / "tonight.json"
        if cached.exists():
            res = json.loads(cached.read_text())
        elif any(d.glob("model-*.pkl")):
            res = tonight(actor, "analysis", Disruptions(), settings=settings, top=400)
        else:
            return None, "forecast: no stored forecast (run `perron forecast train` or the demo)"
    except Exception as exc:  # a missing data file or model: the index goes on without it
        return None, f"forecast: {exc}"
    data = ComponentData(
        {s["station"]: float(s["expected"]) for s in res.get("stations", [])},
        note=f"{res.get('date')} model {res.get('model')}",
    )
    if len(data.values) < 50:
        # the stored "tonight" lists the top stations only: the rest are below the lowest
        return data, "forecast: only the top stations stored; the others count as below them"
    return data, ""


def evening_shares(path: Path = EVENING_SERVICE_FILE) -> dict[str, float]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["code"]: float(r["evening_share"]) for r in csv.DictReader(fh)}


# ---------------------------------------------------------------- scoring


def _percentiles(values: np.ndarray, higher_is_need: bool) -> np.ndarray:
    """Percentile rank 0..1 (1 = most need) over the finite values; NaN stays NaN, ties share."""
    out = np.full(values.shape, np.nan)
    ok = np.isfinite(values)
    n = int(ok.sum())
    if n == 0:
        return out
    v = values[ok] if higher_is_need else -values[ok]
    order = np.argsort(v, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(n)
    # average the ranks of ties
    _, inv, cnt = np.unique(v, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = sums[inv] / cnt[inv]
    out[ok] = ranks / max(n - 1, 1)
    return out


def _scores(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """100 × weighted mean of the present components per row (stations × components)."""
    present = np.isfinite(matrix)
    w = np.where(present, weights[None, :], 0.0)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(total > 0, (np.nan_to_num(matrix) * w).sum(axis=1) / total, 0.0)
    return 100 * s


def _fmt(v: float, lang: str, digits: int = 1) -> str:
    text = f"{v:,.{digits}f}"
    if lang == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _phrase(name: str, value: float, pct: float, lang: str) -> str:
    top = max(1, round(100 * (1 - pct)))
    if name == "evening_safety":
        return (
            f"een avondcijfer van {_fmt(value, lang)} (laagste {top} %)"
            if lang == "nl"
            else f"an evening score of {_fmt(value, lang)} (lowest {top} %)"
        )
    if name == "evening_trend":
        return (
            f"een daling van {_fmt(-value, lang, 2)} punt sinds vorig jaar"
            if lang == "nl" and value < 0
            else (
                f"a fall of {_fmt(-value, lang, 2)} points since last year"
                if value < 0
                else (
                    f"een trend van {_fmt(value, lang, 2)} punt"
                    if lang == "nl"
                    else f"a trend of {_fmt(value, lang, 2)} points"
                )
            )
        )
    if name == "gender_gap":
        return (
            f"vrouwen voelen zich {_fmt(value, lang, 2)} punt minder veilig dan mannen"
            if lang == "nl"
            else f"women feel {_fmt(value, lang, 2)} points less safe than men"
        )
    if name == "harm_per_traveller":
        return (
            f"{_fmt(value, lang)} schadepunten per miljoen bezoeken (hoogste {top} %)"
            if lang == "nl"
            else f"{_fmt(value, lang)} harm points per million visits (highest {top} %)"
        )
    if name == "forecast":
        return (
            f"{_fmt(value, lang, 2)} verwachte incidenten vanavond (hoogste {top} %)"
            if lang == "nl"
            else f"{_fmt(value, lang, 2)} expected incidents tonight (highest {top} %)"
        )
    return (
        f"{_fmt(100 * value, lang, 0)} % van de treinen na 20:00"
        if lang == "nl"
        else f"{_fmt(100 * value, lang, 0)} % of trains after 20:00"
    )


def _why(name: str, parts: list[tuple[str, float, float, float]], lang: str) -> str:
    """One sentence: the station and the (up to three) components that weigh most in it."""
    chosen = sorted(parts, key=lambda p: -p[3])[:3]
    if not chosen:
        return (
            f"{name}: geen gegevens voor de index."
            if lang == "nl"
            else f"{name}: no data for the index."
        )
    bits = [_phrase(c, v, p, lang) for c, v, p, _ in chosen]
    join = " en " if lang == "nl" else " and "
    text = bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + join + bits[-1]
    return f"{name}: {text}." if lang == "nl" else f"{name}: {text}."


_MEMO: dict[tuple[Any, ...], dict[str, Any]] = {}


def _data_key(session: Session, actor: Any, settings: Any) -> tuple[Any, ...]:
    """What the index depends on besides its arguments: the data versions of the monitor and
    the registry, the stored forecasts, the actor's party and role."""
    from perron.monitor import store
    from perron.registry.read_model import write_watermark

    forecasts: tuple[Any, ...] = ()
    try:
        from perron.forecast.service import forecast_dir

        d = forecast_dir(settings)
        forecasts = tuple(sorted((f.name, f.stat().st_mtime_ns) for f in d.glob("*")))
    except Exception:  # no forecast capability or data directory: nothing to key on
        forecasts = ()
    return (
        str(getattr(session.get_bind(), "url", "")),
        store.data_version(session),
        write_watermark(session),
        forecasts,
        actor.party_code,
        str(getattr(actor.role, "value", actor.role)),
    )


def need_index(
    session: Session,
    actor: Any,
    weights: dict[str, float] | None = None,
    top_n: int | None = None,
    resamples: int = 200,
    seed: int = 12,
    harm_weights: HarmWeights | None = None,
    settings: Any = None,
) -> dict[str, Any]:
    """The need index of every station: score, rank, components (value, percentile, weight,
    source), a "why this station" sentence in Dutch and English, and rank stability.

    Remembered in this process until the survey, the registry or the stored forecasts change."""
    key = (
        _data_key(session, actor, settings),
        tuple(sorted((weights or {}).items())),
        top_n,
        resamples,
        seed,
        None if harm_weights is None else (harm_weights.path, tuple(harm_weights.weights.items())),
    )
    if key in _MEMO:
        return _MEMO[key]
    result = _need_index(session, actor, weights, top_n, resamples, seed, harm_weights, settings)
    if len(_MEMO) >= 16:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = result
    return result


def _need_index(
    session: Session,
    actor: Any,
    weights: dict[str, float] | None = None,
    top_n: int | None = None,
    resamples: int = 200,
    seed: int = 12,
    harm_weights: HarmWeights | None = None,
    settings: Any = None,
) -> dict[str, Any]:
    from perron.programme.errors import ProgrammeError

    conf_w, conf_top, version = load_need_weights()
    w = dict(conf_w)
    for k, v in (weights or {}).items():
        if k not in COMPONENTS:
            raise ProgrammeError(f"weights: unknown component {k!r}; use {', '.join(COMPONENTS)}")
        if not (isinstance(v, int | float) and math.isfinite(v) and 0 <= v <= 100):
            raise ProgrammeError(f"weights.{k}: a number between 0 and 100")
        w[k] = float(v)
    if sum(w.values()) <= 0:
        raise ProgrammeError("weights: at least one component needs a weight above 0")
    top = conf_top if top_n is None else top_n
    if not 1 <= top <= 397:
        raise ProgrammeError("top_n: between 1 and 397")
    if not 0 <= resamples <= 2000:
        raise ProgrammeError("resamples: between 0 and 2000")
    hw = harm_weights or load_harm_weights()
    stations = session.execute(
        select(
            Station.code,
            Station.name_long,
            Station.size_class,
            Station.travellers_per_day,
            Station.lat,
            Station.lng,
        ).order_by(Station.code)
    ).all()
    if not stations:
        raise ProgrammeError("no stations in the database: run `perron reference load` first")
    codes = [s.code for s in stations]
    travellers = {s.code: int(s.travellers_per_day or 0) for s in stations}
    notes: list[str] = []
    data: dict[str, ComponentData] = {}
    mon, mon_year, mon_notes = _monitor(session)
    data.update(mon)
    notes += mon_notes
    reg, harm_by_cat, note = _registry(session, actor, hw, travellers)
    if reg is not None:
        data["harm_per_traveller"] = reg
    if note:
        notes.append(note)
    fc, note = _forecast(settings, actor)
    if fc is not None:
        if len(fc.values) < 50:
            low = min(fc.values.values(), default=0.0)
            for c in codes:
                fc.values.setdefault(c, low * 0.5)
        data["forecast"] = fc
    if note:
        notes.append(note)
    shares = evening_shares()
    data["evening_share"] = ComponentData(
        {c: shares[c] for c in codes if c in shares}, note="timetable 2026 (derived)"
    )
    names = [n for n in COMPONENTS if n in data and data[n].values]
    missing = [n for n in COMPONENTS if n not in names]
    raw = np.array(
        [[data[n].values.get(c, np.nan) for n in names] for c in codes], dtype=float
    ).reshape(len(codes), len(names))
    wvec = np.array([w.get(n, 0.0) for n in names])
    pct = np.column_stack(
        [_percentiles(raw[:, j], COMPONENTS[n].higher_is_need) for j, n in enumerate(names)]
    ).reshape(len(codes), len(names))
    score = _scores(pct, wvec) if names else np.zeros(len(codes))
    order = np.argsort(-score, kind="stable")
    rank = np.empty(len(codes), dtype=int)
    rank[order] = np.arange(1, len(codes) + 1)
    stability = _stability(data, names, codes, raw, wvec, top, resamples, seed)
    items = []
    for i, s in enumerate(stations):
        comps: dict[str, float | None] = {}
        details = []
        parts = []
        wsum = sum(wvec[j] for j in range(len(names)) if np.isfinite(raw[i, j]))
        for j, n in enumerate(names):
            v = raw[i, j]
            ok = bool(np.isfinite(v))
            comps[n] = round(float(v), 4) if ok else None
            contribution = (wvec[j] * pct[i, j] / wsum * 100) if ok and wsum else 0.0
            details.append(
                {
                    "name": n,
                    "label_nl": COMPONENTS[n].label_nl,
                    "label_en": COMPONENTS[n].label_en,
                    "value": comps[n],
                    "unit": COMPONENTS[n].unit,
                    "percentile": round(float(pct[i, j]), 4) if ok else None,
                    "weight": wvec[j],
                    "contribution": round(contribution, 3),
                    "source": COMPONENTS[n].source,
                    "note": data[n].note,
                }
            )
            if ok:
                parts.append((n, float(v), float(pct[i, j]), contribution))
        for n in missing:
            comps[n] = None
        items.append(
            {
                "station": s.code,
                "name": s.name_long,
                "size_class": s.size_class,
                "lat": s.lat,
                "lng": s.lng,
                "travellers_per_day": s.travellers_per_day,
                "score": round(float(score[i]), 3),
                "rank": int(rank[i]),
                "components": comps,
                "component_details": details,
                "missing": [d["name"] for d in details if d["value"] is None] + missing,
                "why_nl": _why(s.name_long, parts, "nl"),
                "why_en": _why(s.name_long, parts, "en"),
                "stability": None if stability is None else round(float(stability[i]), 3),
                "harm": round(sum(harm_by_cat.get(s.code, {}).values()), 3),
                "harm_by_category": {
                    k: round(v, 3) for k, v in sorted(harm_by_cat.get(s.code, {}).items())
                },
            }
        )
    items.sort(key=lambda e: e["rank"])
    synthetic = any(data[n].synthetic for n in names if data[n].synthetic)
    return {
        "items": items,
        "count": len(items),
        "weights": {n: w.get(n, 0.0) for n in COMPONENTS},
        "components": [
            {
                "name": c.name,
                "label_nl": c.label_nl,
                "label_en": c.label_en,
                "unit": c.unit,
                "source": c.source,
                "higher_is_need": c.higher_is_need,
                "weight": w.get(c.name, 0.0),
                "available": c.name in names,
                "note": data[c.name].note if c.name in data else "",
            }
            for c in COMPONENTS.values()
        ],
        "missing_components": missing,
        "notes": notes,
        "top_n": top,
        "resamples": resamples,
        "monitor_year": mon_year,
        "harm_weights_version": hw.version,
        "config_version": version,
        "synthetic_components": [n for n in names if data[n].synthetic],
        "synthetic": synthetic,
    }


def _stability(
    data: dict[str, ComponentData],
    names: list[str],
    codes: list[str],
    raw: np.ndarray,
    wvec: np.ndarray,
    top: int,
    resamples: int,
    seed: int,
) -> np.ndarray | None:
    """Share of resamples with the station in the top ``top``."""
    if resamples == 0 or not names:
        return None
    rng = np.random.default_rng(seed)
    n_st = len(codes)
    hits = np.zeros(n_st)
    spread = np.array(
        [[data[n].spread.get(c, 0.0) for n in names] for c in codes], dtype=float
    ).reshape(n_st, len(names))
    counts = np.array(
        [[data[n].counts.get(c, np.nan) for n in names] for c in codes], dtype=float
    ).reshape(n_st, len(names))
    alpha = np.maximum(wvec / max(wvec.sum(), 1e-12) * 50, 1e-3)
    for _ in range(resamples):
        ww = rng.dirichlet(alpha) * wvec.sum()
        ww[wvec == 0] = 0
        m = raw + rng.standard_normal(raw.shape) * spread
        has_n = np.isfinite(counts) & (counts > 0)
        if has_n.any():
            draw = rng.poisson(np.where(has_n, counts, 0))
            m = np.where(has_n, raw * draw / np.where(has_n, counts, 1), m)
        pct = np.column_stack(
            [_percentiles(m[:, j], COMPONENTS[n].higher_is_need) for j, n in enumerate(names)]
        ).reshape(n_st, len(names))
        s = _scores(pct, ww)
        best = np.argsort(-s, kind="stable")[:top]
        hits[best] += 1
    return hits / resamples

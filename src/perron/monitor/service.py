"""The monitor's operations on a database session: generate, score, list, per station."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from perron.monitor import scores as sc
from perron.monitor import store
from perron.monitor.generator import DEFAULT_YEARS, PUBLISHED, Targets, generate
from perron.monitor.model import (
    EVENING,
    ITEMS,
    MIN_RESPONSES,
    THRESHOLD,
    Population,
    configured_population,
)

_CACHE: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_CACHE_SIZE = 6
_CACHE_LOCK = threading.Lock()

#: computed reports (scores, stations below the threshold, map, one station's trend) by
#: :func:`perron.monitor.store.version` and arguments: a page view is then a few look-ups.
#: The reports are shared: callers read them and never change them.
_REPORTS: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_REPORTS_SIZE = 256


def _report(session: Session, kind: str, args: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    key = (kind, store.version(session), args)
    with _CACHE_LOCK:
        if key in _REPORTS:
            _REPORTS.move_to_end(key)
            return _REPORTS[key]
    value = compute()
    with _CACHE_LOCK:
        _REPORTS[key] = value
        while len(_REPORTS) > _REPORTS_SIZE:
            _REPORTS.popitem(last=False)
    return value


def _pop_key(population: Population) -> tuple[Any, ...]:
    return (population.name, tuple(sorted(population.cells.items())))


def response_count(session: Session) -> int:
    """How many responses the survey holds (cached per data version)."""
    return int(_report(session, "count", (), lambda: store.data_version(session)[0]))


def available_years(session: Session) -> list[int]:
    """Years that have responses, oldest first (cached per data version; a fresh list)."""
    return list(_report(session, "years", (), lambda: tuple(store.available_years(session))))


def survey_years(session: Session) -> dict[str, Any]:
    """The years with survey responses, their number, and whether they are synthetic: True
    (all), False (none) or None (a mix; also when there are none)."""
    from sqlalchemy import select

    from perron.store.tables.monitor import SurveyResponse

    years = available_years(session)
    count = response_count(session)
    synthetic = None
    if count:
        real = session.scalar(
            select(SurveyResponse.id).where(SurveyResponse.synthetic.is_(False)).limit(1)
        )
        fake = session.scalar(
            select(SurveyResponse.id).where(SurveyResponse.synthetic.is_(True)).limit(1)
        )
        synthetic = True if real is None else (False if fake is None else None)
    return {"years": years, "responses": count, "synthetic": synthetic}


def weighted_frame(
    session: Session, years: Iterable[int] | None, population: Population
) -> pd.DataFrame:
    """The weighted responses of ``years`` (all years when None), weights per year.

    Kept in a small in-process cache keyed by the database, the years, the population and the
    data version (count and highest id), so repeated page views do not re-read the table."""
    years_key = None if years is None else tuple(sorted(set(years)))
    key = (years_key, tuple(sorted(population.cells.items())), store.version(session))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    frame = sc.add_weights(store.load_frame(session, years=years_key), population)
    with _CACHE_LOCK:
        _CACHE[key] = frame
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return frame


def generate_into(
    session: Session,
    seed: int,
    years: Iterable[int] = DEFAULT_YEARS,
    targets: Targets = PUBLISHED,
    step: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Generate the synthetic survey of ``years`` and replace the synthetic rows of those years.

    ``step(phase, done, total)`` reports progress. Runs in the caller's transaction."""
    step = step or (lambda *_: None)
    years = tuple(sorted(set(years)))
    stations = store.stations_frame(session).reset_index(drop=True)
    if stations.empty:
        raise ValueError("no stations in the database: run `perron reference load` first")
    step("generating", 0, 1)
    survey = generate(stations, seed=seed, years=years, targets=targets)
    total = len(survey.frame)
    step("removing old synthetic rows", 0, total)
    removed = store.delete_synthetic_years(session, years)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        step("writing", done, total)

    store.insert_frame(session, survey.frame, advance)
    per_year = survey.frame.groupby("year").size()
    return {
        "seed": seed,
        "years": list(years),
        "responses": total,
        "per_year": {str(int(y)): int(n) for y, n in per_year.items()},
        "replaced": removed,
        "source": survey.source,
        "synthetic": True,
        "parameters": {str(y): p for y, p in survey.parameters.items()},
    }


def _weighted_whole_period(frame: pd.DataFrame, population: Population) -> pd.DataFrame:
    frame = frame.copy()
    frame["weight"] = sc.poststrat_weights(
        frame["gender"].to_numpy(), frame["age_band"].to_numpy(), [0] * len(frame), population
    )
    return frame


def period_frame(
    session: Session,
    year: int | None = None,
    start: date | None = None,
    end: date | None = None,
    population: Population | None = None,
) -> pd.DataFrame:
    """Weighted responses of ``year`` (weights per year) or of ``start``..``end`` (weights over
    the whole period)."""
    population = population or configured_population()
    if year is not None:
        return weighted_frame(session, [year], population)
    return _weighted_whole_period(store.load_frame(session, start=start, end=end), population)


def scores(
    session: Session,
    year: int | None = None,
    start: date | None = None,
    end: date | None = None,
    station: str | None = None,
    items: Sequence[str] = ITEMS,
    headline: str = EVENING,
    population: Population | None = None,
) -> dict[str, Any]:
    """National, by gender and by size class (and one station's scores when asked)."""
    population = population or configured_population()
    args = (year, start, end, station, tuple(items), headline, _pop_key(population))
    return _report(
        session,
        "scores",
        args,
        lambda: _scores(session, year, start, end, station, items, headline, population),
    )


def _scores(
    session: Session,
    year: int | None,
    start: date | None,
    end: date | None,
    station: str | None,
    items: Sequence[str],
    headline: str,
    population: Population,
) -> dict[str, Any]:
    frame = period_frame(session, year, start, end, population)
    report: dict[str, Any] = {
        "period": _period(year, start, end),
        "population": population.name,
        "min_responses": MIN_RESPONSES,
        **sc.scores_report(frame, items, headline),
    }
    if station is not None:
        sub = frame[frame["station_code"] == station]
        table = sc.score_table(sub, [], list(dict.fromkeys([headline, *items])))
        items_out = {r["item"]: sc.estimate_dict(r) for _, r in table.iterrows()}
        report["station"] = {
            "code": station,
            "item": headline,
            **items_out[headline],
            "items": items_out,
        }
    return report


def _period(year: int | None, start: date | None, end: date | None) -> dict[str, Any]:
    if year is not None:
        return {"year": year, "start": date(year, 1, 1), "end": date(year, 12, 31)}
    return {"year": None, "start": start, "end": end}


def below_threshold(
    session: Session,
    year: int,
    threshold: float = THRESHOLD,
    population: Population | None = None,
) -> dict[str, Any]:
    """Stations below ``threshold`` on evening safety in ``year``, with trend against the
    year before."""
    population = population or configured_population()
    pop = population

    def compute() -> dict[str, Any]:
        frame = weighted_frame(session, [year - 1, year], pop)
        stations = store.stations_frame(session)
        report = sc.below_threshold_report(frame, year, stations, threshold=threshold)
        report["population"] = pop.name
        return report

    return _report(session, "below", (year, threshold, _pop_key(population)), compute)


def station_scores(
    session: Session, code: str, population: Population | None = None
) -> dict[str, Any]:
    """One station's scores for every year with responses (weights from each whole year)."""
    population = population or configured_population()
    pop = population
    return _report(
        session,
        "station",
        (code, _pop_key(population)),
        lambda: sc.station_report(weighted_frame(session, None, pop), code),
    )


def map_scores(session: Session, year: int, population: Population | None = None) -> dict[str, Any]:
    """Evening safety per station in ``year`` with position, for the map."""
    population = population or configured_population()
    pop = population
    return _report(
        session, "map", (year, _pop_key(population)), lambda: _map_scores(session, year, pop)
    )


def _map_scores(session: Session, year: int, population: Population) -> dict[str, Any]:
    frame = weighted_frame(session, [year], population)
    stations = store.stations_frame(session)
    means = sc.station_means(frame, EVENING)
    out = []
    for code, info in stations.iterrows():
        row = means.loc[code] if code in means.index else None
        est = (
            sc.estimate_dict(row)
            if row is not None
            else {
                "mean": None,
                "ci": None,
                "ci_low": None,
                "ci_high": None,
                "se": None,
                "n": 0,
                "suppressed": True,
            }
        )
        out.append(
            {
                "code": code,
                "name": info["name"],
                "size_class": info["size_class"],
                "lat": float(info["lat"]),
                "lng": float(info["lng"]),
                **est,
            }
        )
    return {"year": year, "item": EVENING, "stations": out, "synthetic": sc.is_synthetic(frame)}

"""The forecast of the registry's public incidents is the forecast of the public disruption
file: the demo imports the shipped file into the registry before it forecasts, so the incident
table the forecast builds from the store counts, per station, day, four-hour block and
category of the disruption categories, what it counts in the file itself.

There was one difference, now gone: 70 rows of the file report the aftermath of an earlier
disruption (``cause_nl`` "eerdere verstoring") under a safety cause; the forecast never counted
them (they repeat an incident), the import did. The import skips them now
(:func:`perron.domain.taxonomy.is_follow_up`). What remains different by design: the registry's
default categories are every category of the taxonomy (the file's: the disruption categories),
so the comparison is made in the disruption categories; times go to UTC and back to local time
(the same hour, hence the same block, also on the days the clock changes)."""

from __future__ import annotations

import time

import pandas as pd

from perron.access.actors import installation
from perron.forecast.data import DISRUPTION_CATEGORIES, load_incidents
from perron.forecast.service import Disruptions, resolve_data, source_file
from perron.registry.disruptions import default_disruptions_file, import_disruptions
from perron.store.db import make_engine, transaction


def _counts(path) -> pd.Series:
    inc = load_incidents(path, DISRUPTION_CATEGORIES)
    return inc.groupby(["station", "day", "block", "category"])["weight"].sum().round(9)


def test_the_registry_of_the_shipped_file_counts_what_the_file_counts(settings):
    shipped = default_disruptions_file()
    assert shipped is not None, "the disruption file ships with Perron (reference/data)"
    engine = make_engine(settings.database_url)
    t = time.perf_counter()
    with transaction(engine) as session:
        import_disruptions(session, shipped)
    engine.dispose()
    imported = time.perf_counter() - t
    table = source_file(installation("cli:test"), "analysis", None, settings, "test")
    from_store = _counts(table)
    from_file = _counts(resolve_data(Disruptions(), settings))
    assert len(from_file) > 10_000, len(from_file)
    diff = from_store.subtract(from_file, fill_value=0)
    different = diff[diff.abs() > 1e-6]
    assert different.empty, (imported, different.head(20))

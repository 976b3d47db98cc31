"""An example plugin of Perron, as a third party writes one (see docs/plugins.md).

``surge``  a correlation-rule kind: a ``signals`` event whose ``value`` (a count of people) is
           at least ``params.factor`` times the mean of the values seen before it in the same
           station zone (after at least ``params.baseline`` earlier values).
``tsv``    an export format: tab-separated values, for tables and for one alert.
"""

from __future__ import annotations

from perron.interop.exporters import Exporter
from perron.live.rules import Rule, RuleKind


class Surge(RuleKind):
    needs = ("signals",)

    @classmethod
    def check(cls, rule: Rule) -> None:
        factor = rule.params.get("factor")
        if not isinstance(factor, int | float) or factor <= 1:
            raise ValueError("params.factor: give a number above 1")
        baseline = rule.params.get("baseline", 3)
        if not isinstance(baseline, int) or baseline < 1:
            raise ValueError("params.baseline: give a whole number of at least 1")

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule)
        self.factor = float(rule.params["factor"])
        self.baseline = int(rule.params.get("baseline", 3))
        self.seen: dict[tuple[str, str | None], tuple[int, float]] = {}

    def evaluate(self, event, t, eid):
        if event.value is None:
            return None
        key = self.key(event)
        n, total = self.seen.get(key, (0, 0.0))
        self.seen[key] = (n + 1, total + event.value)
        if n >= self.baseline and event.value >= self.factor * (total / n):
            return (eid,), {"value": event.value, "mean_before": round(total / n, 3)}
        return None


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("\t", " ").replace("\n", " ")


def _table(rows, columns) -> bytes:
    lines = ["\t".join(columns)]
    lines += ["\t".join(_cell(row.get(c)) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _alert(session, alert) -> bytes:
    columns = ["id", "rule_id", "station_code", "zone", "severity", "state"]
    return _table([{c: getattr(alert, c) for c in columns}], columns)


TSV = Exporter(
    "tsv",
    "text/tab-separated-values; charset=utf-8",
    "tsv",
    "tab-separated values",
    table=_table,
    alert=_alert,
)

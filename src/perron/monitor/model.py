"""Vocabulary of the perception survey and the default traveller population for weighting."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from perron.config import get_settings

# The six survey items, each a score 1-10 that may be missing.
ITEMS = ("safe_day", "safe_evening", "cleanliness", "lighting", "supervision", "overall")
EVENING = "safe_evening"
GENDERS = ("man", "vrouw", "anders")
AGE_BANDS = ("16-24", "25-34", "35-49", "50-64", "65+")
FREQUENCIES = ("daily", "weekly", "monthly", "rarely")
PARTS_OF_DAY = ("morning", "afternoon", "evening", "night")
SIZE_CLASSES = ("small", "medium", "large")

MIN_RESPONSES = 30  # below this a score is suppressed ("too few responses")
THRESHOLD = 6.0  # the evening-safety threshold of the under-6.0 list
SYNTHETIC_SOURCE_PREFIX = "synthetic"

# Default traveller population by gender and by age band (shares of train travellers). The
# joint distribution is taken as the product of the two margins. Sources of the order of
# magnitude: the gender split of the Dutch population aged 16+ (CBS) with about 1 % not
# identifying as man or woman, and the age profile of train travellers (young adults and
# students travel by train far more than the over-65s; OViN/ODiN mobility surveys).
DEFAULT_GENDER_SHARES = {"man": 0.49, "vrouw": 0.50, "anders": 0.01}
DEFAULT_AGE_SHARES = {"16-24": 0.27, "25-34": 0.22, "35-49": 0.22, "50-64": 0.18, "65+": 0.11}


@dataclass(frozen=True)
class Population:
    """Shares of the traveller population per gender x age-band cell (they sum to 1)."""

    cells: dict[tuple[str, str], float]
    name: str = "default"

    @classmethod
    def from_margins(
        cls, gender: dict[str, float], age: dict[str, float], name: str = "default"
    ) -> Population:
        _check_keys(gender, GENDERS, "gender")
        _check_keys(age, AGE_BANDS, "age_band")
        gs, as_ = sum(gender.values()), sum(age.values())
        cells = {
            (g, a): gender.get(g, 0.0) / gs * age.get(a, 0.0) / as_
            for g in GENDERS
            for a in AGE_BANDS
        }
        return cls(cells, name)

    @classmethod
    def from_file(cls, path: str | Path) -> Population:
        """Read ``{"gender": {...}, "age_band": {...}}`` (margins) or
        ``{"cells": {"vrouw|16-24": share, ...}}`` (the joint distribution) from JSON."""
        data = json.loads(Path(path).read_text())
        name = str(path)
        if "cells" in data:
            cells: dict[tuple[str, str], float] = {}
            for key, share in data["cells"].items():
                g, _, a = key.partition("|")
                if g not in GENDERS or a not in AGE_BANDS:
                    raise ValueError(f"{path}: unknown cell {key!r} (use 'gender|age_band')")
                cells[(g, a)] = float(share)
            total = sum(cells.values())
            if total <= 0:
                raise ValueError(f"{path}: the cell shares must be positive")
            return cls({k: v / total for k, v in cells.items()}, name)
        return cls.from_margins(data["gender"], data["age_band"], name)

    def as_dict(self) -> dict[str, float]:
        return {f"{g}|{a}": round(v, 6) for (g, a), v in self.cells.items()}


def _check_keys(shares: dict[str, float], allowed: tuple[str, ...], what: str) -> None:
    unknown = set(shares) - set(allowed)
    if unknown:
        raise ValueError(f"unknown {what} value(s) {sorted(unknown)}; allowed: {list(allowed)}")
    if any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
        raise ValueError(f"the {what} shares must be non-negative and not all zero")


DEFAULT_POPULATION = Population.from_margins(DEFAULT_GENDER_SHARES, DEFAULT_AGE_SHARES)


def configured_population() -> Population:
    """The population of ``PERRON_MONITOR_POPULATION`` (a JSON file) or the default."""
    path = get_settings().monitor_population
    return Population.from_file(path) if path else DEFAULT_POPULATION

"""Forecast drivers in words: feature contributions grouped into factors an analyst knows."""

from __future__ import annotations

import numpy as np

#: feature or design term → factor
FACTOR_OF = {
    "hist_sb": "history",
    "ew_sb": "history",
    "last52_sb": "history",
    "hist_s": "station_level",
    "last4_s": "recent",
    "last13_s": "recent",
    "excite7_s": "near_repeat",
    "excite30_s": "near_repeat",
    "nbr_ew_s": "neighbours",
    "nbr_excite30": "neighbours",
    "profile_wdb": "time",
    "weekday": "time",
    "block": "time",
    "evening": "time",
    "weekday_block": "time",
    "holiday": "holiday",
    "darkness": "darkness",
    "season_sin": "season",
    "season_cos": "season",
    "log_travellers": "station",
    "size_class": "station",
    "station_type": "station",
    "lat": "station",
    "lng": "station",
}
FACTORS = (
    "history",
    "station_level",
    "recent",
    "near_repeat",
    "neighbours",
    "time",
    "holiday",
    "darkness",
    "season",
    "station",
)
LABELS = {
    "nl": {
        "history": "eerdere incidenten op dit station in dit tijdvak",
        "station_level": "het incidentniveau van het station als geheel",
        "recent": "incidenten op dit station in de afgelopen weken",
        "near_repeat": "incidenten op dit station kort geleden (herhaling)",
        "neighbours": "incidenten op naburige stations",
        "time": "dag van de week en tijdvak",
        "holiday": "feestdag",
        "darkness": "duisternis",
        "season": "seizoen",
        "station": "stationskenmerken (reizigers, type, ligging)",
    },
    "en": {
        "history": "past incidents at this station in this time block",
        "station_level": "the station's overall incident level",
        "recent": "incidents at this station in the past weeks",
        "near_repeat": "incidents at this station in the last days (near repeat)",
        "neighbours": "incidents at neighbouring stations",
        "time": "weekday and time block",
        "holiday": "public holiday",
        "darkness": "darkness",
        "season": "season",
        "station": "station characteristics (travellers, type, location)",
    },
}


def factor_matrix(contrib: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Sum per-feature log contributions (cells × features) into (cells × FACTORS)."""
    out = np.zeros((contrib.shape[0], len(FACTORS)))
    for j, n in enumerate(names):
        out[:, FACTORS.index(FACTOR_OF[n])] += contrib[:, j]
    return out


def sentence(factor: str, effect: float, lang: str = "nl") -> str:
    label = LABELS[lang][factor]
    if lang == "nl":
        if effect >= 1:
            return f"{label}: maakt een incident {effect:.1f}× zo waarschijnlijk".replace(".", ",")
        return f"{label}: maakt een incident {1 / effect:.1f}× minder waarschijnlijk".replace(
            ".", ","
        )
    if effect >= 1:
        return f"{label}: makes an incident {effect:.1f}× as likely"
    return f"{label}: makes an incident {1 / effect:.1f}× less likely"


def drivers(factors: np.ndarray, top: int = 3, lang: str = "nl") -> list[list[dict]]:
    """The ``top`` factors with the largest absolute effect per cell, in words."""
    order = np.argsort(-np.abs(factors), axis=1)[:, :top]
    out = []
    for i in range(factors.shape[0]):
        row = []
        for j in order[i]:
            eff = float(np.exp(factors[i, j]))
            if abs(factors[i, j]) < 0.05:
                continue
            row.append(
                {
                    "factor": FACTORS[j],
                    "effect": round(eff, 3),
                    "text": sentence(FACTORS[j], eff, lang),
                }
            )
        out.append(row)
    return out

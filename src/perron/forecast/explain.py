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
    # factors of the empirical-Bayes rate (models.EB_TERMS)
    "eb_station_rate": "station_level",
    "eb_block_share": "history",
    "eb_recent": "recent",
    "eb_weekday_block": "time",
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
    """The ``top`` factors with the largest absolute effect per cell, in words.

    Factors whose effect is below 5 % (|log effect| < 0.05) are left out.
    """
    order = np.argsort(-np.abs(factors), axis=1)[:, :top]
    logs = np.take_along_axis(factors, order, axis=1)
    eff = np.round(np.exp(logs), 3)
    # the sentence depends only on the factor and the effect shown with one decimal
    shown = np.where(eff >= 1, np.round(eff, 1), -np.round(1 / eff, 1))
    keep = (np.abs(logs) >= 0.05).tolist()
    texts: dict[tuple[int, float], str] = {}
    out = []
    for js, effs, keys, ks in zip(order.tolist(), eff.tolist(), shown.tolist(), keep, strict=True):
        row = []
        for j, e, key, k in zip(js, effs, keys, ks, strict=True):
            if k:
                text = texts.get((j, key))
                if text is None:
                    text = texts[(j, key)] = sentence(FACTORS[j], e, lang)
                row.append({"factor": FACTORS[j], "effect": e, "text": text})
        out.append(row)
    return out

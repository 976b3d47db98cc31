"""The measure catalogue and the harm weights: versioned data files shipped in the package.

``data/measures.toml`` lists each measure with its effect on the harm it targets (an estimate
with an interval and its source; "expert estimate" with a wide interval where no evaluation
exists), mechanism, zones, cost, lifetime and who usually pays. ``data/harm_weights.toml``
weighs incident categories by harm. Both may be replaced by a file of the same shape.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from perron.domain.taxonomy import CATEGORIES, GROUPS
from perron.domain.zones import ZONE_CODES

DATA = Path(__file__).parent / "data"
MEASURES_FILE = DATA / "measures.toml"
HARM_WEIGHTS_FILE = DATA / "harm_weights.toml"
NEED_INDEX_FILE = DATA / "need_index.toml"
SIZE_CLASSES = ("small", "medium", "large")


class CatalogueError(ValueError):
    """A catalogue or weights file that cannot be used; the message names file and field."""


@dataclass(frozen=True)
class Effect:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class Measure:
    """One measure of the catalogue (``code`` is stable: deals and evaluations refer to it)."""

    code: str
    name_nl: str
    name_en: str
    kind: str
    effect: Effect
    evidence: str
    source: str
    mechanism: str
    targets: tuple[str, ...]
    zones: tuple[str, ...]
    evening: bool
    investment_eur: int
    yearly_eur: int
    lifetime_years: int
    payer: tuple[str, ...]
    requires: tuple[str, ...] = ()

    def cost(self, horizon_years: int, factor: float = 1.0) -> float:
        """Investment plus the yearly cost over the programme horizon, scaled by ``factor``."""
        return factor * (self.investment_eur + self.yearly_eur * horizon_years)

    def targets_category(self, category: str) -> bool:
        cat = CATEGORIES.get(category)
        return category in self.targets or (cat is not None and cat.group in self.targets)

    @property
    def expert_estimate(self) -> bool:
        return self.evidence == "expert estimate"


@dataclass(frozen=True)
class Catalogue:
    version: str
    horizon_years: int
    size_factor: dict[str, float]
    measures: tuple[Measure, ...]
    path: str

    def get(self, code: str) -> Measure | None:
        return next((m for m in self.measures if m.code == code), None)

    def cost(self, measure: Measure, size_class: str = "medium") -> float:
        return measure.cost(self.horizon_years, self.size_factor.get(size_class, 1.0))

    def as_list(self) -> list[dict[str, Any]]:
        """Every measure as JSON: ``code``, ``cost`` (medium station, over the horizon),
        ``effect`` {estimate, low, high}, ``source`` and the rest of the record."""
        out = []
        for m in self.measures:
            d = asdict(m)
            d["cost"] = self.cost(m)
            d["cost_by_size"] = {s: self.cost(m, s) for s in SIZE_CLASSES}
            d["targets"] = list(m.targets)
            d["zones"] = list(m.zones)
            d["payer"] = list(m.payer)
            d["requires"] = list(m.requires)
            d["expert_estimate"] = m.expert_estimate
            d["catalogue_version"] = self.version
            out.append(d)
        return out


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from exc


def _need(d: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in d:
        raise CatalogueError(f"{where}: field {key!r} missing")
    v = d[key]
    if isinstance(v, bool) and kind is not bool:
        raise CatalogueError(f"{where}: field {key!r} has the wrong type")
    if not isinstance(v, kind):
        raise CatalogueError(f"{where}: field {key!r} has the wrong type ({type(v).__name__})")
    return v


def parse_catalogue(data: dict[str, Any], path: str = "measures.toml") -> Catalogue:
    """Check and read a catalogue; every error names the measure and the field."""
    version = str(_need(data, "version", str, path))
    horizon = int(_need(data, "horizon_years", int, path))
    if not 1 <= horizon <= 30:
        raise CatalogueError(f"{path}: horizon_years must be 1–30")
    factors = data.get("size_factor", {"small": 1.0, "medium": 1.0, "large": 1.0})
    raw = _need(data, "measure", list, path)
    measures: list[Measure] = []
    codes: set[str] = set()
    targets_ok = set(CATEGORIES) | set(GROUPS)
    for i, m in enumerate(raw):
        where = f"{path}: measure {i + 1}"
        code = _need(m, "code", str, where)
        where = f"{path}: measure {code!r}"
        if code in codes:
            raise CatalogueError(f"{where}: code appears twice")
        codes.add(code)
        e = _need(m, "effect", dict, where)
        try:
            eff = Effect(float(e["estimate"]), float(e["low"]), float(e["high"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogueError(f"{where}: effect needs estimate, low and high numbers") from exc
        if not -1 <= eff.low <= eff.estimate <= eff.high <= 1:
            raise CatalogueError(f"{where}: effect must satisfy -1 <= low <= estimate <= high <= 1")
        targets = tuple(_need(m, "targets", list, where))
        bad = [t for t in targets if t not in targets_ok]
        if bad:
            raise CatalogueError(f"{where}: unknown target(s) {bad}")
        zones = tuple(_need(m, "zones", list, where))
        bad = [z for z in zones if z not in ZONE_CODES]
        if bad:
            raise CatalogueError(f"{where}: unknown zone(s) {bad}")
        source = _need(m, "source", str, where)
        evidence = _need(m, "evidence", str, where)
        if evidence == "expert estimate" and eff.high - eff.low < 0.2:
            raise CatalogueError(f"{where}: an expert estimate needs a wide interval (>= 0.2)")
        measures.append(
            Measure(
                code=code,
                name_nl=_need(m, "name_nl", str, where),
                name_en=_need(m, "name_en", str, where),
                kind=_need(m, "kind", str, where),
                effect=eff,
                evidence=evidence,
                source=source,
                mechanism=_need(m, "mechanism", str, where),
                targets=targets,
                zones=zones,
                evening=bool(_need(m, "evening", bool, where)),
                investment_eur=int(_need(m, "investment_eur", int, where)),
                yearly_eur=int(_need(m, "yearly_eur", int, where)),
                lifetime_years=int(_need(m, "lifetime_years", int, where)),
                payer=tuple(_need(m, "payer", list, where)),
                requires=tuple(m.get("requires", [])),
            )
        )
    for m in measures:
        for r in m.requires:
            if r not in codes:
                raise CatalogueError(f"{path}: measure {m.code!r}: requires unknown {r!r}")
    return Catalogue(version, horizon, dict(factors), tuple(measures), path)


@lru_cache(maxsize=8)
def _load(path: str, mtime: int) -> Catalogue:
    return parse_catalogue(_read(Path(path)), path)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The shipped catalogue, or the one in ``path``."""
    p = Path(path) if path else MEASURES_FILE
    if not p.exists():
        raise CatalogueError(f"{p}: file not found")
    return _load(str(p), p.stat().st_mtime_ns)


@dataclass(frozen=True)
class HarmWeights:
    version: str
    basis: str
    default: float
    weights: dict[str, float]
    path: str

    def of(self, category: str | None) -> float:
        if category is None:
            return self.default
        return self.weights.get(category, self.default)


def load_harm_weights(path: str | Path | None = None) -> HarmWeights:
    """The shipped harm weights per incident category, or those in ``path``."""
    p = Path(path) if path else HARM_WEIGHTS_FILE
    data = _read(p)
    weights = _need(data, "weights", dict, str(p))
    out: dict[str, float] = {}
    for k, v in weights.items():
        if k not in CATEGORIES:
            raise CatalogueError(f"{p}: weights: unknown category {k!r}")
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 10_000:
            raise CatalogueError(f"{p}: weights.{k}: expected a number 0–10000")
        out[k] = float(v)
    return HarmWeights(
        str(data.get("version", "")),
        str(data.get("basis", "")),
        float(data.get("default", 1.0)),
        out,
        str(p),
    )


def load_need_weights(path: str | Path | None = None) -> tuple[dict[str, float], int, str]:
    """The need-index component weights, the top-N of the stability check and the version."""
    p = Path(path) if path else NEED_INDEX_FILE
    data = _read(p)
    weights = _need(data, "weights", dict, str(p))
    out = {}
    for k, v in weights.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            raise CatalogueError(f"{p}: weights.{k}: expected a number >= 0")
        out[k] = float(v)
    return out, int(data.get("top_n", 20)), str(data.get("version", ""))

"""Walk-through templates: versioned TOML files shipped in ``data/templates``, one per target
group, plus the scored rubric every walk fills in.

A new target group is a new file; :func:`templates` finds it (the directory is the registry).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).parent / "data" / "templates"
RUBRIC_FILE = "_rubric.toml"
PRINCIPLES = (
    "overview",
    "zoning",
    "access",
    "attractive",
    "know_where",
    "see_be_seen",
    "hear_be_heard",
    "escape_get_help",
    "act_together",
)
SCORE_MIN, SCORE_MAX = 0, 3


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class TemplateItem:
    code: str
    principle: str
    nl: str
    en: str


@dataclass(frozen=True)
class Template:
    group: str
    version: str
    name_nl: str
    name_en: str
    advised_times: tuple[str, ...]
    items: tuple[TemplateItem, ...]
    file: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "version": self.version,
            "name_nl": self.name_nl,
            "name_en": self.name_en,
            "advised_times": list(self.advised_times),
            "compiled_by_hand": True,
            "items": [
                {"code": i.code, "principle": i.principle, "nl": i.nl, "en": i.en}
                for i in self.items
            ],
        }


@dataclass(frozen=True)
class RubricParameter:
    code: str
    nl: str
    en: str
    scale_nl: tuple[str, ...]
    scale_en: tuple[str, ...]


@dataclass(frozen=True)
class Rubric:
    version: str
    source: str
    parameters: tuple[RubricParameter, ...]
    feeling: RubricParameter

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.parameters)

    def as_dict(self) -> dict[str, Any]:
        def one(p: RubricParameter) -> dict[str, Any]:
            return {
                "code": p.code,
                "nl": p.nl,
                "en": p.en,
                "scale_nl": list(p.scale_nl),
                "scale_en": list(p.scale_en),
            }

        return {
            "version": self.version,
            "source": self.source,
            "min": SCORE_MIN,
            "max": SCORE_MAX,
            "parameters": [one(p) for p in self.parameters],
            "feeling": one(self.feeling),
        }


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path.name}: {exc}") from exc


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{where}: {key!r} must be a non-empty text")
    return value.strip()


def _parameter(data: dict[str, Any], where: str) -> RubricParameter:
    scale_nl = tuple(data.get("scale_nl", ()))
    scale_en = tuple(data.get("scale_en", ()))
    levels = SCORE_MAX - SCORE_MIN + 1
    if len(scale_nl) != levels or len(scale_en) != levels:
        raise TemplateError(f"{where}: a scale needs {levels} labels (0–3) in nl and en")
    return RubricParameter(
        _text(data, "code", where),
        _text(data, "nl", where),
        _text(data, "en", where),
        scale_nl,
        scale_en,
    )


def parse_template(path: Path) -> Template:
    data = _read(path)
    where = path.name
    group = _text(data, "group", where)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise TemplateError(f"{where}: 'items' must be a non-empty list")
    items: list[TemplateItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_items, 1):
        at = f"{where}, item {n}"
        if not isinstance(raw, dict):
            raise TemplateError(f"{at}: an item is a table with code, principle, nl, en")
        code = _text(raw, "code", at)
        if code in seen:
            raise TemplateError(f"{at}: code {code!r} appears twice")
        seen.add(code)
        principle = _text(raw, "principle", at)
        if principle not in PRINCIPLES:
            raise TemplateError(f"{at}: unknown principle {principle!r}")
        items.append(TemplateItem(code, principle, _text(raw, "nl", at), _text(raw, "en", at)))
    times = tuple(data.get("advised_times", ("day", "night")))
    if not set(times) <= {"day", "night"}:
        raise TemplateError(f"{where}: advised_times may hold 'day' and 'night' only")
    return Template(
        group,
        _text(data, "version", where),
        _text(data, "name_nl", where),
        _text(data, "name_en", where),
        times,
        tuple(items),
        where,
    )


@lru_cache(maxsize=4)
def _load(directory: Path) -> tuple[dict[str, Template], Rubric]:
    found: dict[str, Template] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        template = parse_template(path)
        if template.group in found:
            raise TemplateError(
                f"{path.name}: group {template.group!r} is already defined in "
                f"{found[template.group].file}"
            )
        found[template.group] = template
    data = _read(directory / RUBRIC_FILE)
    params = tuple(
        _parameter(p, f"{RUBRIC_FILE}, parameter {n}")
        for n, p in enumerate(data.get("parameters", []), 1)
    )
    if not params:
        raise TemplateError(f"{RUBRIC_FILE}: no parameters")
    rubric = Rubric(
        _text(data, "version", RUBRIC_FILE),
        _text(data, "source", RUBRIC_FILE),
        params,
        _parameter(data.get("feeling", {}), f"{RUBRIC_FILE}, feeling"),
    )
    return found, rubric


def templates(directory: Path = TEMPLATE_DIR) -> list[Template]:
    """Every template, in the order of their group codes."""
    return [t for _, t in sorted(_load(directory)[0].items())]


def template(group: str, directory: Path = TEMPLATE_DIR) -> Template:
    """The template of ``group``; an unknown group is a :class:`TemplateError` naming the known."""
    found = _load(directory)[0]
    if group not in found:
        raise TemplateError(f"unknown target group {group!r}; choose one of {', '.join(found)}")
    return found[group]


def rubric(directory: Path = TEMPLATE_DIR) -> Rubric:
    """The scored rubric (Safetipin-style parameters 0–3 and the overall feeling)."""
    return _load(directory)[1]

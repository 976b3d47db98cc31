"""Translations and formatting for the web pages: Dutch first, English on request.

Catalogues are flat JSON objects of ``key -> text``. ``locales/nl.json`` and ``locales/en.json``
hold the shell's strings; every capability adds ``locales/<capability>.nl.json`` and
``locales/<capability>.en.json``, merged into the same catalogue at load time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from fastapi import Request

from perron.domain.local_time import LOCAL_TZ

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANG_COOKIE = "perron_lang"

Translator = Callable[..., str]


class CatalogueError(ValueError):
    """A catalogue file that cannot be used, with the file and key named."""


def catalogue_files(lang: str, directory: Path = LOCALES) -> list[Path]:
    """The files of one language: the shell's own file first, then each capability's."""
    main = directory / f"{lang}.json"
    extra = sorted(directory.glob(f"*.{lang}.json"))
    return ([main] if main.exists() else []) + extra


def read_catalogue_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{path.name}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: expected a JSON object of key -> text")
    for key, value in data.items():
        if not isinstance(value, str):
            raise CatalogueError(f"{path.name}: key {key!r}: the text must be a string")
    return data


def load_catalogue(lang: str, directory: Path = LOCALES) -> dict[str, str]:
    """All keys of one language, merged over its files; a key defined twice is an error."""
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    for path in catalogue_files(lang, directory):
        for key, value in read_catalogue_file(path).items():
            if key in merged and merged[key] != value:
                raise CatalogueError(
                    f"{path.name}: key {key!r} is already defined in {origin[key]}"
                )
            merged[key] = value
            origin[key] = path.name
    return merged


@lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    return load_catalogue(lang)


def translator(lang: str) -> Translator:
    """``t(key, **values)``: the text of ``key`` in ``lang`` (English falls back to Dutch, an
    unknown key shows itself), with ``{name}`` placeholders filled from ``values``."""
    primary = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    fallback = catalogue(DEFAULT_LANGUAGE)

    def t(key: str, **values: object) -> str:
        text = primary.get(key)
        if text is None:
            text = fallback.get(key, key)
        if values:
            try:
                return text.format(**values)
            except (KeyError, IndexError, ValueError):
                return text
        return text

    return t


def language_of(request: Request) -> str:
    """``?lang=`` first, then the ``perron_lang`` cookie, else Dutch."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return DEFAULT_LANGUAGE


def format_number(value: float | int | None, lang: str = "nl", digits: int = 0) -> str:
    """12345.6 -> "12.345,6" in Dutch, "12,345.6" in English; None -> "–"."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def local_time(value: datetime) -> datetime:
    """A timestamp in Europe/Amsterdam; a naive value is taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


_MONTHS = {
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def format_date(value: date | datetime | None, lang: str = "nl") -> str:
    """ "3 mrt 2026" / "3 Mar 2026" (a datetime is first put in Europe/Amsterdam)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = local_time(value)
    months = _MONTHS.get(lang, _MONTHS["nl"])
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None, lang: str = "nl", seconds: bool = False) -> str:
    """ "3 mrt 2026 14:05" in Europe/Amsterdam time."""
    if value is None:
        return "–"
    local = local_time(value)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{format_date(local, lang)} {clock}"

"""Catalogues and formatting: every key exists in Dutch and English, numbers and times look
Dutch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perron.web import i18n


def _pairs() -> list[tuple[Path, Path]]:
    nl_files = i18n.catalogue_files("nl")
    return [(p, p.with_name(p.name.replace("nl.json", "en.json"))) for p in nl_files]


def test_every_catalogue_has_the_same_keys_in_dutch_and_english() -> None:
    pairs = _pairs()
    assert pairs and pairs[0][0].name == "nl.json"
    en_files = set(i18n.catalogue_files("en"))
    assert en_files == {en for _, en in pairs}, "every *.nl.json needs its *.en.json and back"
    problems = []
    for nl_path, en_path in pairs:
        nl = i18n.read_catalogue_file(nl_path)
        en = i18n.read_catalogue_file(en_path)
        problems += [f"{en_path.name}: missing {k!r}" for k in sorted(set(nl) - set(en))]
        problems += [f"{nl_path.name}: missing {k!r}" for k in sorted(set(en) - set(nl))]
        problems += [
            f"{p.name}: empty {k!r}"
            for p, c in ((nl_path, nl), (en_path, en))
            for k, v in c.items()
            if not v.strip()
        ]
    assert not problems, "\n".join(problems)
    # the merged catalogues load (no key defined twice with different texts)
    assert set(i18n.load_catalogue("nl")) == set(i18n.load_catalogue("en"))


def test_a_key_defined_twice_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "nl.json").write_text(json.dumps({"a": "een"}), encoding="utf-8")
    (tmp_path / "x.nl.json").write_text(json.dumps({"a": "ander"}), encoding="utf-8")
    with pytest.raises(
        i18n.CatalogueError, match=r"x\.nl\.json: key 'a' is already defined in nl\.json"
    ):
        i18n.load_catalogue("nl", tmp_path)
    (tmp_path / "x.nl.json").write_text("{bad", encoding="utf-8")
    with pytest.raises(i18n.CatalogueError, match=r"x\.nl\.json: invalid JSON at line 1"):
        i18n.load_catalogue("nl", tmp_path)


def test_english_falls_back_to_dutch_and_unknown_keys_show_themselves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cats = {"nl": {"only.nl": "alleen Nederlands", "both": "beide {n}"}, "en": {"both": "both {n}"}}
    monkeypatch.setattr(i18n, "catalogue", lambda lang: cats[lang])
    t = i18n.translator("en")
    assert t("only.nl") == "alleen Nederlands"
    assert t("both", n=2) == "both 2"
    assert t("no.such.key") == "no.such.key"
    assert i18n.translator("fr")("both", n=1) == "beide 1"


def test_numbers_are_dutch_style_by_default() -> None:
    assert i18n.format_number(12345) == "12.345"
    assert i18n.format_number(1234567.891, digits=2) == "1.234.567,89"
    assert i18n.format_number(3.25, "nl", 1) in ("3,2", "3,3")
    assert i18n.format_number(12345, "en") == "12,345"
    assert i18n.format_number(None) == "–"


def test_times_are_shown_in_amsterdam() -> None:
    winter = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert i18n.format_datetime(winter) == "16 jan 2026 00:30"
    assert i18n.format_datetime(summer, "en") == "1 Jul 2026 14:00"
    assert i18n.format_datetime(datetime(2026, 3, 3, 8, 5)) == "3 mrt 2026 09:05"  # naive = UTC
    assert i18n.format_date(winter, "nl") == "16 jan 2026"

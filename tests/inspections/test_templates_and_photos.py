"""Templates as shipped data files and photos without metadata."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from typer.testing import CliRunner

from perron.cli import app
from perron.inspections import photos, templates


def test_templates_json_lists_each_group_with_items(settings):
    out = CliRunner().invoke(app, ["inspections", "templates", "--json"], catch_exceptions=False)
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    groups = {t["group"] for t in data}
    assert {"women_night", "elderly", "disabled", "general"} <= groups
    for t in data:
        assert t["items"], t["group"]
        assert all({"code", "principle", "nl", "en"} <= set(i) for i in t["items"])
        rubric = t["rubric"]
        assert [p["code"] for p in rubric["parameters"]] == [
            "lighting",
            "openness",
            "visibility",
            "people",
            "security",
            "walk_path",
            "public_transport",
            "gender_diversity",
        ]
        assert rubric["feeling"]["code"] == "feeling"
        assert (rubric["min"], rubric["max"]) == (0, 3)
    # both sets of principles are covered: Veilig Ontwerp en Beheer and the safety audit
    principles = {i["principle"] for t in data for i in t["items"]}
    assert {"overview", "zoning", "access", "attractive"} <= principles
    assert {"see_be_seen", "hear_be_heard", "escape_get_help"} <= principles


def test_a_broken_template_file_is_named(tmp_path):
    (tmp_path / "_rubric.toml").write_text((templates.TEMPLATE_DIR / "_rubric.toml").read_text())
    (tmp_path / "x.toml").write_text(
        'group = "x"\nversion = "1"\nname_nl = "x"\nname_en = "x"\n'
        'items = [{ code = "a", principle = "magic", nl = "a", en = "a" }]\n'
    )
    with pytest.raises(templates.TemplateError, match=r"x.toml, item 1: unknown principle"):
        templates.templates(tmp_path)


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (3000, 2000), (120, 130, 140))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # orientation: rotated
    gps = {1: "N", 2: (52.0, 5.0, 1.0), 3: "E", 4: (5.0, 6.0, 7.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes(), comment=b"secret")
    return out.getvalue()


def test_photos_lose_every_metadata_block_and_are_bounded():
    raw = _jpeg_with_gps()
    assert b"PhoneMaker" in raw
    clean = photos.clean(raw)
    assert b"PhoneMaker" not in clean.content and b"secret" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as img:
        assert not img.getexif()
        assert "exif" not in img.info and "comment" not in img.info
        # turned upright by the orientation tag, then reduced to at most 1600 px
        assert img.size == (1067, 1600)
    assert clean.mime == "image/jpeg"


def test_photos_of_the_wrong_kind_or_size_are_refused():
    with pytest.raises(photos.PhotoError, match="not an image"):
        photos.clean(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    with pytest.raises(photos.PhotoError, match="GIF is not accepted"):
        photos.clean(gif.getvalue())
    with pytest.raises(photos.PhotoError, match="larger than"):
        photos.clean(b"\xff" * (photos.MAX_UPLOAD_BYTES + 1))
    huge = io.BytesIO()
    Image.new("1", (9000, 9000)).save(huge, format="PNG")  # a tiny file of 81 million pixels
    with pytest.raises(photos.PhotoError, match="million pixels"):
        photos.clean(huge.getvalue())


def test_measure_suggestions_follow_the_zone_and_name_catalogue_codes():
    import importlib.util

    from perron.inspections import measures
    from perron.inspections.errors import InspectionError

    zones = {"lighting": ("platform",), "sight_lines": ("tunnel",), "cctv": ("hall",)}
    assert measures.suggest("dark_corner", "platform", zones) == "lighting"
    assert measures.suggest("dark_corner", "tunnel", zones) == "sight_lines"
    assert measures.suggest("dark_corner", "forecourt", zones) == "lighting"  # none fits: first
    assert measures.suggest("dark_corner", "tunnel", None) == "lighting"
    assert measures.suggest("graffiti", "hall", zones) is None  # not in this catalogue
    assert measures.check("cctv", zones, "m") == "cctv"
    with pytest.raises(InspectionError, match="not in the measure catalogue"):
        measures.check("teleporter", zones, "m")
    with pytest.raises(InspectionError, match="lower-case"):
        measures.check("DROP TABLE", None, "m")
    installed = measures.catalogue_zones()
    if installed is None:
        assert importlib.util.find_spec("perron.programme") is None
    else:  # every preferred code is a code of the programme's catalogue
        assert {c for codes in measures.PREFERENCES.values() for c in codes} <= set(installed)

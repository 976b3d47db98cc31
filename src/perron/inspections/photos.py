"""Photos of places: checked, re-encoded without metadata and bounded in size.

A photo is decoded with Pillow, turned upright by its EXIF orientation, reduced to at most
:data:`MAX_SIDE` pixels on its longest side and saved again as a fresh JPEG with no EXIF, GPS,
XMP, ICC or comment blocks. Only the pixels survive. There is no face detection or recognition:
the upload form asks the walker to photograph the place without people in it
(:data:`NO_PEOPLE_WARNING`).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
NO_PEOPLE_WARNING = {
    "nl": "Fotografeer alleen de plek: er mogen geen mensen herkenbaar op de foto staan. "
    "Locatie- en cameragegevens (EXIF/GPS) worden verwijderd.",
    "en": "Photograph the place only: no recognisable people may be in the photo. "
    "Location and camera data (EXIF/GPS) are removed.",
}


class PhotoError(ValueError):
    """A file that is not an acceptable photo; the message says why."""


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    mime: str
    width: int
    height: int
    sha256: str


def clean(data: bytes) -> CleanPhoto:
    """Check ``data`` is a JPEG, PNG or WebP photo of bounded size and return it re-encoded
    as JPEG without any metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise PhotoError("the photo is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(f"the photo is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
    except (UnidentifiedImageError, OSError) as exc:
        raise PhotoError("not an image (accepted: JPEG, PNG, WebP)") from exc
    if fmt not in ACCEPTED_FORMATS:
        raise PhotoError(f"image type {fmt} is not accepted (accepted: JPEG, PNG, WebP)")
    if width * height > MAX_PIXELS:
        raise PhotoError(f"the photo has more than {MAX_PIXELS // 1_000_000} million pixels")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError(f"the photo cannot be read: {exc}") from exc
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    # a new image holding the pixels only: nothing of the original's info dict is carried over
    bare = Image.new("RGB", rgb.size)
    bare.paste(rgb)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=85, optimize=True)
    content = out.getvalue()
    return CleanPhoto(
        content, "image/jpeg", bare.width, bare.height, hashlib.sha256(content).hexdigest()
    )

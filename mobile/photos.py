"""Photo preparation on the phone: shrink before upload and hash what is sent.

A photo is shrunk to at most 2048 px on its longest side, turned upright (EXIF orientation
applied, so the orientation tag is dropped), re-encoded as JPEG quality 85 keeping only the
EXIF the server checks a visit's evidence with (`KEPT_EXIF`: when it was taken, and the camera
and software that made it; no GPS or anything else leaves the phone in the file), and hashed
with SHA-256 over the shrunk bytes: the hash the server checks is the hash of exactly the
bytes uploaded.

Draft mode and ``thumbnail()`` come before ``exif_transpose()``: transposing first decodes the
full-size image (measured 3.5x slower on a 12 MP JPEG).
"""

from __future__ import annotations

import ctypes
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 2048
JPEG_QUALITY = 85
THUMBNAIL_SIDE = 256

# The camera and the software that made the file (IFD0), and when it was taken (Exif IFD):
# the server's trust score reads them (docs/contract.md#trust).
KEPT_CAMERA_TAGS = (ExifTags.Base.Make, ExifTags.Base.Model, ExifTags.Base.Software)
KEPT_CAPTURE_TAGS = (
    ExifTags.Base.DateTimeOriginal,
    ExifTags.Base.OffsetTimeOriginal,
    ExifTags.Base.SubsecTimeOriginal,
)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
BIG_BUFFER_BYTES = 1 << 20

try:
    _libc: Any = ctypes.CDLL("libc.so.6")
    _malloc_trim: Any = _libc.malloc_trim
except (OSError, AttributeError):  # not glibc (Android's bionic, macOS)
    _malloc_trim = None
else:
    # A full-size decode is a 48 MB buffer made of Pillow's 16 MB blocks. glibc raises its
    # mmap threshold after the first such block is freed, so later ones came from the heap
    # and stayed in the process (13 MB after one photo, even with malloc_trim). A fixed
    # threshold keeps every big buffer mmapped and gives it back when it is freed.
    _libc.mallopt(M_MMAP_THRESHOLD, BIG_BUFFER_BYTES)


class PhotoError(ValueError):
    """The file is not an image the app can read."""


@dataclass(frozen=True)
class PreparedPhoto:
    """The bytes to store and upload, their SHA-256 (hex) and the upright size."""

    data: bytes
    sha256: str
    width: int
    height: int
    content_type: str = "image/jpeg"


def _open_heif_too() -> bool:
    """Teach Pillow HEIC (iPhone photos from a desktop file picker); True if it learnt it now.

    Done on the first unreadable file rather than at import: pillow-heif costs about 10 MB
    and 0.2 s, and the Android camera and most files are JPEG. It is absent from the
    Android build.
    """
    global _heif_tried
    if _heif_tried:
        return False
    _heif_tried = True
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - the Android build
        return False
    register_heif_opener()
    return True


_heif_tried = False


def _open(source: bytes | str | Path) -> Image.Image:
    """``Image.open`` that learns HEIC the first time a file is not readable without it."""
    try:
        return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except UnidentifiedImageError:
        if not _open_heif_too():
            raise
    return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)


def kept_exif(image: Image.Image) -> Image.Exif:
    """Of `image`'s EXIF, only the capture time and the camera and software that made it."""
    original = image.getexif()
    kept = Image.Exif()
    for tag in KEPT_CAMERA_TAGS:
        if tag in original:
            kept[tag] = original[tag]
    capture = original.get_ifd(ExifTags.IFD.Exif)
    kept_capture = {int(tag): capture[tag] for tag in KEPT_CAPTURE_TAGS if tag in capture}
    if kept_capture:
        kept.get_ifd(ExifTags.IFD.Exif).update(kept_capture)
    return kept


def prepare_photo(source: bytes | str | Path) -> PreparedPhoto:
    """Shrink, orient and re-encode one photo; raise PhotoError when it cannot be read."""
    try:
        with _open(source) as image:
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            exif = kept_exif(image)
            upright = ImageOps.exif_transpose(image)
            if upright.mode != "RGB":
                upright = upright.convert("RGB")
            output = io.BytesIO()
            upright.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True, exif=exif)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise PhotoError(str(error) or type(error).__name__) from error
    data = output.getvalue()
    release_freed_memory()
    return PreparedPhoto(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        width=upright.width,
        height=upright.height,
    )


def release_freed_memory() -> None:
    """Give the decoder's freed buffers back to the system (glibc keeps them otherwise).

    A 12 MP photo is decoded at full size (2048 px needs more than draft's half scale), and
    glibc kept about 12 MB of that per process after 100 photos. Elsewhere this does nothing.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


def make_thumbnail(path: str | Path, side: int = THUMBNAIL_SIDE) -> bytes:
    """A small JPEG of an already prepared (upright) photo, for the checklist."""
    with Image.open(path) as image:
        image.draft("RGB", (side, side))
        image.thumbnail((side, side))
        output = io.BytesIO()
        image.convert("RGB").save(output, "JPEG", quality=80)
    return output.getvalue()

"""The photo pipeline: check an uploaded image and derive the display and thumbnail JPEGs.

Pure functions over bytes (no database, no HTTP, no clock), safe to run in a worker thread or
process. The rules are in docs/contract.md#photos:

- `inspect` decides, from the content only and without decoding pixels, whether a file is an
  acceptable photo: JPEG, PNG, WebP or HEIC, at most `max_bytes` bytes and `max_pixels` pixels.
  It raises `PhotoTooLarge`, `UnsupportedImage` or `DamagedImage` (see `errors`).
- `derive` makes a display JPEG (longest side 1600 px) and a thumbnail (400 px), upright, with
  no EXIF but the capture time, and returns the capture time as a value.

Fast path (measured with Pillow): JPEG draft mode first (the decoder scales by 1/2, 1/4 or 1/8 while
decoding), then `thumbnail()`, and only then the EXIF orientation, on the small image. Applying
the orientation first would decode the full-size image.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError
from pillow_heif import register_heif_opener

from server.photos.errors import (
    DAMAGED,
    EMPTY_FILE,
    NOT_AN_IMAGE,
    TOO_MANY_BYTES,
    TOO_MANY_PIXELS,
    DamagedImage,
    PhotoTooLarge,
    UnsupportedImage,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DISPLAY_SIDE",
    "FORMATS",
    "THUMBNAIL_SIDE",
    "Derived",
    "ImageInfo",
    "check_upload_size",
    "derive",
    "inspect",
]

register_heif_opener()

FORMATS: Final = ("JPEG", "PNG", "WEBP", "HEIF")
MIME_TYPES: Final = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
DEFAULT_MAX_BYTES: Final = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS: Final = 40_000_000
DISPLAY_SIDE: Final = 1600
THUMBNAIL_SIDE: Final = 400
DISPLAY_QUALITY: Final = 85
THUMBNAIL_QUALITY: Final = 80

# Pillow's own errors for corrupt or truncated data: decoders raise OSError ("image file is
# truncated", "broken data stream"), parsers SyntaxError, struct.error, EOFError or ValueError.
_DECODE_ERRORS: Final = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)

_HEIF_BRANDS: Final = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
_SRGB_PROFILE: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

# EXIF orientation -> the transpose that makes the image upright (1 = already upright).
_UPRIGHT: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class ImageInfo:
    """What `inspect` learnt from the headers: format, MIME type and upright size in pixels."""

    format: str
    mime_type: str
    width: int
    height: int
    orientation: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Derived:
    """The derived JPEGs (upright, no personal EXIF) and what was read from the original.

    `taken_at` is the EXIF DateTimeOriginal: timezone-aware when the camera recorded its UTC
    offset (OffsetTimeOriginal), otherwise naive camera-local time; None when absent or invalid.
    `width`/`height` are the original's upright size.
    """

    sha256: str
    width: int
    height: int
    taken_at: datetime | None
    display: bytes
    display_width: int
    display_height: int
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int


def check_upload_size(size_in_bytes: int, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse an upload by its length alone, e.g. from Content-Length before reading the body."""
    if size_in_bytes > max_bytes:
        raise PhotoTooLarge(
            TOO_MANY_BYTES,
            megabytes=size_in_bytes / 1024 / 1024,
            limit_megabytes=round(max_bytes / 1024 / 1024, 2),
        )


def inspect(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ImageInfo:
    """Check `data` is an acceptable photo, reading headers only; raise a `PhotoError` if not."""
    check_upload_size(len(data), max_bytes=max_bytes)
    with _open(data, max_pixels=max_pixels) as image:
        orientation = _orientation(image)
        width, height = image.size
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        assert image.format is not None  # Image.open always names the format
        return ImageInfo(
            format=image.format,
            mime_type=MIME_TYPES[image.format],
            width=width,
            height=height,
            orientation=orientation,
        )


def derive(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Derived:
    """Make the upright display JPEG and thumbnail of an image `inspect` accepted.

    Raises `DamagedImage` when the pixel data turns out truncated or corrupt, and the errors of
    `inspect` for anything it would refuse.
    """
    with _open(data, max_pixels=max_pixels) as image:
        orientation = _orientation(image)
        taken_at = _capture_time(image)
        width, height = image.size
        icc_profile = image.info.get("icc_profile")
        try:
            # Draft only picks a JPEG decoder scale (1/2, 1/4, 1/8; a no-op for other formats)
            # that keeps the image at least as large as the display size it is shrunk to next.
            image.draft("RGB", _fit(image.size, DISPLAY_SIDE))
            image.load()
            resizable = _resizable(image)
            # Hamming: close to bicubic for these small downscales (at most 2x after draft) at
            # half the cost, and resizing is most of derive()'s time beyond the decode itself.
            resizable.thumbnail((DISPLAY_SIDE, DISPLAY_SIDE), Image.Resampling.HAMMING)
            display = _to_rgb(resizable, icc_profile)
        except _DECODE_ERRORS as error:
            raise DamagedImage(DAMAGED, format=_format_name(image.format)) from error
    if orientation in _UPRIGHT:
        display = display.transpose(_UPRIGHT[orientation])
        if orientation in (5, 6, 7, 8):
            width, height = height, width
    thumbnail = display.copy()
    # reducing_gap=1: box-average by the whole factor first (4x from 1600 to 400): an area
    # filter, so no aliasing, at a quarter of the cost of a bicubic pass.
    thumbnail.thumbnail(
        (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BICUBIC, reducing_gap=1.0
    )
    exif = _capture_time_exif(taken_at)
    return Derived(
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        taken_at=taken_at,
        display=_encode_jpeg(display, DISPLAY_QUALITY, exif),
        display_width=display.width,
        display_height=display.height,
        thumbnail=_encode_jpeg(thumbnail, THUMBNAIL_QUALITY, exif),
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
    )


@contextmanager
def _open(data: bytes, *, max_pixels: int) -> Iterator[Image.Image]:
    """Open `data` as one of FORMATS, by content, refusing it before any pixel is decoded."""
    if not data:
        raise DamagedImage(EMPTY_FILE)
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow refuses above 2 x MAX_IMAGE_PIXELS; the warning below that is an exception
        # only when warnings are errors (as in the tests); otherwise the check below refuses.
        raise _too_many_pixels(_claimed_pixels(error), max_pixels) from error
    except UnidentifiedImageError as error:
        sniffed = _sniff_format(data)
        if sniffed is None:
            raise UnsupportedImage(NOT_AN_IMAGE) from error
        raise DamagedImage(DAMAGED, format=_format_name(sniffed)) from error
    except _DECODE_ERRORS as error:
        raise DamagedImage(DAMAGED, format=_format_name(_sniff_format(data))) from error
    with image:
        if image.width * image.height > max_pixels:
            raise _too_many_pixels(image.width * image.height, max_pixels)
        yield image


def _too_many_pixels(pixels: int | None, max_pixels: int) -> PhotoTooLarge:
    return PhotoTooLarge(
        TOO_MANY_PIXELS,
        megapixels=(pixels if pixels is not None else max_pixels + 1) / 1_000_000,
        limit_megapixels=round(max_pixels / 1_000_000, 2),
    )


def _claimed_pixels(error: Exception) -> int | None:
    """The pixel count in Pillow's decompression bomb message ("Image size (N pixels) ...")."""
    words = str(error).replace("(", " ").split()
    for word, following in itertools.pairwise(words):
        if word.isdigit() and following.startswith("pixels"):
            return int(word)
    return None


def _sniff_format(data: bytes) -> str | None:
    """Name the supported format whose signature `data` starts with, if any."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def _format_name(image_format: str | None) -> str:
    return {"HEIF": "HEIC", "WEBP": "WebP"}.get(image_format or "", image_format or "uploaded")


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _capture_time(image: Image.Image) -> datetime | None:
    """DateTimeOriginal (or DateTimeDigitized) from the Exif IFD, with its offset if recorded."""
    try:
        exif_ifd = image.getexif().get_ifd(ExifTags.IFD.Exif)
    except _DECODE_ERRORS:
        return None
    for time_tag, offset_tag in (
        (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
        (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
    ):
        taken_at = _parse_exif_time(exif_ifd.get(time_tag), exif_ifd.get(offset_tag))
        if taken_at is not None:
            return taken_at
    return None


def _parse_exif_time(value: object, offset: object) -> datetime | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.strptime(value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
        except ValueError:
            return moment
        sign = -1 if offset[0] == "-" else 1
        if hours <= 14 and minutes < 60:
            return moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment


def _capture_time_exif(taken_at: datetime | None) -> bytes:
    """A minimal EXIF block holding only the capture time (and its offset, when known)."""
    if taken_at is None:
        return b""
    exif = Image.Exif()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if taken_at.tzinfo is not None:
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = taken_at.isoformat()[19:]  # "+02:00"
    return exif.tobytes()


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` shrunk (never enlarged) to fit a `side` x `side` box, keeping its aspect ratio."""
    width, height = size
    scale = min(side / width, side / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resizable(image: Image.Image) -> Image.Image:
    """`image`, or for palette and 1-bit images a copy in a mode Pillow resizes smoothly.

    Pillow resizes "P" and "1" images with nearest neighbour whatever filter is asked for.
    """
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image


def _to_rgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The image in sRGB: colour profiles applied, transparency flattened onto white.

    Derived images carry no colour profile because ReportLab ignores embedded profiles: a
    Display P3 or CMYK photo is converted to sRGB here, while it is small. The result has nothing
    in `info`, so none of the original's EXIF, XMP or comments can reach a derived file.
    """
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit greyscale: scale to 8 bits instead of clipping almost everything to white.
        rgb = image.convert("F").point(lambda value: value / 257).convert("RGB")
    elif icc_profile and image.mode in ("RGB", "CMYK", "L"):
        rgb = _profile_to_srgb(image, icc_profile)
    else:
        rgb = image.convert("RGB") if image.mode != "RGB" else image  # already decoded here
    rgb.info = {}
    return rgb


def _profile_to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(image, source, _SRGB_PROFILE, outputMode="RGB")
    except ImageCms.PyCMSError:
        converted = None  # an unreadable or mismatched profile: Pillow's plain conversion
    if converted is None:
        return image.convert("RGB")
    return converted


def _encode_jpeg(image: Image.Image, quality: int, exif: bytes) -> bytes:
    output = io.BytesIO()
    image.save(output, "JPEG", quality=quality, exif=exif)
    return output.getvalue()

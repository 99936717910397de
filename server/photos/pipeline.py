"""The photo pipeline: check an uploaded image and derive the display and thumbnail JPEGs.

Pure functions over bytes (no database, no HTTP, no clock), safe to run in a worker thread or
process. The rules are in docs/contract.md#photos:

- `inspect` decides, from the content only and without decoding pixels, whether a file is an
  acceptable photo: JPEG (an MPO, a JPEG followed by more frames, counts as its first frame), PNG,
  WebP or HEIC, at most `max_bytes` bytes and `max_pixels` pixels, and whole: its container
  structure must reach its end within the file (see "Complete" below). It raises
  `PhotoTooLarge`, `UnsupportedImage` or `DamagedImage` (see `errors`).
- `derive` makes a display JPEG (longest side 1600 px) and a thumbnail (400 px), upright, with
  no EXIF but the capture time, and returns as values what the trust score needs to know of the
  original (docs/contract.md#trust): its capture time, the camera's make and model and the
  software that last wrote it (never copied into a derived image), and a perceptual hash of the
  upright thumbnail (`perceptual_hash`).

Complete: a cut or damaged file must be refused, never stored with made-up pixels, and decoders
do not all say so. libheif fills missing tiles of a HEIC with a flat colour without an error;
Pillow's PNG decoder stops once it has every row, so a damaged end of the zlib stream goes
unnoticed, and it reads EXIF by decoding the pixels, which hides their errors from later loads;
and Pillow's decoders let a truncated file through once anything in the process sets
`ImageFile.LOAD_TRUNCATED_IMAGES` (WeasyPrint does, on import). So each file's own structure is
walked before it is decoded: a JPEG's segments and scans up to the end-of-image marker (an MPO's
other frames must lie within the file), a PNG's chunks with their CRCs up to IEND, a WebP's RIFF
chunks within its declared size, a HEIC's top-level boxes and every item extent its `iloc` box
points at. `derive` also inflates a PNG's whole zlib stream (Adler-32 checked) before decoding
it. Data after the image's end (an appended ZIP, say) is left alone: it never reaches a derived
image.

Fast path (measured with Pillow): JPEG draft mode first (the decoder scales by 1/2, 1/4 or 1/8 while
decoding), then `thumbnail()`, and only then the EXIF orientation, on the small image. Applying
the orientation first would decode the full-size image. A PNG's zlib stream is inflated once
more than Pillow alone would (about 40% of its decode time) so that its checksum is checked;
its pixels are still decoded once, and `inspect` reads its EXIF from the chunks, not the pixels.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import operator
import re
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
    "perceptual_hash",
]

register_heif_opener()

FORMATS: Final = ("JPEG", "PNG", "WEBP", "HEIF")
# Pillow names a JPEG followed by more frames (many cameras write these under a .jpg name)
# "MPO"; it is accepted, stored and shown as the JPEG of its first frame.
_SAME_FORMAT: Final = {"MPO": "JPEG"}
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
# Inflating a PNG's pixel data for its checksum: input fed in slices, output taken in bounded
# pieces and dropped, so memory stays small whatever the compression ratio.
_INFLATE_INPUT: Final = 256 * 1024
_INFLATE_OUTPUT: Final = 4 * 1024 * 1024
# Inside a JPEG scan, 0xFF is followed by 0x00 (a stuffed byte), a restart marker (0xD0-0xD7) or
# another 0xFF (fill); anything else is the marker that ends the scan.
_END_OF_SCAN: Final = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
# Adam7 passes of an interlaced PNG: first column, first row, column step, row step.
_ADAM7: Final = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_PNG_CHANNELS: Final = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

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
class _Container:
    """What walking a file's structure found beyond Pillow's reading of its headers (PNG only).

    `zlib_stream` is where the IDAT chunks hold the pixel data, as (start, end) offsets, and
    `raw_size` how many bytes it must inflate to; `exif` is the payload of an eXIf chunk.
    """

    zlib_stream: tuple[tuple[int, int], ...] = ()
    raw_size: int = 0
    exif: bytes | None = None


class _Incomplete(ValueError):
    """The file's structure ends before the image does, or contradicts itself."""


@dataclass(frozen=True)
class Derived:
    """The derived JPEGs (upright, no personal EXIF) and what was read from the original.

    `taken_at` is the EXIF DateTimeOriginal: timezone-aware when the camera recorded its UTC
    offset (OffsetTimeOriginal), otherwise naive camera-local time; None when absent or invalid.
    `width`/`height` are the original's upright size. `camera_make`, `camera_model` and
    `software` are the EXIF Make, Model and Software texts (None when absent or blank);
    `phash` the 64-bit perceptual hash of the thumbnail, None for an image too plain to tell
    from another.
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
    camera_make: str | None = None
    camera_model: str | None = None
    software: str | None = None
    phash: int | None = None


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
    with _open(data, max_pixels=max_pixels) as (image, container):
        image_format = _accepted_format(image)
        if image_format == "PNG":
            # Pillow reads a PNG's EXIF by decoding every pixel (an eXIf chunk may follow them);
            # the chunk walk already found it.
            orientation = _orientation_in(_exif_from(container.exif))
        else:
            orientation = _orientation(image)
        width, height = image.size
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        return ImageInfo(
            format=image_format,
            mime_type=MIME_TYPES[image_format],
            width=width,
            height=height,
            orientation=orientation,
        )


def derive(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Derived:
    """Make the upright display JPEG and thumbnail of an image `inspect` accepted.

    Raises `DamagedImage` when the pixel data turns out truncated or corrupt, and the errors of
    `inspect` for anything it would refuse.
    """
    with _open(data, max_pixels=max_pixels) as (image, container):
        width, height = image.size
        icc_profile = image.info.get("icc_profile")
        try:
            if container.zlib_stream:
                _inflate_whole(data, container)  # before the costlier decode: fail fast
            # Draft only picks a JPEG decoder scale (1/2, 1/4, 1/8; a no-op for other formats)
            # that keeps the image at least as large as the display size it is shrunk to next.
            image.draft("RGB", _fit(image.size, DISPLAY_SIDE))
            image.load()
            # EXIF only now: for a PNG, getexif() decodes the pixels and a decoding error it
            # swallowed would leave the image marked loaded, its pixels unchecked.
            orientation = _orientation(image)
            taken_at = _capture_time(image)
            camera = _camera(image)
            resizable = _resizable(image)
            # Hamming: close to bicubic for these small downscales (at most 2x after draft) at
            # half the cost, and resizing is most of derive()'s time beyond the decode itself.
            resizable.thumbnail((DISPLAY_SIDE, DISPLAY_SIDE), Image.Resampling.HAMMING)
            display = _to_rgb(resizable, icc_profile)
        except _DECODE_ERRORS as error:
            raise DamagedImage(DAMAGED, format=_format_name(_accepted_format(image))) from error
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
        camera_make=camera[0],
        camera_model=camera[1],
        software=camera[2],
        phash=perceptual_hash(thumbnail),
    )


# The perceptual hash: a DCT of the upright thumbnail shrunk to 32 x 32 grey pixels, and one
# bit per low frequency (the 64 lowest after the mean brightness, in order of u + v): set when
# that coefficient is above their median. A re-saved, resized or slightly cropped copy keeps
# its low frequencies and so almost every bit; a difference hash (dHash) was as cheap but let a
# 2% crop flip more bits, and told different photos apart by fewer.
_HASH_SIDE: Final = 32
_HASH_FREQUENCIES: Final = tuple(
    sorted(
        ((u, v) for u in range(9) for v in range(9) if (u, v) != (0, 0)),
        key=lambda uv: (uv[0] + uv[1], uv[1]),
    )[:64]
)
_COSINES: Final = tuple(
    tuple(math.cos(math.pi * (2 * x + 1) * u / (2 * _HASH_SIDE)) for x in range(_HASH_SIDE))
    for u in range(9)
)
# Below this spread of the coefficients (in grey levels summed over the 32 x 32 pixels) an
# image is too plain (a black frame, a white wall) for its bits to mean anything.
_PLAIN_SPREAD: Final = 2.0 * _HASH_SIDE


def perceptual_hash(image: Image.Image) -> int | None:
    """The 64-bit DCT perceptual hash of an upright image (its thumbnail), or None if too plain.

    Two photos of which one is a copy of the other (re-saved, resized, cropped by a few per
    cent) differ in a few bits; two different photos in about half of them.
    """
    grey = image.convert("L").resize((_HASH_SIDE, _HASH_SIDE), Image.Resampling.BOX)
    pixels = grey.tobytes()
    rows = [pixels[start : start + _HASH_SIDE] for start in range(0, len(pixels), _HASH_SIDE)]
    # Separable DCT-II, unscaled: each row against the 9 lowest horizontal frequencies, then
    # each of those columns against the 9 lowest vertical ones; only 64 coefficients are kept.
    by_row = [[sum(map(operator.mul, cosine, row)) for cosine in _COSINES] for row in rows]
    coefficients = [
        sum(map(operator.mul, _COSINES[v], (row[u] for row in by_row)))
        for u, v in _HASH_FREQUENCIES
    ]
    if max(coefficients) - min(coefficients) < _PLAIN_SPREAD:
        return None
    median = sorted(coefficients)[len(coefficients) // 2]
    bits = 0
    for coefficient in coefficients:
        bits = bits << 1 | (coefficient > median)
    return bits


@contextmanager
def _open(data: bytes, *, max_pixels: int) -> Iterator[tuple[Image.Image, _Container]]:
    """Open `data` as one of FORMATS, by content, refusing it before any pixel is decoded.

    Refuses too many pixels first, then a file whose structure does not reach the image's end.
    """
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
        try:
            container = _walk(data, image)
        except _DECODE_ERRORS as error:
            raise DamagedImage(DAMAGED, format=_format_name(_accepted_format(image))) from error
        yield image, container


def _accepted_format(image: Image.Image) -> str:
    """The name in FORMATS of an image Pillow opened: an MPO is the JPEG of its first frame."""
    assert image.format is not None  # Image.open always names the format
    return _SAME_FORMAT.get(image.format, image.format)


def _walk(data: bytes, image: Image.Image) -> _Container:
    """Prove from its structure that the whole of an opened image is within `data`."""
    image_format = _accepted_format(image)
    if image_format == "JPEG":
        mp_header = _walk_jpeg(data)
        if image.format == "MPO":
            _check_mpo_frames(image, mp_header, len(data))
        return _Container()
    if image_format == "PNG":
        return _walk_png(data)
    if image_format == "WEBP":
        _walk_riff(data)
    else:
        _walk_iso_bmff(data)
    return _Container()


def _walk_jpeg(data: bytes) -> int | None:
    """Follow a JPEG's segments and scans to its (first) end-of-image marker.

    Returns where an MPO's index (the TIFF header after "MPF\\0" in APP2) starts, if present.
    Stray bytes between segments are skipped, as libjpeg does.
    """
    mp_header = None
    position = 2  # after the start-of-image marker
    while True:
        position = data.find(b"\xff", position)
        while 0 <= position < len(data) - 1 and data[position + 1] == 0xFF:
            position += 1  # fill bytes before a marker
        if position < 0 or position + 1 >= len(data):
            raise _Incomplete("JPEG ends before its end-of-image marker")
        marker = data[position + 1]
        if marker == 0xD9:
            return mp_header
        if marker in (0x00, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2  # no length: a restart marker, TEM, or a stray stuffed byte
            continue
        (length,) = struct.unpack_from(">H", data, position + 2)
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise _Incomplete(f"JPEG segment 0x{marker:02X} runs past the end of the file")
        if marker == 0xE2 and data[position + 4 : position + 8] == b"MPF\x00":
            mp_header = position + 8
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            found = _END_OF_SCAN.search(data, end)
            if found is None:
                raise _Incomplete("JPEG ends inside a scan")
            position = found.start()
        else:
            position = end


def _check_mpo_frames(image: Image.Image, mp_header: int | None, size: int) -> None:
    """Every frame an MPO's index lists must lie within the file (offsets after the first are
    counted from the index's TIFF header)."""
    entries = (getattr(image, "mpinfo", None) or {}).get(0xB002)
    if mp_header is None or not isinstance(entries, list):
        raise _Incomplete("MPO without a readable frame index")
    for number, entry in enumerate(entries):
        offset, length = entry.get("DataOffset"), entry.get("Size")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise _Incomplete("MPO frame index without offsets and sizes")
        start = 0 if number == 0 else mp_header + offset
        if start + length > size:
            raise _Incomplete(f"MPO frame {number + 1} runs past the end of the file")


def _walk_png(data: bytes) -> _Container:
    """Check every chunk's length and CRC from IHDR to IEND; note the pixel data and any EXIF."""
    view = memoryview(data)
    position = 8  # after the signature
    zlib_stream: list[tuple[int, int]] = []
    raw_size = 0
    exif = None
    while True:
        length, chunk_type = struct.unpack_from(">I4s", data, position)
        start, end = position + 8, position + 8 + length
        if end + 4 > len(data):
            raise _Incomplete("PNG ends before its IEND chunk")
        (crc,) = struct.unpack_from(">I", data, end)
        if zlib.crc32(view[position + 4 : end]) != crc:
            raise _Incomplete(f"PNG chunk {chunk_type!r} fails its CRC")
        if position == 8:
            if chunk_type != b"IHDR" or length != 13:
                raise _Incomplete("PNG does not start with IHDR")
            raw_size = _png_raw_size(*struct.unpack_from(">IIBB2xB", data, start))
        elif chunk_type == b"IDAT":
            zlib_stream.append((start, end))
        elif chunk_type == b"eXIf" and exif is None:
            exif = data[start:end]
        elif chunk_type == b"IEND":
            break
        position = end + 4
    if not zlib_stream:
        raise _Incomplete("PNG without pixel data")
    return _Container(zlib_stream=tuple(zlib_stream), raw_size=raw_size, exif=exif)


def _png_raw_size(width: int, height: int, bit_depth: int, colour_type: int, interlace: int) -> int:
    """Bytes a PNG's zlib stream inflates to: each row of each pass, plus its filter byte."""
    bits = bit_depth * _PNG_CHANNELS.get(colour_type, 4)

    def rows(columns: int, count: int) -> int:
        return count * (1 + (columns * bits + 7) // 8) if columns and count else 0

    if not interlace:
        return rows(width, height)
    return sum(
        rows((width - left + step - 1) // step, (height - top + down - 1) // down)
        for left, top, step, down in _ADAM7
        if width > left and height > top
    )


def _inflate_whole(data: bytes, container: _Container) -> None:
    """Inflate a PNG's zlib stream to its end, where zlib checks its Adler-32.

    Pillow's decoder stops as soon as it has every row, so damage near the end of the stream
    would go unnoticed. The stream must hold exactly the image's rows: inflating stops (and
    refuses) as soon as it would give more.
    """
    view = memoryview(data)
    inflater = zlib.decompressobj()
    inflated = 0
    for start, end in container.zlib_stream:
        for piece in range(start, end, _INFLATE_INPUT):
            pending: bytes | memoryview = view[piece : min(piece + _INFLATE_INPUT, end)]
            while not inflater.eof:
                output = len(inflater.decompress(pending, _INFLATE_OUTPUT))
                inflated += output
                if inflated > container.raw_size:
                    raise _Incomplete("PNG pixel data is longer than its rows")
                pending = inflater.unconsumed_tail
                # A full output piece may leave output pending inside zlib with no input left.
                if not pending and output < _INFLATE_OUTPUT:
                    break
    if not inflater.eof or inflated != container.raw_size:
        raise _Incomplete("PNG pixel data ends before its zlib stream or its rows do")


def _walk_riff(data: bytes) -> None:
    """A WebP's RIFF size must fit in the file, and its chunks within that size."""
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data):
        raise _Incomplete("WebP is shorter than its RIFF header says")
    position = 12  # after "RIFF", the size and "WEBP"
    while position < end:
        if position + 8 > end:
            raise _Incomplete("WebP chunk header cut short")
        (chunk_size,) = struct.unpack_from("<I", data, position + 4)
        if position + 8 + chunk_size > end:
            raise _Incomplete(f"WebP chunk {data[position : position + 4]!r} runs past its end")
        position += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to an even size


def _walk_iso_bmff(data: bytes) -> None:
    """Every top-level box of a HEIC must fit in the file, and every item extent its `iloc`
    box lists must lie within the file (or within the `idat` box, for items stored there)."""
    meta = None
    position = 0
    while position < len(data):
        box_type, payload, end = _box(data, position, len(data))
        if box_type == b"meta":
            meta = (payload + 4, end)  # meta is a full box: version and flags come first
        position = end
    if meta is None:
        raise _Incomplete("HEIC without a meta box")
    iloc = idat = None
    position, meta_end = meta
    while position < meta_end:
        box_type, payload, end = _box(data, position, meta_end)
        if box_type == b"iloc":
            iloc = (payload, end)
        elif box_type == b"idat":
            idat = (payload, end)
        position = end
    if iloc is None:
        raise _Incomplete("HEIC without an iloc box")
    _check_item_locations(data, *iloc, idat_size=None if idat is None else idat[1] - idat[0])


def _box(data: bytes, position: int, limit: int) -> tuple[bytes, int, int]:
    """The type, payload start and end of the ISO-BMFF box at `position`, checked to end by
    `limit` (a size of 0 means "up to the end of the enclosing space")."""
    if position + 8 > limit:
        raise _Incomplete("box header cut short")
    size, box_type = struct.unpack_from(">I4s", data, position)
    header = 8
    if size == 1:
        if position + 16 > limit:
            raise _Incomplete("box header cut short")
        (size,) = struct.unpack_from(">Q", data, position + 8)
        header = 16
    elif size == 0:
        size = limit - position
    if size < header or position + size > limit:
        raise _Incomplete(f"box {box_type!r} runs past the end of its space")
    return box_type, position + header, position + size


def _check_item_locations(data: bytes, start: int, end: int, *, idat_size: int | None) -> None:
    """Walk an `iloc` box (ISO/IEC 14496-12 8.11.3, versions 0-2)."""
    cursor = start

    def number(width: int) -> int:
        nonlocal cursor
        if width not in (0, 2, 4, 8) or cursor + width > end:
            raise _Incomplete("iloc box cut short or malformed")
        value = int.from_bytes(data[cursor : cursor + width], "big")
        cursor += width
        return value

    version = number(4) >> 24
    if version > 2:
        raise _Incomplete(f"iloc version {version}")
    sizes = number(2)
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 15
    base_offset_size, index_size = (sizes >> 4) & 15, sizes & 15 if version else 0
    for _ in range(number(2 if version < 2 else 4)):
        number(2 if version < 2 else 4)  # item_ID
        construction_method = number(2) & 15 if version else 0
        data_reference = number(2)
        base_offset = number(base_offset_size)
        extents, extent_width = number(2), index_size + offset_size + length_size
        if cursor + extents * extent_width > end:
            raise _Incomplete("iloc box cut short")
        # Extents of no width all say the same; checking one keeps a forged count cheap.
        for _ in range(extents if extent_width else min(extents, 1)):
            number(index_size)
            extent_end = base_offset + number(offset_size) + number(length_size)
            if data_reference:  # in another file: nothing here to check
                continue
            if construction_method == 0 and extent_end > len(data):
                raise _Incomplete("HEIC item data runs past the end of the file")
            if construction_method == 1 and extent_end > (idat_size or 0):
                raise _Incomplete("HEIC item data runs past its idat box")


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
    """Name the supported format whose signature `data` starts with, if any.

    A file cut inside its signature still names its format (it is a damaged one), once it is
    long enough to tell: the first two bytes of a JPEG, four of a PNG, up to the first letter
    of "WEBP" or of a HEIC brand.
    """
    if _starts_like(data, b"\xff\xd8\xff", 2):
        return "JPEG"
    if _starts_like(data, b"\x89PNG\r\n\x1a\n", 4):
        return "PNG"
    if data[:4] == b"RIFF" and _starts_like(data[8:12], b"WEBP", 1):
        return "WEBP"
    if data[4:8] == b"ftyp" and any(_starts_like(data[8:12], brand, 1) for brand in _HEIF_BRANDS):
        return "HEIF"
    return None


def _starts_like(data: bytes, signature: bytes, at_least: int) -> bool:
    """`data` starts with `signature`, or is a prefix of it at least `at_least` bytes long."""
    if len(data) >= len(signature):
        return data.startswith(signature)
    return len(data) >= at_least and signature.startswith(data)


def _format_name(image_format: str | None) -> str:
    return {"HEIF": "HEIC", "WEBP": "WebP"}.get(image_format or "", image_format or "uploaded")


def _orientation(image: Image.Image) -> int:
    try:
        exif = image.getexif()
    except _DECODE_ERRORS:
        return 1
    return _orientation_in(exif)


def _exif_from(payload: bytes | None) -> Image.Exif:
    exif = Image.Exif()
    if payload is not None:
        try:
            exif.load(payload)
        except _DECODE_ERRORS:
            return Image.Exif()
    return exif


def _orientation_in(exif: Image.Exif) -> int:
    try:
        value = exif.get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _camera(image: Image.Image) -> tuple[str | None, str | None, str | None]:
    """The EXIF Make, Model and Software of the original (IFD0), each cleaned or None.

    Read only to be recorded with the photo: none of them is written into a derived image.
    """
    try:
        exif = image.getexif()
    except _DECODE_ERRORS:
        return None, None, None
    return (
        _exif_text(exif.get(ExifTags.Base.Make)),
        _exif_text(exif.get(ExifTags.Base.Model)),
        _exif_text(exif.get(ExifTags.Base.Software)),
    )


_EXIF_TEXT_LENGTH: Final = 100


def _exif_text(value: object) -> str | None:
    """An EXIF ASCII value as text: NULs and surrounding blanks dropped, at most 100 characters;
    None when absent, blank or not text."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = "".join(character for character in value if character.isprintable()).strip()
    return text[:_EXIF_TEXT_LENGTH] or None


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

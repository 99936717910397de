"""Test images: the real phone photos in the shared test data, and small generated ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageChops, ImageCms, ImageOps, ImageStat

from tests.fixtures import PHOTOS


def photo(name: str) -> bytes:
    """The bytes of one file of the shared test photos."""
    return (PHOTOS / name).read_bytes()


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims `width` x `height` RGB pixels, with a few bytes of pixel data.

    Pillow needs to reach an IDAT chunk to open a PNG; this one holds one row of one pixel, so
    any attempt to decode the claimed size fails as truncated.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def png_with_chunk(image: Image.Image, chunk_type: bytes, payload: bytes) -> bytes:
    """`image` as PNG with one extra chunk inserted right after IHDR."""
    data = encode(image, "PNG")
    end_of_ihdr = 8 + 4 + 4 + 13 + 4
    return data[:end_of_ihdr] + _png_chunk(chunk_type, payload) + data[end_of_ihdr:]


def _png_chunk(chunk_type: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + payload)
    return struct.pack(">I", len(payload)) + chunk_type + payload + struct.pack(">I", crc)


def jpeg_claiming_size(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is rewritten to claim `width` x `height`."""
    data = bytearray(encode(Image.new("RGB", (16, 16), (90, 120, 150)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    # SOF0: marker(2) length(2) precision(1) height(2) width(2)
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def heic_claiming_size(width: int, height: int) -> bytes:
    """The iPhone HEIC with its image's spatial extents ('ispe' box) rewritten to claim a size.

    Only the box of the whole image (2566 x 3313) is changed; its 512 px tiles are left alone.
    """
    data = bytearray(photo("iphone11.heic"))
    box = data.index(struct.pack(">4sII", b"ispe", 0, 2566) + struct.pack(">I", 3313))
    data[box + 8 : box + 16] = struct.pack(">II", width, height)
    return bytes(data)


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    output = io.BytesIO()
    image.save(output, image_format, **options)
    return output.getvalue()


def quadrants(width: int, height: int) -> Image.Image:
    """An image with four differently coloured quadrants, so any rotation or flip shows."""
    image = Image.new("RGB", (width, height))
    colours = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (240, 240, 40)]
    half_width, half_height = width // 2, height // 2
    boxes = [
        (0, 0, half_width, half_height),
        (half_width, 0, width, half_height),
        (0, half_height, half_width, height),
        (half_width, half_height, width, height),
    ]
    for colour, box in zip(colours, boxes, strict=True):
        image.paste(colour, box)
    return image


def exif_block(**tags: object) -> Image.Exif:
    """An EXIF block: `orientation=6`, `taken_at="2024:05:01 10:00:00"`, `gps=True` and so on."""
    exif = Image.Exif()
    if "orientation" in tags:
        exif[ExifTags.Base.Orientation] = tags["orientation"]
    if "make" in tags:
        exif[ExifTags.Base.Make] = tags["make"]
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    if "taken_at" in tags:
        exif_ifd[ExifTags.Base.DateTimeOriginal] = tags["taken_at"]
    if "offset" in tags:
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = tags["offset"]
    if "user_comment" in tags:
        exif_ifd[ExifTags.Base.UserComment] = tags["user_comment"]
    if tags.get("gps"):
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (52.0, 13.0, 30.0)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = (21.0, 0.0, 42.0)
    return exif


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    """Mean absolute difference per channel (0-255) of two RGB images of the same size."""
    difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    return sum(ImageStat.Stat(difference).mean) / 3


def as_srgb(image: Image.Image) -> Image.Image:
    """`image` in sRGB, through its embedded colour profile when it has one."""
    profile = image.info.get("icc_profile")
    if not profile:
        return image.convert("RGB")
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    converted = ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
    assert converted is not None
    return converted


# --- damaged and multi-picture files, built at run time from the shared photos -----------------


def mpo(name: str) -> tuple[bytes, Image.Image, Image.Image]:
    """A two-picture MPO, as cameras write under a .jpg name, made from a shared photo: its
    first frame is the photo (with its EXIF), the second the photo upside down.

    Returns the bytes and both pictures as they should be shown (EXIF orientation applied).
    """
    source = open_image(photo(name))
    first = source.convert("RGB")
    second = first.transpose(Image.Transpose.ROTATE_180)
    output = io.BytesIO()
    exif = source.info.get("exif", b"")
    first.save(output, "MPO", save_all=True, append_images=[second], exif=exif)
    upright = ImageOps.exif_transpose(source).convert("RGB")
    return output.getvalue(), upright, upright.transpose(Image.Transpose.ROTATE_180)


def as_png(name: str) -> bytes:
    """A shared photo re-encoded as an RGB PNG (several IDAT chunks for a camera photo)."""
    return encode(open_image(photo(name)).convert("RGB"), "PNG")


def png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of every chunk of a well-formed PNG."""
    chunks = []
    position = 8
    while position < len(data):
        length, chunk_type = struct.unpack_from(">I4s", data, position)
        chunks.append((chunk_type, position + 8, position + 8 + length))
        position += 12 + length
    return chunks


def png_with_damaged_pixel_data(
    data: bytes, at: float, count: int = 16, fix_crc: bool = True
) -> bytes:
    """`data` (a PNG) with `count` bytes inverted at fraction `at` of its zlib stream, the CRC
    of the chunk holding them recomputed (unless `fix_crc` is false) so only decoding can tell."""
    damaged = bytearray(data)
    spans = [(start, end) for chunk_type, start, end in png_chunks(data) if chunk_type == b"IDAT"]
    stream = [position for start, end in spans for position in range(start, end)]
    first = min(int(len(stream) * at), len(stream) - count)
    for position in stream[first : first + count]:
        damaged[position] ^= 0xFF
    if fix_crc:
        for start, end in spans:
            damaged[end : end + 4] = struct.pack(">I", zlib.crc32(damaged[start - 4 : end]))
    return bytes(damaged)


def png_with_chunk_before_iend(data: bytes, chunk_type: bytes, payload: bytes) -> bytes:
    """`data` (a PNG) with one more chunk just before IEND, after the pixel data."""
    iend = len(data) - 12
    assert data[iend + 4 : iend + 8] == b"IEND"
    return data[:iend] + _png_chunk(chunk_type, payload) + data[iend:]


def cut_heic_with_fitting_boxes(data: bytes, keep: int) -> bytes:
    """The first `keep` bytes of a HEIC whose last box is `mdat`, with that box's declared size
    shrunk to what is left: every top-level box fits the file, the item data does not."""
    position = 0
    while True:
        size, box_type = struct.unpack_from(">I4s", data, position)
        header = 16 if size == 1 else 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, position + 8)
        if box_type == b"mdat":
            break
        position += size
    assert position + header < keep < position + size
    cut = bytearray(data[:keep])
    if header == 16:
        cut[position + 8 : position + 16] = struct.pack(">Q", keep - position)
    else:
        cut[position : position + 4] = struct.pack(">I", keep - position)
    return bytes(cut)


def rgb_png_of_stream(width: int, height: int, stream: bytes) -> bytes:
    """An RGB PNG of `width` x `height` whose one IDAT chunk holds `stream`, whatever it is."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", stream)
        + _png_chunk(b"IEND", b"")
    )

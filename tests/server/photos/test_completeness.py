"""Only whole images are accepted (docs/contract.md#photos): files cut short or with damaged
pixel data are refused as damaged, for every accepted format, and a multi-picture JPEG (MPO) is
the JPEG of its first picture. The damaged files are made here from the shared test photos."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from PIL import Image, ImageFile

from server.photos import DamagedImage, derive, inspect
from tests.server.photos.images import (
    as_png,
    cut_heic_with_fitting_boxes,
    encode,
    exif_block,
    mean_difference,
    mpo,
    open_image,
    photo,
    png_chunks,
    png_with_chunk_before_iend,
    png_with_damaged_pixel_data,
    rgb_png_of_stream,
)

# Each accepted format as a phone or camera sends it, and the name refusals give it.
WHOLE_FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "jpeg": (lambda: photo("gps_nikon.jpg"), "JPEG"),
    "progressive-jpeg": (
        lambda: encode(open_image(photo("gps_nikon.jpg")), "JPEG", progressive=True),
        "JPEG",
    ),
    "mpo": (lambda: mpo("gps_nikon.jpg")[0], "JPEG"),
    "png": (lambda: as_png("gps_nikon.jpg"), "PNG"),
    "webp": (lambda: photo("flower.webp"), "WebP"),
    "heic": (lambda: photo("iphone11.heic"), "HEIC"),
}
# Where a file is cut: how many bytes are kept, given its length.
CUTS: dict[str, Callable[[int], int]] = {
    "inside-the-signature": lambda length: 11,
    "inside-the-header": lambda length: 40,
    "a-third-in": lambda length: length // 3,
    "halfway": lambda length: length // 2,
    "three-quarters-in": lambda length: length * 3 // 4,
    "two-bytes-short": lambda length: length - 2,
    "one-byte-short": lambda length: length - 1,
}


def assert_refused_as_damaged(data: bytes, format_name: str) -> None:
    for step in (inspect, derive):
        with pytest.raises(DamagedImage) as refused:
            step(data)
        assert 422 == refused.value.status
        assert f"The {format_name} photo is damaged" in str(refused.value)


@pytest.mark.parametrize("kind", WHOLE_FILES)
def test_every_whole_file_is_accepted(kind: str) -> None:
    build, _ = WHOLE_FILES[kind]

    derived = derive(build())

    assert (derived.display_width, derived.display_height) == open_image(derived.display).size


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("kind", WHOLE_FILES)
def test_a_file_cut_short_is_refused_as_damaged(kind: str, cut: str) -> None:
    build, format_name = WHOLE_FILES[kind]
    data = build()

    assert_refused_as_damaged(data[: CUTS[cut](len(data))], format_name)


@pytest.mark.parametrize("kind", WHOLE_FILES)
def test_cut_files_are_refused_even_when_pillow_is_told_to_load_truncated_images(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process-wide switch any library may flip (WeasyPrint does, on import).
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    build, format_name = WHOLE_FILES[kind]
    data = build()

    for cut in ("halfway", "two-bytes-short", "one-byte-short"):
        assert_refused_as_damaged(data[: CUTS[cut](len(data))], format_name)


def test_a_heic_cut_in_half_is_refused_not_filled_in() -> None:
    data = photo("iphone11.heic")  # libheif would fill its missing tiles with a flat colour

    assert_refused_as_damaged(data[: len(data) // 2], "HEIC")


def test_a_heic_whose_item_data_lies_beyond_its_end_is_refused() -> None:
    data = photo("iphone11.heic")
    # Every top-level box fits the file; the picture's tiles, by the iloc box, do not.
    cut = cut_heic_with_fitting_boxes(data, len(data) * 2 // 3)

    assert_refused_as_damaged(cut, "HEIC")


def test_a_webp_whose_chunk_runs_past_its_riff_size_is_refused() -> None:
    data = photo("flower.webp")
    cut = bytearray(data[: len(data) // 2])
    cut[4:8] = struct.pack("<I", len(cut) - 8)  # the RIFF size agrees with the cut file

    assert_refused_as_damaged(bytes(cut), "WebP")


def test_data_after_the_end_of_a_whole_image_is_left_alone() -> None:
    for data in (photo("flower.webp"), photo("gps_nikon.jpg"), as_png("small_orientation_6.jpg")):
        derived = derive(data + b"PK\x03\x04" + bytes(64))

        assert b"PK\x03\x04" not in derived.display


# --- multi-picture JPEG (MPO) -------------------------------------------------------------------


def test_an_mpo_is_accepted_as_the_jpeg_of_its_first_picture() -> None:
    data, first, second = mpo("gps_nikon.jpg")
    assert "MPO" == Image.open(io.BytesIO(data)).format  # as Pillow names it

    info = inspect(data)
    derived = derive(data)

    assert ("JPEG", "image/jpeg", 640, 480) == (
        info.format,
        info.mime_type,
        info.width,
        info.height,
    )
    display = open_image(derived.display)
    assert (640, 480) == display.size
    assert 15 > mean_difference(first, display)
    assert 40 < mean_difference(second, display)


def test_an_mpo_whose_second_picture_is_cut_short_is_refused() -> None:
    data, _, _ = mpo("gps_nikon.jpg")
    second = data.index(b"\xff\xd8\xff", 4)  # the second picture's start-of-image marker

    for keep in (second + 200, (second + len(data)) // 2, len(data) - 1):
        assert_refused_as_damaged(data[:keep], "JPEG")


# --- PNG pixel data ------------------------------------------------------------------------------


@pytest.mark.parametrize("at", [0.0, 0.3, 0.5, 0.9, 1.0])
def test_a_png_with_damaged_pixel_data_and_intact_chunk_crcs_is_refused(at: float) -> None:
    data = png_with_damaged_pixel_data(as_png("gps_nikon.jpg"), at)

    with pytest.raises(DamagedImage) as refused:
        derive(data)

    assert 422 == refused.value.status
    assert "The PNG photo is damaged" in str(refused.value)


def test_a_png_with_damaged_pixel_data_and_the_old_crc_is_refused_from_its_chunks() -> None:
    data = png_with_damaged_pixel_data(as_png("gps_nikon.jpg"), 0.5, fix_crc=False)

    assert_refused_as_damaged(data, "PNG")


def test_a_png_whose_pixel_data_inflates_beyond_its_rows_is_refused() -> None:
    # 1 x 1 RGB is 4 bytes with the row's filter byte; this stream holds 50 MB in about 50 kB.
    data = rgb_png_of_stream(1, 1, zlib.compress(bytes(50_000_000), 9))

    with pytest.raises(DamagedImage):
        derive(data)


def test_a_png_orientation_after_its_pixels_is_read_without_decoding_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An eXIf chunk may follow the pixel data; Pillow's PNG reader decodes every pixel to find it.
    landscape = encode(Image.new("RGB", (60, 40), (10, 120, 200)), "PNG")
    data = png_with_chunk_before_iend(landscape, b"eXIf", exif_block(orientation=6).tobytes())
    assert [b"IHDR", b"IDAT", b"eXIf", b"IEND"] == [chunk[0] for chunk in png_chunks(data)]

    def no_decoding(image: ImageFile.ImageFile) -> None:
        raise AssertionError("inspect decoded the pixels")

    with monkeypatch.context() as patched:
        patched.setattr(ImageFile.ImageFile, "load", no_decoding)
        info = inspect(data)
    derived = derive(data)

    assert (40, 60) == (info.width, info.height)
    assert (40, 60) == (derived.width, derived.height)
    assert (40, 60) == (derived.display_width, derived.display_height)

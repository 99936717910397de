"""Photo preparation with the real phone photos of the test data."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from PIL.JpegImagePlugin import JpegImageFile

from mobile.markup import Mark, draw_marks
from mobile.photos import MAX_SIDE, PhotoError, make_thumbnail, prepare_photo
from tests.fixtures import PHOTOS


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_orientation_6_comes_out_upright_without_exif() -> None:
    with Image.open(PHOTOS / "orientation_6.jpg") as original:
        stored_width, stored_height = original.size
        assert 6 == original.getexif().get(0x0112)
    prepared = prepare_photo(PHOTOS / "orientation_6.jpg")
    image = opened(prepared.data)
    assert (stored_height, stored_width) == image.size  # turned a quarter
    assert (prepared.width, prepared.height) == image.size
    assert "JPEG" == image.format
    assert image.getexif().get(0x0112) is None


def test_the_small_orientation_6_photo_is_turned_too() -> None:
    # hopper_orientation_6.jpg is stored 128x128 with its content lying on its side: compare
    # with Pillow's own transpose of the full image.
    with Image.open(PHOTOS / "small_orientation_6.jpg") as original:
        expected = original.transpose(Image.Transpose.ROTATE_270).convert("RGB")
    actual = opened(prepare_photo(PHOTOS / "small_orientation_6.jpg").data).convert("RGB")
    difference = sum(abs(a - b) for a, b in zip(expected.tobytes(), actual.tobytes(), strict=True))
    assert difference / len(expected.tobytes()) < 6  # only JPEG noise, not a quarter turn


def test_gps_and_other_exif_do_not_leave_the_phone_but_the_capture_and_camera_do() -> None:
    """Only what the server's trust score reads is kept: the capture time and the camera and
    software that made the photo (docs/contract.md#trust)."""
    with Image.open(PHOTOS / "gps_nikon.jpg") as original:
        assert original.getexif().get_ifd(0x8825)  # the source has a GPS block
    exif = opened(prepare_photo(PHOTOS / "gps_nikon.jpg").data).getexif()
    assert {} == exif.get_ifd(0x8825)
    assert {"Make": "NIKON", "Model": "COOLPIX P6000", "Software": "Nikon Transfer 1.1 W"} == {
        ExifTags.TAGS[tag]: value for tag, value in exif.items() if tag != ExifTags.Base.ExifOffset
    }
    assert {ExifTags.Base.DateTimeOriginal: "2008:10:22 16:28:39"} == dict(exif.get_ifd(0x8769))


def test_a_marked_copy_keeps_the_capture_time_and_camera_of_its_photo() -> None:
    prepared = prepare_photo(PHOTOS / "gps_nikon.jpg")
    marked = draw_marks(prepared.data, [Mark("circle", 0.5, 0.5, 0.6, 0.6)])
    exif = opened(marked.data).getexif()
    assert "NIKON" == exif.get(ExifTags.Base.Make)
    assert "2008:10:22 16:28:39" == exif.get_ifd(0x8769).get(ExifTags.Base.DateTimeOriginal)


def test_a_large_heic_is_shrunk_to_2048_jpeg() -> None:
    prepared = prepare_photo(PHOTOS / "iphone11.heic")
    image = opened(prepared.data)
    assert MAX_SIDE == max(image.size)
    assert image.size[1] > image.size[0]  # portrait after orientation
    assert "JPEG" == image.format


def test_sha256_is_of_the_bytes_to_upload_and_stable() -> None:
    first = prepare_photo((PHOTOS / "flower.webp").read_bytes())
    second = prepare_photo(PHOTOS / "flower.webp")
    assert hashlib.sha256(first.data).hexdigest() == first.sha256
    assert first.sha256 == second.sha256
    assert "image/jpeg" == first.content_type


def test_cmyk_becomes_rgb() -> None:
    assert "RGB" == opened(prepare_photo(PHOTOS / "cmyk.jpg").data).mode


@pytest.mark.parametrize("name", ["empty.jpg", "truncated.png", "bomb.gif", "SOURCES.md"])
def test_unreadable_files_are_refused_clearly(name: str) -> None:
    with pytest.raises(PhotoError):
        prepare_photo(PHOTOS / name)


def test_thumbnail_is_a_small_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(prepare_photo(PHOTOS / "gps_nikon.jpg").data)
    thumbnail = opened(make_thumbnail(path, 128))
    assert 128 == max(thumbnail.size)


def test_the_jpeg_is_encoded_at_quality_85() -> None:
    reference = io.BytesIO()
    Image.new("RGB", (16, 16)).save(reference, "JPEG", quality=85)
    expected, shrunk = (
        opened(reference.getvalue()),
        opened(prepare_photo(PHOTOS / "gps_nikon.jpg").data),
    )
    assert isinstance(expected, JpegImageFile)
    assert isinstance(shrunk, JpegImageFile)
    assert expected.quantization == shrunk.quantization

"""JPEG thumbnails lose their metadata segments, never their pixels, and bad input is refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from reports.jpeg import JpegImage, without_metadata
from tests.reports.samples import PHOTOS, thumbnails


def test_a_clean_thumbnail_is_returned_untouched() -> None:
    clean = thumbnails()[0]
    assert clean is without_metadata(clean)


def test_a_camera_jpeg_loses_exif_and_gps_but_keeps_every_pixel() -> None:
    camera = (PHOTOS / "gps_nikon.jpg").read_bytes()
    stripped = without_metadata(camera)
    with Image.open(io.BytesIO(stripped)) as image:
        assert {} == dict(image.getexif())
        stripped_pixels = image.tobytes()
    with Image.open(io.BytesIO(camera)) as original:
        assert 0 < len(original.getexif())
        assert original.tobytes() == stripped_pixels
    assert len(stripped) < len(camera)


def test_a_cmyk_jpeg_keeps_the_adobe_segment_that_says_how_to_read_it() -> None:
    cmyk = (PHOTOS / "cmyk.jpg").read_bytes()
    with Image.open(io.BytesIO(without_metadata(cmyk))) as image:
        assert "CMYK" == image.mode
        with Image.open(io.BytesIO(cmyk)) as original:
            assert original.tobytes() == image.tobytes()


@pytest.mark.parametrize("name", ["empty.jpg", "flower.webp", "truncated.png"])
def test_what_is_not_a_jpeg_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a JPEG"):
        without_metadata(Path(PHOTOS / name).read_bytes())


def test_a_jpeg_cut_before_its_image_data_is_refused() -> None:
    camera = (PHOTOS / "gps_nikon.jpg").read_bytes()
    with pytest.raises(ValueError, match="no image data"):
        without_metadata(camera[:400])


def test_a_fitted_image_keeps_its_aspect_ratio() -> None:
    portrait = next(t for t in thumbnails() if Image.open(io.BytesIO(t)).height > 300)
    with Image.open(io.BytesIO(portrait)) as image:
        ratio = image.width / image.height
    fitted = JpegImage.fitted(portrait, 100, 100)
    assert 100 == pytest.approx(max(fitted.width, fitted.height))
    assert ratio == pytest.approx(fitted.width / fitted.height)

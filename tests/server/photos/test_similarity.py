"""What the pipeline reads of a photo for the trust score (docs/contract.md#trust): the camera's
make, model and software, and a perceptual hash that a re-saved, resized or slightly cropped
copy keeps and a different photo does not; and the band scheme that finds such copies."""

# asserts are written as `expected == actual`

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageOps

from server.photos import derive
from server.photos.pipeline import perceptual_hash
from server.photos.similarity import (
    BAND_RADIUS,
    NEAR_DUPLICATE_BITS,
    band_neighbours,
    bands,
    from_text,
    hamming,
    is_near_duplicate,
    to_text,
)
from tests.server.photos.images import encode, open_image, photo

PROPERTY = settings(max_examples=200, deadline=None, database=None)
FIXTURES = ("iphone11.heic", "gps_nikon.jpg", "orientation_6.jpg", "flower.webp")


def upright(name: str) -> Image.Image:
    with Image.open(io.BytesIO(photo(name))) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def cropped(
    image: Image.Image, left: float, top: float, right: float, bottom: float
) -> Image.Image:
    """`image` with the given shares of its width and height cut off each side."""
    width, height = image.size
    box = (
        round(width * left),
        round(height * top),
        width - round(width * right),
        height - round(height * bottom),
    )
    return image.crop(box)


def copies(name: str) -> dict[str, bytes]:
    """What someone passing a photo off as their own might send: re-saved, resized, cropped."""
    image = upright(name)
    width, height = image.size
    return {
        "recompressed at quality 50": encode(image, "JPEG", quality=50),
        "resized to half": encode(image.resize((width // 2, height // 2)), "JPEG", quality=80),
        "resized to a fifth, as PNG": encode(image.resize((width // 5, height // 5)), "PNG"),
        "1% cut off every side": encode(cropped(image, 0.01, 0.01, 0.01, 0.01), "JPEG"),
        "5% cut off one side": encode(cropped(image, 0, 0, 0.05, 0), "JPEG"),
        "3% cut off the top and the left": encode(cropped(image, 0.03, 0.03, 0, 0), "JPEG"),
    }


def phash_of(data: bytes) -> int:
    value = derive(data).phash
    assert value is not None
    return value


# --- camera details -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "model", "software"),
    [
        ("gps_nikon.jpg", "NIKON", "COOLPIX P6000", "Nikon Transfer 1.1 W"),
        ("iphone11.heic", "Apple", "iPhone 11 Pro Max", "14.4.2"),
        ("flower.webp", "Canon", "Canon PowerShot S40", None),
        ("cmyk.jpg", None, None, "Adobe Photoshop CS Macintosh"),
        ("orientation_6.jpg", None, None, None),
    ],
)
def test_the_camera_details_of_each_fixture_are_read(
    name: str, make: str | None, model: str | None, software: str | None
) -> None:
    derived = derive(photo(name))
    assert (make, model, software) == (
        derived.camera_make,
        derived.camera_model,
        derived.software,
    )


def test_camera_details_are_cleaned_and_never_copied_into_derived_images() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "  Maker\x00\x00 "
    exif[ExifTags.Base.Model] = "M" * 300
    exif[ExifTags.Base.Software] = "   "
    data = encode(Image.new("RGB", (64, 48), (10, 120, 200)), "JPEG", exif=exif.tobytes())

    derived = derive(data)

    assert ("Maker", "M" * 100, None) == (
        derived.camera_make,
        derived.camera_model,
        derived.software,
    )
    for jpeg in (derived.display, derived.thumbnail):
        kept = open_image(jpeg).getexif()
        assert ExifTags.Base.Make not in kept
        assert ExifTags.Base.Model not in kept
        assert b"Maker" not in jpeg


def test_a_photo_without_exif_has_no_camera_details() -> None:
    derived = derive(encode(upright("gps_nikon.jpg"), "JPEG"))
    assert (None, None, None) == (derived.camera_make, derived.camera_model, derived.software)


# --- the perceptual hash --------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_a_copy_keeps_the_hash_within_the_near_duplicate_distance(name: str) -> None:
    original = phash_of(photo(name))
    distances = {kind: hamming(original, phash_of(data)) for kind, data in copies(name).items()}
    assert dict.fromkeys(distances, True) == {
        kind: distance <= NEAR_DUPLICATE_BITS for kind, distance in distances.items()
    }, distances


@pytest.mark.parametrize(
    ("first", "second"),
    [(first, second) for first in FIXTURES for second in FIXTURES if first < second],
)
def test_different_photos_are_not_near_duplicates(first: str, second: str) -> None:
    distance = hamming(phash_of(photo(first)), phash_of(photo(second)))
    assert distance > NEAR_DUPLICATE_BITS + 4, distance  # with room to spare


def test_two_halves_of_one_photo_are_not_near_duplicates() -> None:
    """Two different photos of one place: the left and right halves of a shelf."""
    image = upright("iphone11.heic")
    left = encode(cropped(image, 0, 0, 0.5, 0), "JPEG")
    right = encode(cropped(image, 0.5, 0, 0, 0), "JPEG")
    assert not is_near_duplicate(phash_of(left), phash_of(right))


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 130, 120)])
def test_a_plain_image_has_no_hash(colour: tuple[int, int, int]) -> None:
    """A black frame or a white wall would otherwise match every other one."""
    assert derive(encode(Image.new("RGB", (800, 600), colour), "JPEG", quality=60)).phash is None


def test_the_hash_is_that_of_the_upright_thumbnail() -> None:
    derived = derive(photo("orientation_6.jpg"))  # stored sideways, shown upright
    assert derived.phash == perceptual_hash(open_image(derived.thumbnail))
    sideways = encode(upright("orientation_6.jpg").rotate(90, expand=True), "JPEG")
    assert not is_near_duplicate(derived.phash or 0, phash_of(sideways))


# --- bands ----------------------------------------------------------------------------------


def test_band_neighbours_are_every_value_within_the_radius_once() -> None:
    neighbours = band_neighbours(0b1010_0000_1111_0001)
    assert 1 + 16 + 120 == len(neighbours) == len(set(neighbours))
    assert 0b1010_0000_1111_0001 == neighbours[0]
    assert {BAND_RADIUS} == {max(hamming(neighbours[0], value) for value in neighbours)}


@PROPERTY
@given(
    st.integers(0, 2**64 - 1),
    st.sets(st.integers(0, 63), max_size=(BAND_RADIUS + 1) * 4 - 1),
)
def test_a_hash_within_eleven_bits_shares_a_band_within_the_radius(
    phash: int, flipped: set[int]
) -> None:
    other = phash
    for bit in flipped:
        other ^= 1 << bit
    assert any(
        theirs in set(band_neighbours(ours))
        for ours, theirs in zip(bands(phash), bands(other), strict=True)
    )


@PROPERTY
@given(st.integers(0, 2**64 - 1))
def test_the_stored_text_and_the_bands_give_the_hash_back(phash: int) -> None:
    assert phash == from_text(to_text(phash))
    assert 16 == len(to_text(phash))
    band_0, band_1, band_2, band_3 = bands(phash)
    assert phash == band_0 << 48 | band_1 << 32 | band_2 << 16 | band_3

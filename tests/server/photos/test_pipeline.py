"""The photo pipeline on every shared test photo and on generated edge cases."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from PIL import ExifTags, Image, ImageOps

from server.photos import (
    DamagedImage,
    PhotoTooLarge,
    UnsupportedImage,
    check_upload_size,
    derive,
    inspect,
)
from server.photos.pipeline import DEFAULT_MAX_BYTES, DISPLAY_SIDE, THUMBNAIL_SIDE
from tests.server.photos.images import (
    as_srgb,
    encode,
    exif_block,
    heic_claiming_size,
    jpeg_claiming_size,
    mean_difference,
    open_image,
    photo,
    png_header_only,
    png_with_chunk,
    quadrants,
)

PERSONAL_TAGS = (
    ExifTags.Base.Make,
    ExifTags.Base.Model,
    ExifTags.Base.Software,
    ExifTags.Base.Artist,
    ExifTags.Base.MakerNote,
    ExifTags.Base.UserComment,
    ExifTags.Base.ImageDescription,
)


def original_capture_time(data: bytes) -> str:
    """DateTimeOriginal as the file records it, read with Pillow alone."""
    with Image.open(__import__("io").BytesIO(data)) as image:
        value = image.getexif().get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal]
    assert isinstance(value, str)
    return value


def assert_no_personal_exif(jpeg: bytes) -> None:
    image = open_image(jpeg)
    exif = image.getexif()
    assert {} == dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
    assert ExifTags.IFD.GPSInfo not in exif
    assert [] == [tag for tag in PERSONAL_TAGS if tag in exif]
    assert [] == [tag for tag in PERSONAL_TAGS if tag in exif.get_ifd(ExifTags.IFD.Exif)]
    assert "xmp" not in image.info
    assert "comment" not in image.info


def assert_derived_jpegs_fit(derived_width: int, derived_height: int, side: int) -> None:
    assert side >= max(derived_width, derived_height)


# --- every file of tests/fixtures/photos ---------------------------------------------


def test_bomb_gif_is_refused_as_unsupported_without_decoding() -> None:
    data = photo("bomb.gif")  # 44 bytes claiming 4.36 gigapixels; GIF is not accepted anyway

    with pytest.raises(UnsupportedImage) as refused:
        inspect(data)

    assert 415 == refused.value.status
    assert "JPEG, PNG, WebP or HEIC" in str(refused.value)
    with pytest.raises(UnsupportedImage):
        derive(data)


def test_cmyk_jpeg_becomes_an_rgb_jpeg_with_the_same_colours() -> None:
    data = photo("cmyk.jpg")
    reference = open_image(data).convert("RGB")  # full-size conversion, no draft, no resize

    info = inspect(data)
    derived = derive(data)

    assert ("JPEG", "image/jpeg") == (info.format, info.mime_type)
    display = open_image(derived.display)
    assert ("JPEG", "RGB") == (display.format, display.mode)
    assert reference.size == display.size
    # JPEG re-encoding of this detailed 100 px image costs a few levels; inverted CMYK (the
    # classic Adobe CMYK mistake) would cost a hundred.
    assert 10 > mean_difference(reference, display)
    assert 60 < mean_difference(ImageOps.invert(reference), display)


def test_empty_file_is_refused_as_damaged() -> None:
    with pytest.raises(DamagedImage) as refused:
        inspect(photo("empty.jpg"))

    assert 422 == refused.value.status
    assert "empty" in str(refused.value)


def test_webp_is_accepted_and_derived_to_jpeg() -> None:
    data = photo("flower.webp")
    original = open_image(data)

    info = inspect(data)
    derived = derive(data)

    assert ("WEBP", "image/webp") == (info.format, info.mime_type)
    assert original.size == (info.width, info.height)
    # Smaller than the display size: kept as it is, never enlarged.
    assert original.size == (derived.display_width, derived.display_height)
    assert THUMBNAIL_SIDE == max(derived.thumbnail_width, derived.thumbnail_height)
    assert 12 > mean_difference(original.convert("RGB"), open_image(derived.display))
    assert "JPEG" == open_image(derived.thumbnail).format


def test_gps_and_camera_details_never_reach_the_derived_images_but_capture_time_does() -> None:
    data = photo("gps_nikon.jpg")
    with Image.open(__import__("io").BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the file really has GPS

    derived = derive(data)

    recorded = original_capture_time(data)
    assert datetime.strptime(recorded, "%Y:%m:%d %H:%M:%S") == derived.taken_at
    for jpeg in (derived.display, derived.thumbnail):
        assert_no_personal_exif(jpeg)
        assert b"NIKON" not in jpeg
        assert b"COOLPIX" not in jpeg
        kept = open_image(jpeg).getexif().get_ifd(ExifTags.IFD.Exif)
        assert recorded == kept[ExifTags.Base.DateTimeOriginal]
    assert hashlib.sha256(data).hexdigest() == derived.sha256


def test_iphone_heic_is_accepted_upright_without_gps_and_with_its_capture_time() -> None:
    data = photo("iphone11.heic")  # 2566 x 3313 portrait, with GPS

    info = inspect(data)
    derived = derive(data)

    assert ("HEIF", "image/heic") == (info.format, info.mime_type)
    assert (2566, 3313) == (info.width, info.height)
    assert (2566, 3313) == (derived.width, derived.height)
    assert DISPLAY_SIDE == derived.display_height
    assert round(2566 * DISPLAY_SIDE / 3313) == derived.display_width
    assert THUMBNAIL_SIDE == derived.thumbnail_height
    for jpeg in (derived.display, derived.thumbnail):
        assert_no_personal_exif(jpeg)
        assert b"Apple" not in jpeg  # neither the maker nor Apple's Display P3 profile
        assert "icc_profile" not in open_image(jpeg).info
    recorded = original_capture_time(data)
    assert derived.taken_at is not None
    assert datetime.strptime(recorded, "%Y:%m:%d %H:%M:%S") == derived.taken_at.replace(tzinfo=None)


@pytest.mark.parametrize("name", ["orientation_6.jpg", "small_orientation_6.jpg"])
def test_orientation_6_photos_are_derived_upright(name: str) -> None:
    data = photo(name)
    raw = open_image(data)
    assert 6 == raw.getexif()[ExifTags.Base.Orientation]
    # Pillow's own full-size rotation and colour management are the reference.
    upright = as_srgb(ImageOps.exif_transpose(raw))

    info = inspect(data)
    derived = derive(data)

    assert (raw.height, raw.width) == (info.width, info.height)
    assert (raw.height, raw.width) == (derived.width, derived.height)
    display = open_image(derived.display)
    assert upright.size == display.size
    assert 6 > mean_difference(upright, display)
    # The same image not turned is clearly different (a square one included), so the check bites.
    assert 20 < mean_difference(raw.resize(display.size), display)
    assert ExifTags.Base.Orientation not in display.getexif()
    thumbnail = open_image(derived.thumbnail)
    assert 8 > mean_difference(upright.resize(thumbnail.size), thumbnail)


def test_truncated_png_is_refused_from_its_chunks_before_any_decoding() -> None:
    data = photo("truncated.png")  # headers intact, pixel data cut short, no IEND

    for step in (inspect, derive):
        with pytest.raises(DamagedImage) as refused:
            step(data)

        assert 422 == refused.value.status
        assert "PNG photo is damaged" in str(refused.value)


# --- generated edge cases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "megapixels"),
    [(20_000, 10_000, "200.0"), (10_000, 10_000, "100.0")],
    ids=["beyond-pillow-bomb-error", "within-pillow-bomb-warning"],
)
def test_header_only_png_over_the_pixel_limit_is_refused_without_decoding(
    width: int, height: int, megapixels: str
) -> None:
    data = png_header_only(width, height)  # no pixel data at all: decoding would fail

    with pytest.raises(PhotoTooLarge) as refused:
        inspect(data)

    assert 413 == refused.value.status
    assert f"The photo is {megapixels} megapixels; the limit is 40 megapixels." == str(
        refused.value
    )
    with pytest.raises(PhotoTooLarge):
        derive(data)


@pytest.mark.parametrize(
    ("width", "height", "megapixels"),
    [(20_000, 10_000, "200.0"), (10_000, 10_000, "100.0"), (8_000, 6_000, "48.0")],
)
def test_heic_claiming_too_many_pixels_is_refused_without_decoding(
    width: int, height: int, megapixels: str
) -> None:
    data = heic_claiming_size(width, height)  # its tiles hold only 2566 x 3313 pixels

    with pytest.raises(PhotoTooLarge) as refused:
        inspect(data)

    assert f"The photo is {megapixels} megapixels; the limit is 40 megapixels." == str(
        refused.value
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_without_warnings_as_errors_the_pixel_limit_still_refuses_a_bomb() -> None:
    # Production runs with default warning filters: Pillow only warns between 89 and 179 MP.
    with pytest.raises(PhotoTooLarge) as refused:
        inspect(png_header_only(10_000, 10_000))

    assert "The photo is 100.0 megapixels; the limit is 40 megapixels." == str(refused.value)


def test_jpeg_claiming_48_megapixels_is_refused_with_its_size_in_the_message() -> None:
    data = jpeg_claiming_size(8000, 6000)

    with pytest.raises(PhotoTooLarge) as refused:
        inspect(data)

    assert "The photo is 48.0 megapixels; the limit is 40 megapixels." == str(refused.value)


def test_the_pixel_limit_is_inclusive() -> None:
    data = encode(Image.new("RGB", (200, 100)), "PNG")

    assert 20_000 == inspect(data, max_pixels=20_000).pixels
    with pytest.raises(PhotoTooLarge):
        inspect(data, max_pixels=19_999)


def test_file_over_25_megabytes_is_refused_before_it_is_parsed() -> None:
    data = b"\xff\xd8\xff" + bytes(DEFAULT_MAX_BYTES - 2)

    with pytest.raises(PhotoTooLarge) as refused:
        inspect(data)

    assert 413 == refused.value.status
    assert "the limit is 25 MB" in str(refused.value)
    check_upload_size(DEFAULT_MAX_BYTES)  # exactly at the limit is allowed
    with pytest.raises(PhotoTooLarge):
        check_upload_size(DEFAULT_MAX_BYTES + 1)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n",
        b"<html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;/*" + b"*/alert(1);",
        b"PK\x03\x04" + bytes(40),
        b"BM" + bytes(60),
        b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00",
    ],
    ids=["pdf", "html", "gif-javascript-polyglot", "zip", "bmp", "avif"],
)
def test_content_that_is_not_an_accepted_image_is_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedImage) as refused:
        inspect(data)

    assert 415 == refused.value.status


def test_tiff_named_like_a_jpeg_is_unsupported() -> None:
    data = encode(Image.new("RGB", (10, 10)), "TIFF")

    with pytest.raises(UnsupportedImage):
        inspect(data)


@pytest.mark.parametrize(
    ("data", "format_name"),
    [
        (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage", "PNG"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"garbage", "WebP"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"garbage", "HEIC"),
    ],
    ids=["jpeg", "png", "webp", "heic"],
)
def test_a_supported_signature_followed_by_garbage_is_damaged(
    data: bytes, format_name: str
) -> None:
    with pytest.raises(DamagedImage) as refused:
        derive(data)

    assert f"The {format_name} photo is damaged" in str(refused.value)


def test_a_png_zip_polyglot_is_accepted_but_its_payload_never_reaches_derived_images() -> None:
    payload = b"PK\x03\x04" + b"<script>alert(1)</script>" * 20
    data = encode(quadrants(64, 48), "PNG") + payload

    derived = derive(data)

    assert "PNG" == inspect(data).format
    assert b"<script>" not in derived.display
    assert b"<script>" not in derived.thumbnail


def test_png_with_alpha_is_flattened_onto_white() -> None:
    image = Image.new("RGBA", (100, 50), (255, 0, 0, 0))  # transparent red: must not show
    image.paste((0, 0, 255, 255), (50, 0, 100, 50))  # opaque blue right half

    display = open_image(derive(encode(image, "PNG")).display)

    assert "RGB" == display.mode
    assert 3 > mean_difference(Image.new("RGB", (40, 50), "white"), display.crop((0, 0, 40, 50)))
    assert 3 > mean_difference(Image.new("RGB", (40, 50), "blue"), display.crop((60, 0, 100, 50)))


def test_palette_png_with_a_transparent_colour_is_flattened_onto_white() -> None:
    image = Image.new("P", (60, 30), 0)
    image.putpalette([0, 0, 0, 0, 160, 0] + [0] * 762)
    image.paste(1, (30, 0, 60, 30))
    data = encode(image, "PNG", transparency=0)

    display = open_image(derive(data).display)

    assert 3 > mean_difference(Image.new("RGB", (25, 30), "white"), display.crop((0, 0, 25, 30)))
    expected_green = Image.new("RGB", (25, 30), (0, 160, 0))
    assert 3 > mean_difference(expected_green, display.crop((35, 0, 60, 30)))


def test_a_large_palette_png_is_shrunk_smoothly() -> None:
    stripes = Image.new("P", (3200, 100), 0)
    stripes.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    for left in range(0, 3200, 2):  # one-pixel black and white stripes
        stripes.paste(1, (left, 0, left + 1, 100))

    display = open_image(derive(encode(stripes, "PNG")).display).convert("L")

    # Averaged to mid grey, not picked pixel by pixel into black and white bands.
    darkest, lightest = display.crop((10, 10, 1590, 40)).getextrema()
    assert 108 < darkest  # type: ignore[operator]
    assert 148 > lightest  # type: ignore[operator]


def test_sixteen_bit_greyscale_png_keeps_its_tones() -> None:
    image = Image.new("I;16", (40, 20), 0)
    image.paste(Image.new("I;16", (20, 20), 32_768), (20, 0))  # mid grey on the right

    display = open_image(derive(encode(image, "PNG")).display).convert("L")

    assert 3 > abs(0 - display.getpixel((5, 10)))  # type: ignore[operator]
    assert 3 > abs(128 - display.getpixel((35, 10)))  # type: ignore[operator]


def test_jpeg_with_huge_exif_keeps_nothing_but_the_capture_time() -> None:
    comment = b"ASCII\x00\x00\x00" + b"x" * 60_000  # near the 64 KB limit of a JPEG segment
    exif = exif_block(
        make="Phonemaker", taken_at="2024:05:01 10:20:30", offset="+02:00", user_comment=comment
    )
    exif[ExifTags.Base.Orientation] = 1
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    data = encode(quadrants(320, 240), "JPEG", exif=exif.tobytes())
    assert len(data) > 60_000

    derived = derive(data)

    assert datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=2))) == (
        derived.taken_at
    )
    for jpeg in (derived.display, derived.thumbnail):
        assert_no_personal_exif(jpeg)
        assert b"Phonemaker" not in jpeg
        assert 20_000 > len(jpeg)
        kept = open_image(jpeg).getexif().get_ifd(ExifTags.IFD.Exif)
        assert "2024:05:01 10:20:30" == kept[ExifTags.Base.DateTimeOriginal]
        assert "+02:00" == kept[ExifTags.Base.OffsetTimeOriginal]


def test_png_with_megabytes_of_exif_is_derived_without_it() -> None:
    exif = exif_block(taken_at="2023:01:02 03:04:05", make="Phonemaker", gps=True)
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.UserComment] = b"ASCII\x00\x00\x00" + bytes(
        3_000_000
    )
    data = png_with_chunk(quadrants(80, 60), b"eXIf", exif.tobytes())

    derived = derive(data)

    assert datetime(2023, 1, 2, 3, 4, 5) == derived.taken_at
    assert 20_000 > len(derived.display)
    assert_no_personal_exif(derived.display)


@pytest.mark.parametrize(
    "recorded", ["0000:00:00 00:00:00", "    :  :     :  :  ", "2024:13:45 99:00:00"]
)
def test_a_blank_or_impossible_capture_time_is_no_capture_time(recorded: str) -> None:
    data = encode(quadrants(40, 30), "JPEG", exif=exif_block(taken_at=recorded))

    derived = derive(data)

    assert derived.taken_at is None
    kept = open_image(derived.display).getexif().get_ifd(ExifTags.IFD.Exif)
    assert ExifTags.Base.DateTimeOriginal not in kept


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # Pillow warns, then goes on
def test_malformed_exif_is_ignored() -> None:
    data = encode(quadrants(40, 30), "JPEG", exif=b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff")

    derived = derive(data)

    assert derived.taken_at is None
    assert (40, 30) == (derived.display_width, derived.display_height)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_turned_upright(orientation: int) -> None:
    data = encode(quadrants(60, 40), "JPEG", exif=exif_block(orientation=orientation), quality=95)
    upright = ImageOps.exif_transpose(open_image(data))

    derived = derive(data)

    display = open_image(derived.display)
    assert upright.size == display.size
    assert upright.size == (derived.width, derived.height)
    assert 6 > mean_difference(upright, display)


def test_large_photo_is_shrunk_to_the_display_and_thumbnail_sizes() -> None:
    data = encode(quadrants(4000, 3000), "JPEG", exif=exif_block(orientation=8))

    derived = derive(data)

    assert (3000, 4000) == (derived.width, derived.height)
    assert (1200, 1600) == (derived.display_width, derived.display_height)
    assert (300, 400) == (derived.thumbnail_width, derived.thumbnail_height)
    assert (1200, 1600) == open_image(derived.display).size
    assert (300, 400) == open_image(derived.thumbnail).size

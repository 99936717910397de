"""`PUT /api/v1/photos/{uuid}` with a multi-picture JPEG and with damaged files
(docs/contract.md#photos): an MPO is stored as the JPEG of its first picture; a file cut short
or with damaged pixel data is a 422 problem detail, and nothing is stored, neither row nor file.
The damaged files are made here from the shared test photos."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from server.core.settings import Settings
from tests.server.api import Api, World
from tests.server.audits.helpers import count_rows, new_uuid, put_photo, sql
from tests.server.photos.images import (
    as_png,
    mean_difference,
    mpo,
    photo,
    png_with_damaged_pixel_data,
)


def media_files(settings: Settings) -> list[Path]:
    root = Path(settings.media_dir)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


async def assert_refused_and_nothing_stored(
    api: Api, world: World, settings: Settings, data: bytes, label: str
) -> None:
    rows, files = await count_rows(settings, "photo"), media_files(settings)

    response = await put_photo(api, world.headers["auditor"], new_uuid(), data)

    assert 422 == response.status_code, (label, response.status_code, response.text)
    assert "application/problem+json" == response.headers["content-type"], label
    assert "damaged or incomplete" in response.json()["detail"], label
    assert rows == await count_rows(settings, "photo"), label
    assert files == media_files(settings), label


async def test_an_mpo_is_stored_as_the_jpeg_of_its_first_picture(
    api: Api, world: World, settings: Settings
) -> None:
    headers = world.headers["auditor"]
    data, first, second = mpo("orientation_6.jpg")
    photo_uuid = new_uuid()

    response = await put_photo(api, headers, photo_uuid, data)

    assert 201 == response.status_code, response.text
    [(media_type,)] = await sql(settings, "SELECT media_type FROM photo WHERE uuid = ?", photo_uuid)
    assert "image/jpeg" == media_type
    display = await api.client.get(f"/api/v1/photos/{photo_uuid}/display", headers=headers)
    assert 200 == display.status_code
    with Image.open(io.BytesIO(display.content)) as shown:
        assert "JPEG" == shown.format
        assert first.size == shown.size  # upright: the first picture's EXIF orientation applied
        assert 15 > mean_difference(first, shown)
        assert 40 < mean_difference(second, shown)


async def test_a_png_with_damaged_pixel_data_is_refused(
    api: Api, world: World, settings: Settings
) -> None:
    data = png_with_damaged_pixel_data(as_png("gps_nikon.jpg"), 0.5)  # chunk CRCs still match

    await assert_refused_and_nothing_stored(api, world, settings, data, "damaged png")


async def test_a_heic_cut_in_half_is_refused(api: Api, world: World, settings: Settings) -> None:
    data = photo("iphone11.heic")

    await assert_refused_and_nothing_stored(api, world, settings, data[: len(data) // 2], "heic")


@pytest.mark.parametrize(
    "build",
    [
        lambda: photo("gps_nikon.jpg"),
        lambda: mpo("gps_nikon.jpg")[0],
        lambda: as_png("gps_nikon.jpg"),
        lambda: photo("flower.webp"),
        lambda: photo("iphone11.heic"),
    ],
    ids=["jpeg", "mpo", "png", "webp", "heic"],
)
async def test_a_file_cut_short_anywhere_is_refused(
    api: Api, world: World, settings: Settings, build: Callable[[], bytes]
) -> None:
    data = build()
    for keep in (11, 40, len(data) // 3, len(data) * 3 // 4, len(data) - 2, len(data) - 1):
        await assert_refused_and_nothing_stored(api, world, settings, data[:keep], f"{keep}")

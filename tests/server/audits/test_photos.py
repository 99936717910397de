"""PUT /api/v1/photos/{uuid} through the route, photos before and after their audit, and
reading the derived images back with scope checks."""

from __future__ import annotations

import hashlib

import pytest
from PIL import Image

from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.server.api import Api, World
from tests.server.audits.helpers import (
    audit_body,
    count_rows,
    new_uuid,
    put_audit,
    put_photo,
    sql,
)

# What the route answers for each file of the shared test photos (docs/contract.md#photos).
EXPECTED_STATUS = {
    "cmyk.jpg": 201,
    "flower.webp": 201,
    "gps_nikon.jpg": 201,
    "iphone11.heic": 201,
    "orientation_6.jpg": 201,
    "small_orientation_6.jpg": 201,
    "bomb.gif": 415,
    "empty.jpg": 422,
    "truncated.png": 422,
}


def test_every_shared_test_photo_has_an_expectation() -> None:
    present = {path.name for path in PHOTOS.iterdir() if path.name != "SOURCES.md"}
    assert present == set(EXPECTED_STATUS)


async def test_every_test_photo_through_the_route(
    api: Api, world: World, settings: Settings
) -> None:
    headers = world.headers["auditor"]
    stored = 0
    for name, status in sorted(EXPECTED_STATUS.items()):
        data = (PHOTOS / name).read_bytes()
        photo_uuid = new_uuid()

        response = await put_photo(api, headers, photo_uuid, data)

        assert status == response.status_code, (name, response.text)
        if status == 201:
            stored += 1
            assert {"uuid": photo_uuid, "sha256": hashlib.sha256(data).hexdigest()} == (
                response.json()
            )
            again = await put_photo(api, headers, photo_uuid, data)
            assert 200 == again.status_code, name
        else:
            assert "application/problem+json" == response.headers["content-type"]
    assert stored == await count_rows(settings, "photo")


async def test_display_image_is_upright_jpeg_without_gps(api: Api, world: World) -> None:
    headers = world.headers["auditor"]
    photo_uuid = new_uuid()
    data = (PHOTOS / "gps_nikon.jpg").read_bytes()
    assert 201 == (await put_photo(api, headers, photo_uuid, data)).status_code

    response = await api.client.get(f"/api/v1/photos/{photo_uuid}/display", headers=headers)

    assert 200 == response.status_code
    assert "image/jpeg" == response.headers["content-type"]
    import io

    image = Image.open(io.BytesIO(response.content))
    assert "JPEG" == image.format
    assert 0x8825 not in image.getexif()  # no GPS IFD


async def test_other_bytes_under_a_stored_uuid_are_409(api: Api, world: World) -> None:
    headers = world.headers["auditor"]
    photo_uuid = new_uuid()
    first = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    other = (PHOTOS / "cmyk.jpg").read_bytes()
    assert 201 == (await put_photo(api, headers, photo_uuid, first)).status_code

    response = await put_photo(api, headers, photo_uuid, other)

    assert 409 == response.status_code


async def test_hash_that_does_not_match_the_bytes_is_422(
    api: Api, world: World, settings: Settings
) -> None:
    data = (PHOTOS / "small_orientation_6.jpg").read_bytes()

    response = await put_photo(api, world.headers["auditor"], new_uuid(), data, "0" * 64)
    missing = await api.client.put(
        f"/api/v1/photos/{new_uuid()}", headers=world.headers["auditor"], content=data
    )

    assert 422 == response.status_code
    assert 422 == missing.status_code
    assert 0 == await count_rows(settings, "photo")


async def test_body_over_the_limit_is_413_from_content_length(api: Api, world: World) -> None:
    too_big = b"\xff" * (25 * 1024 * 1024 + 1)

    response = await put_photo(api, world.headers["auditor"], new_uuid(), too_big)

    assert 413 == response.status_code


@pytest.mark.parametrize("photo_first", [True, False], ids=["photo-first", "audit-first"])
async def test_photo_before_or_after_its_audit(
    api: Api, world: World, settings: Settings, photo_first: bool
) -> None:
    headers = world.headers["auditor"]
    photo_uuid, audit_uuid = new_uuid(), new_uuid()
    data = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    body = audit_body(world.ids["assignment_own"], photos=[photo_uuid])
    if photo_first:
        assert 201 == (await put_photo(api, headers, photo_uuid, data)).status_code

    first = await put_audit(api, headers, audit_uuid, body)

    assert 201 == first.status_code, first.text
    assert ([] if photo_first else [photo_uuid]) == first.json()["missing_photos"]
    if not photo_first:
        assert 201 == (await put_photo(api, headers, photo_uuid, data)).status_code
    replay = await put_audit(api, headers, audit_uuid, body)
    assert 200 == replay.status_code
    assert [] == replay.json()["missing_photos"]
    audit = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", world.headers["reviewer"])
    assert [photo_uuid] == [photo["uuid"] for photo in audit["photos"] if photo["received"]]
    thumbnail = await api.client.get(
        f"/api/v1/photos/{photo_uuid}/thumbnail", headers=world.headers["reviewer"]
    )
    assert 200 == thumbnail.status_code
    assert 1 == await count_rows(settings, "audit_photo")


async def test_photo_never_sent_stays_missing(api: Api, world: World) -> None:
    headers = world.headers["auditor"]
    sent, never = new_uuid(), new_uuid()
    audit_uuid = new_uuid()
    body = audit_body(world.ids["assignment_own"], photos=[sent, never])
    data = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    assert 201 == (await put_photo(api, headers, sent, data)).status_code

    first = await put_audit(api, headers, audit_uuid, body)
    replay = await put_audit(api, headers, audit_uuid, body)

    assert [never] == first.json()["missing_photos"]
    assert [never] == replay.json()["missing_photos"]
    audit = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", headers)
    assert [never] == audit["missing_photos"]


async def test_photo_images_are_hidden_from_people_outside_the_audit(
    api: Api, world: World
) -> None:
    photo_uuid = new_uuid()
    data = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    await put_photo(api, world.headers["auditor"], photo_uuid, data)
    audit = audit_body(world.ids["assignment_own"], photos=[photo_uuid])
    await put_audit(api, world.headers["auditor"], new_uuid(), audit)

    for role in ("other_auditor", "head_office", "outlet_manager"):
        response = await api.client.get(
            f"/api/v1/photos/{photo_uuid}/display", headers=world.headers[role]
        )
        # Not released yet: client users may not see it either.
        assert 404 == response.status_code, role


async def test_same_photo_in_two_audits_flags_the_later_one(
    api: Api, world: World, settings: Settings
) -> None:
    headers, other = world.headers["auditor"], world.headers["other_auditor"]
    data = (PHOTOS / "small_orientation_6.jpg").read_bytes()
    first_photo, second_photo = new_uuid(), new_uuid()
    await put_photo(api, headers, first_photo, data)
    # Another auditor sends the same bytes as a photo of their own.
    await put_photo(api, other, second_photo, data)
    first_audit, second_audit = new_uuid(), new_uuid()
    await put_audit(
        api, headers, first_audit, audit_body(world.ids["assignment_own"], photos=[first_photo])
    )
    response = await put_audit(
        api, other, second_audit, audit_body(world.ids["assignment_other"], photos=[second_photo])
    )
    assert 201 == response.status_code, response.text

    audit = await api.ok("GET", f"/api/v1/audits/{second_audit}", world.headers["admin"])

    reused = [flag for flag in audit["flags"] if flag["code"] == "photo_reused"]
    assert [{"code": "photo_reused", "detail": {"photos": {second_photo: [first_audit]}}}] == (
        reused
    )
    rows = await sql(
        settings, "SELECT count(*) FROM photo WHERE sha256 = ?", hashlib.sha256(data).hexdigest()
    )
    assert 2 == rows[0][0]


async def test_photo_arriving_after_its_audit_updates_the_photo_flags(
    api: Api, world: World
) -> None:
    headers = world.headers["auditor"]
    photo_uuid, audit_uuid = new_uuid(), new_uuid()
    data = (PHOTOS / "gps_nikon.jpg").read_bytes()  # taken years before this 2026 visit
    body = audit_body(world.ids["assignment_own"], photos=[photo_uuid])
    await put_audit(api, headers, audit_uuid, body)
    before = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", headers)

    assert 201 == (await put_photo(api, headers, photo_uuid, data)).status_code

    after = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", headers)
    assert [] == before["flags"]
    assert [{"code": "photo_outside_visit", "detail": {"photos": [photo_uuid]}}] == after["flags"]

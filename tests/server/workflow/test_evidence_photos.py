"""Photos from client users: a dispute's photo and a corrective action's evidence.

Real phone photos go through the same pipeline as the auditors' (upright display image and
thumbnail, no GPS, the same refusals); each is fetched only through the record it belongs to,
by the reviewer and the managers in scope. Another outlet's manager gets 404, an auditor 403.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

from PIL import Image

from tests.fixtures import PHOTOS
from tests.server.api import Api
from tests.server.photos.images import mean_difference, mpo
from tests.server.workflow.helpers import ReviewWorld, answers, upload

PORTRAIT_PHONE_PHOTO = PHOTOS / "orientation_6.jpg"  # landscape pixels, EXIF "rotate 90"
GPS_PHOTO = PHOTOS / "gps_nikon.jpg"
HEIC_PHOTO = PHOTOS / "iphone11.heic"


async def other_outlet_manager(api: Api, review: ReviewWorld) -> dict[str, str]:
    """An outlet manager of the same client whose outlet is not the disputed one."""
    await api.create_user(
        review.headers["admin"],
        "other.manager@example.test",
        "outlet_manager",
        client_id=review.ids["client_a"],
        outlet_ids=[review.ids["outlet_other_outlet"]],
    )
    return await api.login("other.manager@example.test")


def upright_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        width, height = image.size
        return (height, width) if image.getexif().get(0x0112) in (5, 6, 7, 8) else (width, height)


async def test_dispute_photo_from_a_phone_seen_by_reviewer_and_manager_only(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved(audit_answers=answers(exit_clear=False))
    dispute = await review.dispute(released.uuid)
    path = f"/api/v1/disputes/{dispute['id']}/photo"
    manager = review.headers["outlet_manager"]

    stored = await upload(api, path, manager, PORTRAIT_PHONE_PHOTO)
    assert 201 == stored.status_code, stored.text
    photo_uuid = stored.json()["photo_uuid"]
    assert photo_uuid is not None
    again = await upload(api, path, manager, PORTRAIT_PHONE_PHOTO)
    assert (200, photo_uuid) == (again.status_code, again.json()["photo_uuid"])

    expected_ratio = upright_size(PORTRAIT_PHONE_PHOTO)
    for who in ("reviewer", "outlet_manager", "head_office", "regional_manager"):
        response = await api.client.get(path + "/display", headers=review.headers[who])
        assert (200, "image/jpeg") == (response.status_code, response.headers["content-type"])
        with Image.open(io.BytesIO(response.content)) as display:
            assert "JPEG" == display.format
            # Upright: portrait like the phone showed it, not the sensor's landscape pixels.
            assert (expected_ratio[0] < expected_ratio[1]) == (display.width < display.height)
    thumbnail = await api.client.get(path + "/thumbnail", headers=review.headers["reviewer"])
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert 400 == max(small.size)
    assert 404 == (await api.client.get(path + "/original", headers=manager)).status_code

    stranger = await other_outlet_manager(api, review)
    assert 404 == (await api.client.get(path + "/display", headers=stranger)).status_code
    assert 404 == (await upload(api, path, stranger, GPS_PHOTO)).status_code
    for who in ("auditor", "anonymous"):
        response = await api.client.get(path + "/display", headers=review.headers[who])
        assert response.status_code in (401, 403), who
    # Not through the auditors' photo route: the photo belongs to no audit.
    generic = await api.client.get(f"/api/v1/photos/{photo_uuid}/display", headers=manager)
    assert 404 == generic.status_code
    # The reviewer reads disputes but does not add the manager's evidence to them.
    assert 403 == (await upload(api, path, review.headers["reviewer"], GPS_PHOTO)).status_code

    # Once resolved, the photo stays readable but can no longer change.
    await api.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/reject",
        review.headers["reviewer"],
        {"reply": "The photo shows boxes at the exit."},
    )
    assert 409 == (await upload(api, path, manager, GPS_PHOTO)).status_code
    assert 200 == (await api.client.get(path + "/thumbnail", headers=manager)).status_code


async def test_dispute_photo_refusals_are_problem_details_and_change_nothing(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved(audit_answers=answers(exit_clear=False))
    dispute = await review.dispute(released.uuid)
    path = f"/api/v1/disputes/{dispute['id']}/photo"
    manager = review.headers["outlet_manager"]
    for name, status in (("truncated.png", 422), ("empty.jpg", 422), ("bomb.gif", 415)):
        response = await upload(api, path, manager, PHOTOS / name)
        assert status == response.status_code, (name, response.text)
        assert "application/problem+json" == response.headers["content-type"], name
        assert response.json()["detail"], name
    too_big = await api.client.put(path, headers=manager, content=bytes(25 * 1024 * 1024 + 1))
    assert (413, "application/problem+json") == (
        too_big.status_code,
        too_big.headers["content-type"],
    )
    lying = await api.client.put(
        path,
        headers={**manager, "X-Content-SHA256": "0" * 64},
        content=GPS_PHOTO.read_bytes(),
    )
    assert 422 == lying.status_code
    seen = await api.ok("GET", f"/api/v1/disputes/{dispute['id']}", manager)
    assert seen["photo_uuid"] is None
    # Without the optional hash header the photo is accepted; GPS is gone from what is served.
    accepted = await upload(api, path, manager, GPS_PHOTO, declare_hash=False)
    assert 201 == accepted.status_code, accepted.text
    display = await api.client.get(path + "/display", headers=review.headers["reviewer"])
    with Image.open(io.BytesIO(display.content)) as image:
        assert 0x8825 not in image.getexif()  # the GPS IFD


async def test_a_dispute_names_only_its_audits_photos_or_the_managers_own(
    api: Api, review: ReviewWorld
) -> None:
    manager = review.headers["outlet_manager"]
    first = await review.approved(audit_answers=answers(exit_clear=False))
    dispute = await review.dispute(first.uuid)
    stored = await upload(api, f"/api/v1/disputes/{dispute['id']}/photo", manager, GPS_PHOTO)
    own_photo = stored.json()["photo_uuid"]

    second = await review.approved(audit_answers=answers(greeted=False))
    reason = "The greeting is on the photo."
    for photo_uuid, expected in ((str(uuid.uuid4()), 422), (own_photo, 201)):
        response = await api.call(
            "POST",
            "/api/v1/disputes",
            manager,
            {"audit_uuid": second.uuid, "item": "greeted", "reason": reason,
             "photo_uuid": photo_uuid},
        )  # fmt: skip
        assert expected == response.status_code, response.text
    # Another manager may not borrow that photo for their own dispute.
    stranger_audit = await review.approved("other_outlet", audit_answers=answers(greeted=False))
    stranger = await other_outlet_manager(api, review)
    borrowed = await api.call(
        "POST",
        "/api/v1/disputes",
        stranger,
        {"audit_uuid": stranger_audit.uuid, "item": "greeted", "reason": reason,
         "photo_uuid": own_photo},
    )  # fmt: skip
    assert 422 == borrowed.status_code


async def test_corrective_action_evidence_from_an_iphone(api: Api, review: ReviewWorld) -> None:
    released = await review.approved(audit_answers=answers(exit_clear=False))
    page = await api.ok(
        "GET", f"/api/v1/corrective-actions?audit_uuid={released.uuid}", review.headers["admin"]
    )
    [action] = page["items"]
    base = f"/api/v1/corrective-actions/{action['id']}"
    manager = review.headers["outlet_manager"]
    stranger = await other_outlet_manager(api, review)
    assert 404 == (await upload(api, base + "/evidence", stranger, HEIC_PHOTO)).status_code
    assert (
        403
        == (
            await upload(api, base + "/evidence", review.headers["reviewer"], HEIC_PHOTO)
        ).status_code
    )

    stored = await upload(api, base + "/evidence", manager, HEIC_PHOTO)
    assert 201 == stored.status_code, stored.text
    evidence_uuid = stored.json()["evidence_photo_uuid"]
    done = await api.ok("POST", base + "/complete", manager, {"comment": "Exit cleared."})
    assert ("done", evidence_uuid) == (done["status"], done["evidence_photo_uuid"])
    # Done: the evidence is what the verifier judges, it no longer changes.
    assert 409 == (await upload(api, base + "/evidence", manager, GPS_PHOTO)).status_code

    for who in ("reviewer", "head_office", "outlet_manager"):
        response = await api.client.get(base + "/evidence/display", headers=review.headers[who])
        assert 200 == response.status_code, who
        with Image.open(io.BytesIO(response.content)) as display:
            assert ("JPEG", 1600) == (display.format, max(display.size))
    assert 404 == (await api.client.get(base + "/evidence/display", headers=stranger)).status_code
    await api.create_user(
        review.headers["admin"], "b.office@example.test", "head_office",
        client_id=review.ids["client_b"],
    )  # fmt: skip
    b_office = await api.login("b.office@example.test")
    assert 404 == (await api.client.get(base + "/evidence/display", headers=b_office)).status_code


async def test_evidence_from_a_multi_picture_camera_jpeg_and_a_cut_photo(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved(audit_answers=answers(exit_clear=False))
    page = await api.ok(
        "GET", f"/api/v1/corrective-actions?audit_uuid={released.uuid}", review.headers["admin"]
    )
    [action] = page["items"]
    base = f"/api/v1/corrective-actions/{action['id']}"
    manager = review.headers["outlet_manager"]

    async def send(data: bytes) -> Any:
        headers = {**manager, "X-Content-SHA256": hashlib.sha256(data).hexdigest()}
        return await api.client.put(base + "/evidence", headers=headers, content=data)

    heic = HEIC_PHOTO.read_bytes()
    cut = await send(heic[: len(heic) // 2])
    assert (422, "application/problem+json") == (cut.status_code, cut.headers["content-type"])
    assert (await api.ok("GET", base, manager))["evidence_photo_uuid"] is None

    data, first, second = mpo("orientation_6.jpg")
    stored = await send(data)
    assert 201 == stored.status_code, stored.text
    display = await api.client.get(base + "/evidence/display", headers=review.headers["reviewer"])
    with Image.open(io.BytesIO(display.content)) as shown:
        assert ("JPEG", first.size) == (shown.format, shown.size)
        assert 15 > mean_difference(first, shown)
        assert 40 < mean_difference(second, shown)

"""The trust score through the API (docs/contract.md#trust): computed on receipt and on every new
photo, stored with the audit and its revision, shown to admins and reviewers in words, never to
the auditor; the device identifier is volatile and checked."""

# asserts are written as `expected == actual`

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageOps

from server.audits.trust import PENALTIES, render
from server.core.settings import Settings
from shared.i18n import LANGUAGES
from tests.server.analytics.test_dashboard_http import log_in
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, new_uuid, put_audit, put_photo, sql
from tests.server.photos.images import encode, photo

AT_THE_OUTLET = {"lat": 52.23, "lon": 21.01, "accuracy_m": 12.0}
# The visit of `audit_body`: 10:15-10:41:30 in Warsaw (the outlet's zone), 2026-01-06.
DURING_THE_VISIT = "2026:01:06 10:20:00"


async def auditor_visit(
    api: Api,
    world: World,
    name: str,
    template_id: int | None = None,
    outlet: str = "own",
    wave: str = "wave_a",
) -> tuple[dict[str, str], int]:
    """A new auditor's headers and an assignment of theirs at `outlet` (`wave`, in store)."""
    admin = world.headers["admin"]
    auditor_id = await api.create_user(admin, f"{name}@example.test", "auditor")
    body: dict[str, Any] = {
        "wave_id": world.ids[wave],
        "outlet_id": world.ids["outlet_" + outlet],
        "auditor_id": auditor_id,
        "channel": "in_store",
    }
    if template_id is not None:
        body["template_id"] = template_id
    assignment = await api.ok("POST", "/api/v1/assignments", admin, body)
    return await api.login(f"{name}@example.test"), assignment["id"]


async def trust_of(api: Api, world: World, audit_uuid: str) -> dict[str, Any]:
    audit = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", world.headers["reviewer"])
    shown: dict[str, Any] = audit["trust"]
    return shown


def codes(shown: dict[str, Any]) -> list[str]:
    return [entry["code"] for entry in shown["reasons"]]


def camera_jpeg(
    source: str = "iphone11.heic",
    *,
    make: str | None = "Apple",
    model: str | None = "iPhone 11",
    software: str | None = None,
    taken: str | None = DURING_THE_VISIT,
    scale: float = 1.0,
) -> bytes:
    """A fixture photo as a JPEG with the EXIF a phone would keep (or not)."""
    with Image.open(io.BytesIO(photo(source))) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((round(1200 * scale), round(1200 * scale)))
    exif = Image.Exif()
    for tag, value in (
        (ExifTags.Base.Make, make),
        (ExifTags.Base.Model, model),
        (ExifTags.Base.Software, software),
    ):
        if value is not None:
            exif[tag] = value
    if taken is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    return encode(upright, "JPEG", quality=85, exif=exif.tobytes())


async def sent_photo(api: Api, headers: dict[str, str], data: bytes) -> str:
    photo_uuid = new_uuid()
    response = await put_photo(api, headers, photo_uuid, data)
    assert 201 == response.status_code, response.text
    return photo_uuid


async def sent_audit(api: Api, headers: dict[str, str], assignment_id: int, **changes: Any) -> str:
    audit_uuid = new_uuid()
    device_id = changes.pop("device_id", None)
    body = audit_body(assignment_id, location=changes.pop("location", AT_THE_OUTLET), **changes)
    if device_id is not None:
        body["device_id"] = device_id
    response = await put_audit(api, headers, audit_uuid, body)
    assert 201 == response.status_code, response.text
    return audit_uuid


# --- stored and shown -----------------------------------------------------------------------


async def test_an_honest_visit_has_full_trust_stored_with_the_audit_and_its_revision(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = await sent_audit(api, world.headers["auditor"], world.ids["assignment_own"])

    assert {"score": 100, "reasons": []} == await trust_of(api, world, audit_uuid)
    stored = await sql(
        settings,
        "SELECT a.trust, a.trust_reasons, r.trust, r.trust_reasons FROM audit a "
        "JOIN audit_revision r ON r.audit = a.id WHERE a.uuid = ?",
        uuid.UUID(audit_uuid),
    )
    assert [(100, "[]", 100, "[]")] == stored


async def test_the_auditor_reads_their_audit_without_its_trust(api: Api, world: World) -> None:
    audit_uuid = await sent_audit(
        api, world.headers["auditor"], world.ids["assignment_own"], location=None
    )
    own = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", world.headers["auditor"])
    assert own["trust"] is None
    admin_view = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", world.headers["admin"])
    assert ["gps_missing"] == codes(admin_view["trust"])
    for role in ("head_office", "regional_manager", "outlet_manager"):
        response = await api.call("GET", f"/api/v1/audits/{audit_uuid}", world.headers[role])
        assert 403 == response.status_code


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (None, ["gps_missing"]),
        ({"lat": 50.45, "lon": 30.52, "accuracy_m": 20.0}, ["off_site"]),  # Kyiv
        ({"lat": 52.2305, "lon": 21.01, "accuracy_m": 3000.0}, ["gps_imprecise"]),
        (AT_THE_OUTLET, []),
    ],
)
async def test_the_gps_fix_of_a_visit_in_store(
    api: Api, world: World, location: dict[str, float] | None, expected: list[str]
) -> None:
    audit_uuid = await sent_audit(
        api, world.headers["auditor"], world.ids["assignment_own"], location=location
    )
    shown = await trust_of(api, world, audit_uuid)
    assert expected == codes(shown)
    assert 100 - sum(PENALTIES[code] for code in expected) == shown["score"]
    assert all(entry["text"] and "{" not in entry["text"] for entry in shown["reasons"])


async def test_reasons_are_worded_in_the_readers_language(api: Api, world: World) -> None:
    audit_uuid = await sent_audit(
        api, world.headers["auditor"], world.ids["assignment_own"], location=None
    )
    admin = world.headers["admin"]
    reviewer = await api.create_user(
        admin, "polish.reviewer@example.test", "reviewer", client_ids=[world.ids["client_a"]]
    )
    texts = {}
    for language in LANGUAGES:
        await api.ok("PATCH", f"/api/v1/users/{reviewer}", admin, {"language": language})
        reader = await api.login("polish.reviewer@example.test")
        audit = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", reader)
        [shown] = audit["trust"]["reasons"]
        assert render(shown, language) == shown["text"]
        texts[language] = shown["text"]
    assert "Telefon nie przesłał pozycji GPS dla wizyty w sklepie." == texts["pl"]
    assert len(LANGUAGES) == len(set(texts.values())), texts


# --- the phone that sent it -----------------------------------------------------------------


async def test_one_phone_used_by_two_auditors_lowers_the_later_audit(
    api: Api, world: World, settings: Settings
) -> None:
    first_headers, first_assignment = await auditor_visit(api, world, "first")
    second_headers, second_assignment = await auditor_visit(api, world, "second")
    first = await sent_audit(api, first_headers, first_assignment, device_id="phone-7f3a")
    second = await sent_audit(api, second_headers, second_assignment, device_id="phone-7f3a")
    third_headers, third_assignment = await auditor_visit(api, world, "third")
    own_phone = await sent_audit(api, third_headers, third_assignment, device_id="phone-other")

    assert [] == codes(await trust_of(api, world, first))
    assert [{"code": "device_shared", "params": {"auditors": 1}, "penalty": 30}] == [
        {key: entry[key] for key in ("code", "params", "penalty")}
        for entry in (await trust_of(api, world, second))["reasons"]
    ]
    assert [] == codes(await trust_of(api, world, own_phone))
    stored = await sql(
        settings,
        "SELECT a.device_id, r.device_id FROM audit a JOIN audit_revision r ON r.audit = a.id "
        "WHERE a.uuid = ?",
        uuid.UUID(second),
    )
    assert [("phone-7f3a", "phone-7f3a")] == stored


async def test_the_device_id_is_volatile_like_sent_at(api: Api, world: World) -> None:
    audit_uuid = new_uuid()
    body = audit_body(world.ids["assignment_own"], location=AT_THE_OUTLET)
    first = await put_audit(api, world.headers["auditor"], audit_uuid, {**body, "device_id": "a"})
    again = await put_audit(api, world.headers["auditor"], audit_uuid, {**body, "device_id": "b"})
    without = await put_audit(api, world.headers["auditor"], audit_uuid, body)
    assert [201, 200, 200] == [first.status_code, again.status_code, without.status_code]


@pytest.mark.parametrize("device_id", ["", " ", "x" * 129, 42, ["a"], "line\nbreak"])
async def test_a_device_id_that_is_not_short_text_is_refused(
    api: Api, world: World, device_id: object
) -> None:
    body = audit_body(world.ids["assignment_own"], location=AT_THE_OUTLET)
    response = await put_audit(
        api, world.headers["auditor"], new_uuid(), {**body, "device_id": device_id}
    )
    assert 422 == response.status_code
    assert [("device_id", "invalid_device_id")] == [
        (error["item"], error["code"]) for error in response.json()["errors"]
    ]


# --- answers and the checklist's expected length --------------------------------------------


def long_template(expected_minutes: float | None = 60) -> dict[str, Any]:
    items = [
        {"key": f"q{index}", "kind": "yes_no", "points": 1, "text": {"en": f"Question {index}"}}
        for index in range(8)
    ]
    template: dict[str, Any] = {
        "key": "long-visit",
        "version": 1,
        "channel": "in_store",
        "title": {"en": "Long visit"},
        "sections": [{"key": "all", "title": {"en": "All"}, "items": items}],
    }
    if expected_minutes is not None:
        template["expected_minutes"] = expected_minutes
    return template


def long_answers(values: list[bool], comment: str = "") -> list[dict[str, Any]]:
    return [
        {"item": f"q{index}", "value": value, "comment": comment if index == 3 else ""}
        for index, value in enumerate(values)
    ]


async def long_visit(api: Api, world: World, name: str, template_id: int) -> Any:
    headers, assignment_id = await auditor_visit(api, world, name, template_id)

    async def send(values: list[bool], comment: str = "") -> str:
        body = audit_body(assignment_id, location=AT_THE_OUTLET, key="long-visit")
        body["answers"] = long_answers(values, comment)
        audit_uuid = new_uuid()
        response = await put_audit(api, headers, audit_uuid, body)
        assert 201 == response.status_code, response.text
        return audit_uuid

    return send


async def published(api: Api, world: World, template: dict[str, Any]) -> int:
    admin = world.headers["admin"]
    created = await api.ok("POST", "/api/v1/templates", admin, template)
    await api.ok("POST", f"/api/v1/templates/{created['id']}/publish", admin)
    template_id: int = created["id"]
    return template_id


async def test_answers_copied_from_another_audit_and_all_the_same(api: Api, world: World) -> None:
    template_id = await published(api, world, long_template(expected_minutes=None))
    mixed = [True, True, False, True, True, True, False, True]
    comment = "Till 3 was closed; one cashier for a queue of six."
    original = await (await long_visit(api, world, "original", template_id))(mixed, comment)
    copy = await (await long_visit(api, world, "copier", template_id))(mixed, comment)
    uniform = await (await long_visit(api, world, "lazy", template_id))([True] * 8)
    other_comment = await (await long_visit(api, world, "honest", template_id))(mixed, "Clean.")

    assert [] == codes(await trust_of(api, world, original))
    assert ["answers_copied"] == codes(await trust_of(api, world, copy))
    assert ["answers_uniform"] == codes(await trust_of(api, world, uniform))
    assert [] == codes(await trust_of(api, world, other_comment))


async def test_a_visit_shorter_than_half_its_checklists_expected_length(
    api: Api, world: World
) -> None:
    """`audit_body` lasts 26.5 minutes: too short for an hour's checklist, not for 50 minutes."""
    hour = await published(api, world, long_template(expected_minutes=60))
    shown = await trust_of(
        api, world, await (await long_visit(api, world, "quick", hour))([True, False] * 4)
    )
    assert ["too_short"] == codes(shown)
    assert {"minutes": 26.5, "minimum": 30.0, "expected": 60} == shown["reasons"][0]["params"]
    assert "its checklist expects 60" in shown["reasons"][0]["text"]
    template = long_template(expected_minutes=50)
    template["key"] = "shorter-visit"
    fifty = await published(api, world, template)
    headers, assignment_id = await auditor_visit(api, world, "steady", fifty)
    body = audit_body(assignment_id, location=AT_THE_OUTLET, key="shorter-visit")
    body["answers"] = long_answers([True, False] * 4)
    audit_uuid = new_uuid()
    assert 201 == (await put_audit(api, headers, audit_uuid, body)).status_code
    assert [] == codes(await trust_of(api, world, audit_uuid))


# --- photos ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ({}, []),
        ({"make": None, "model": None}, ["photo_no_camera"]),
        ({"software": "Adobe Photoshop 25.0 (Windows)"}, ["photo_edited"]),
        ({"software": "14.4.2"}, []),
        ({"taken": "2026:01:05 18:00:00"}, ["photo_outside_visit"]),
    ],
)
async def test_what_a_photo_says_of_itself(
    api: Api, world: World, image: dict[str, Any], expected: list[str]
) -> None:
    headers = world.headers["auditor"]
    photo_uuid = await sent_photo(api, headers, camera_jpeg(**image))
    audit_uuid = await sent_audit(api, headers, world.ids["assignment_own"], photos=[photo_uuid])
    assert expected == codes(await trust_of(api, world, audit_uuid))


async def test_a_resized_copy_of_another_auditors_photo_lowers_the_later_audit(
    api: Api, world: World
) -> None:
    first_headers, first_assignment = await auditor_visit(api, world, "photographer")
    second_headers, second_assignment = await auditor_visit(api, world, "borrower")
    original = await sent_photo(api, first_headers, camera_jpeg())
    first = await sent_audit(api, first_headers, first_assignment, photos=[original])
    copy = await sent_photo(api, second_headers, camera_jpeg(scale=0.6))
    different = await sent_photo(api, second_headers, camera_jpeg("gps_nikon.jpg"))
    second = await sent_audit(api, second_headers, second_assignment, photos=[copy, different])

    assert [] == codes(await trust_of(api, world, first))
    shown = await trust_of(api, world, second)
    assert ["photo_near_duplicate"] == codes(shown)
    # It names the audit holding the original, and the original, for a reviewer to compare.
    assert {"count": 1, "photos": [copy], "audits": [first],
            "originals": [[first, original]]} == shown["reasons"][0]["params"]  # fmt: skip


async def test_the_reviewer_sees_the_copies_and_opens_the_audits_of_their_originals(
    api: Api, world: World
) -> None:
    first_headers, first_assignment = await auditor_visit(api, world, "photographer")
    original = await sent_photo(api, first_headers, camera_jpeg())
    first = await sent_audit(api, first_headers, first_assignment, photos=[original])
    far_headers, far_assignment = await auditor_visit(
        api, world, "elsewhere", outlet="other_client", wave="wave_b"
    )
    far_original = await sent_photo(api, far_headers, camera_jpeg("gps_nikon.jpg"))
    await sent_audit(api, far_headers, far_assignment, photos=[far_original])
    second_headers, second_assignment = await auditor_visit(api, world, "borrower")
    copies = [
        await sent_photo(api, second_headers, camera_jpeg(scale=0.6)),
        await sent_photo(api, second_headers, camera_jpeg("gps_nikon.jpg", scale=0.6)),
    ]
    second = await sent_audit(api, second_headers, second_assignment, photos=copies)
    # The Nikon photo, smaller than the size it was cut to, is the very same file.
    shown = {
        reason["code"]: reason["params"]
        for reason in (await trust_of(api, world, second))["reasons"]
    }
    assert {"count": 1, "photos": [copies[0]], "audits": [first],
            "originals": [[first, original]]} == shown["photo_near_duplicate"]  # fmt: skip
    assert [copies[1]] == shown["photo_reused"]["photos"]
    (far,) = shown["photo_reused"]["audits"]
    assert [[far, far_original]] == shown["photo_reused"]["originals"]

    # The reviewer of client A: each copy beside the reason, opening the photo's viewer; the
    # audit of the original they may open, linked; the other client's counted, not named.
    await log_in(api, "reviewer@example.test")
    page = (await api.client.get(f"/audits/{second}")).text
    start = page.index('<ul class="reasons">')
    reasons = page[start : page.index("</section>", start)]
    for copy in copies:
        assert f'src="/photos/{copy}/thumbnail"' in reasons
    assert 2 == len(re.findall(r'<a href="#photo-[a-z_]+-\d+"><img', reasons))
    assert f'href="/audits/{first}"' in reasons
    # Beside them the original, which the reviewer may open; not the other client's.
    assert f'src="/photos/{original}/thumbnail"' in reasons
    assert 200 == (await api.client.get(f"/photos/{original}/thumbnail")).status_code
    assert far_original not in reasons
    assert "1 other audit is outside what you may open." in reasons
    assert "Outlet elsewhere" not in reasons
    assert f"/audits/{first}" not in page.replace(reasons, "")


async def test_the_same_file_counts_once_as_reused(api: Api, world: World) -> None:
    first_headers, first_assignment = await auditor_visit(api, world, "sender")
    second_headers, second_assignment = await auditor_visit(api, world, "resender")
    data = camera_jpeg()
    reused = await sent_photo(api, first_headers, data)
    first = await sent_audit(api, first_headers, first_assignment, photos=[reused])
    photo = await sent_photo(api, second_headers, data)
    second = await sent_audit(api, second_headers, second_assignment, photos=[photo])
    shown = await trust_of(api, world, second)
    assert ["photo_reused"] == codes(shown)
    assert {"count": 1, "photos": [photo], "audits": [first], "originals": [[first, reused]]} == (
        shown["reasons"][0]["params"]
    )


async def test_a_photo_arriving_after_its_audit_scores_it_again(
    api: Api, world: World, settings: Settings
) -> None:
    headers = world.headers["auditor"]
    photo_uuid = new_uuid()
    audit_uuid = await sent_audit(
        api, headers, world.ids["assignment_own"], sent_at=None, photos=[photo_uuid]
    )
    assert {"score": 100, "reasons": []} == await trust_of(api, world, audit_uuid)

    plain = camera_jpeg(make=None, model=None, software="GIMP 2.10.36")
    assert 201 == (await put_photo(api, headers, photo_uuid, plain)).status_code

    shown = await trust_of(api, world, audit_uuid)
    assert ["photo_no_camera", "photo_edited"] == codes(shown)
    assert 70 == shown["score"]
    stored = await sql(
        settings,
        "SELECT a.trust, r.trust FROM audit a JOIN audit_revision r ON r.audit = a.id "
        "WHERE a.uuid = ?",
        uuid.UUID(audit_uuid),
    )
    assert [(70, 70)] == stored


async def test_the_photo_row_keeps_the_camera_details_and_the_hash_bands(
    api: Api, world: World, settings: Settings
) -> None:
    photo_uuid = await sent_photo(api, world.headers["auditor"], camera_jpeg(software="17.2"))
    [(read, make, model, software, phash, *bands)] = await sql(
        settings,
        "SELECT metadata_read, camera_make, camera_model, software, phash, phash_b0, phash_b1, "
        "phash_b2, phash_b3 FROM photo WHERE uuid = ?",
        uuid.UUID(photo_uuid),
    )
    assert (True, "Apple", "iPhone 11", "17.2") == (bool(read), make, model, software)
    assert int(phash, 16) == bands[0] << 48 | bands[1] << 32 | bands[2] << 16 | bands[3]


@pytest.mark.parametrize("engine", ["sqlite"])  # the plan of the embedded engine
async def test_the_searches_of_other_audits_use_their_indexes(settings: Settings) -> None:
    from server.audits.evidence import (
        SELECT_BAND_CANDIDATES,
        SELECT_DEVICE_USERS,
        SELECT_SAME_ANSWERS,
    )

    statement = SELECT_BAND_CANDIDATES.format(b0="?, ?", b1="?", b2="?", b3="?")
    plan = await sql(settings, "EXPLAIN QUERY PLAN " + statement, 1, 2, 3, 4, 5)
    details = " ".join(str(row[-1]) for row in plan)
    assert "MULTI-INDEX OR" in details
    for band in range(4):
        assert f"USING INDEX photo_phash_b{band}" in details
    for statement, index in (
        # Other auditors on the phone: counted from the index alone, without reading the
        # phone's audits from the table.
        (SELECT_DEVICE_USERS, "USING COVERING INDEX audit_device_auditor"),
        (SELECT_SAME_ANSWERS, "USING INDEX audit_answers_sha256"),
    ):
        plan = await sql(settings, "EXPLAIN QUERY PLAN " + statement, "x", 1)
        assert index in " ".join(str(row[-1]) for row in plan)

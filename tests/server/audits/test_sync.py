"""GET /api/v1/sync: the auditor's assignments, templates and outlets, and the cursor."""

from __future__ import annotations

from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, new_uuid, put_audit, put_photo, set_status, sql


async def test_first_sync_sends_own_assignments_with_their_outlets_and_templates(
    api: Api, world: World
) -> None:
    payload = await api.ok("GET", "/api/v1/sync", world.headers["auditor"])

    assert [world.ids["assignment_own"]] == [a["id"] for a in payload["assignments"]]
    assignment = payload["assignments"][0]
    assert world.ids["outlet_own"] == assignment["outlet_id"]
    assert {"key": "store-visit", "version": 1} == assignment["template"]
    assert "assigned" == assignment["status"]
    assert [] == assignment["return_notes"]
    assert [world.ids["outlet_own"]] == [outlet["id"] for outlet in payload["outlets"]]
    assert [("store-visit", 1)] == [(t["key"], t["version"]) for t in payload["templates"]]
    assert [] == payload["removed_assignment_ids"]


async def test_cursor_sends_only_what_changed(api: Api, world: World, settings: Settings) -> None:
    headers = world.headers["auditor"]
    first = await api.ok("GET", "/api/v1/sync", headers)

    unchanged = await api.ok("GET", f"/api/v1/sync?since={first['cursor']}", headers)
    audit_uuid = new_uuid()
    await put_audit(api, headers, audit_uuid, audit_body(world.ids["assignment_own"]))
    after_submit = await api.ok("GET", f"/api/v1/sync?since={unchanged['cursor']}", headers)
    await set_status(settings, audit_uuid, "returned")
    after_return = await api.ok("GET", f"/api/v1/sync?since={after_submit['cursor']}", headers)
    quiet = await api.ok("GET", f"/api/v1/sync?since={after_return['cursor']}", headers)

    assert [] == unchanged["assignments"]
    assert first["cursor"] == unchanged["cursor"]
    assert ["submitted"] == [a["status"] for a in after_submit["assignments"]]
    assert ["returned"] == [a["status"] for a in after_return["assignments"]]
    assert [] == quiet["assignments"]


async def test_cancelled_assignment_is_listed_as_removed(api: Api, world: World) -> None:
    headers = world.headers["auditor"]
    first = await api.ok("GET", "/api/v1/sync", headers)
    assignment = world.ids["assignment_own"]
    await api.ok("DELETE", f"/api/v1/assignments/{assignment}", world.headers["admin"])

    after = await api.ok("GET", f"/api/v1/sync?since={first['cursor']}", headers)

    assert [assignment] == after["removed_assignment_ids"]
    assert [] == after["assignments"]


async def test_only_auditors_sync_and_bad_cursors_are_refused(api: Api, world: World) -> None:
    reviewer = await api.call("GET", "/api/v1/sync", world.headers["reviewer"])
    bad = await api.call("GET", "/api/v1/sync?since=nonsense", world.headers["auditor"])

    assert 403 == reviewer.status_code
    assert 400 == bad.status_code


async def test_a_returned_audit_travels_with_its_latest_revision(api: Api, world: World) -> None:
    """Any phone of the auditor can open a returned audit filled in and send the correction
    under the same uuid (docs/contract.md#sync-pull): uuid, revision, visit, answers, photos."""
    headers = world.headers["auditor"]
    first = await api.ok("GET", "/api/v1/sync", headers)
    photo_uuid = new_uuid()
    data = (PHOTOS / "orientation_6.jpg").read_bytes()
    assert 201 == (await put_photo(api, headers, photo_uuid, data)).status_code
    missing = new_uuid()  # named by the audit, never sent
    audit_uuid = new_uuid()
    location = {"lat": 52.23, "lon": 21.01, "accuracy_m": 8, "at": "2026-01-06T10:15:04+01:00"}
    body = audit_body(world.ids["assignment_own"], photos=[photo_uuid, missing], location=location)
    assert 201 == (await put_audit(api, headers, audit_uuid, body)).status_code
    await api.ok(
        "POST",
        f"/api/v1/review/audits/{audit_uuid}/return",
        world.headers["reviewer"],
        {"notes": [{"item": "wait", "note": "Which tills were closed?"}, {"note": "Photo?"}]},
    )

    after_return = await api.ok("GET", f"/api/v1/sync?since={first['cursor']}", headers)

    (assignment,) = after_return["assignments"]
    assert "returned" == assignment["status"]
    assert [
        {"item": "wait", "note": "Which tills were closed?"},
        {"item": None, "note": "Photo?"},
    ] == assignment["return_notes"]
    returned = assignment["returned_audit"]
    assert audit_uuid == returned["uuid"]
    assert 1 == returned["revision"]
    assert "2026-01-06T09:15:00Z" == returned["started_at"].replace("+00:00", "Z")
    assert {"lat": 52.23, "lon": 21.01, "accuracy_m": 8.0} == {
        key: returned["location"][key] for key in ("lat", "lon", "accuracy_m")
    }
    assert body["answers"] == returned["answers"]
    by_uuid = {photo["uuid"]: photo for photo in returned["photos"]}
    assert {photo_uuid, missing} == set(by_uuid)
    assert by_uuid[missing]["thumbnail_url"] is None
    received = by_uuid[photo_uuid]
    assert (True, "wait") == (received["received"], received["item"])
    # the auditor reads their own photo's images through the links sync gives
    for link in (received["thumbnail_url"], received["display_url"]):
        image = await api.call("GET", link, headers)
        assert (200, "image/jpeg") == (image.status_code, image.headers["content-type"])

    # the correction, sent under the same uuid, is the next revision
    corrected = audit_body(
        world.ids["assignment_own"], photos=[photo_uuid, missing], location=location
    )
    corrected["answers"][1]["comment"] = "Tills 2 and 3 were closed."
    receipt = await put_audit(api, headers, audit_uuid, corrected)
    assert 200 == receipt.status_code
    assert (2, "submitted") == (receipt.json()["revision"], receipt.json()["status"])
    after_correction = await api.ok("GET", f"/api/v1/sync?since={after_return['cursor']}", headers)
    (assignment,) = after_correction["assignments"]
    assert ("submitted", None, []) == (
        assignment["status"],
        assignment["returned_audit"],
        assignment["return_notes"],
    )


async def test_assignments_without_a_returned_audit_carry_none(api: Api, world: World) -> None:
    headers = world.headers["auditor"]
    await put_audit(api, headers, new_uuid(), audit_body(world.ids["assignment_own"]))
    payload = await api.ok("GET", "/api/v1/sync", headers)
    assert [None] == [a["returned_audit"] for a in payload["assignments"]]


async def test_a_client_may_hide_the_live_score_from_its_shoppers(
    api: Api, world: World, settings: Settings
) -> None:
    """`client_visit_rules.live_score` reaches the phone with each assignment (default true)."""
    headers = world.headers["auditor"]
    before = await api.ok("GET", "/api/v1/sync", headers)
    await sql(
        settings,
        "INSERT INTO client_visit_rules (client, max_distance_m, live_score) VALUES (?, ?, ?)",
        world.ids["client_a"],
        300.0,
        False,
    )
    after = await api.ok("GET", "/api/v1/sync", headers)

    assert [True] == [assignment["live_score"] for assignment in before["assignments"]]
    assert [False] == [assignment["live_score"] for assignment in after["assignments"]]

"""GET /api/v1/sync: the auditor's assignments, templates and outlets, and the cursor."""

from __future__ import annotations

from server.core.settings import Settings
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, new_uuid, put_audit, set_status


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

"""Templates: validated by `shared`, versioned, published versions immutable."""

# asserts are written as `expected == actual`

from __future__ import annotations

from tests.server.api import Api, sample_template


async def test_invalid_template_is_a_422_naming_the_path(api: Api) -> None:
    admin = await api.admin()
    body = sample_template()
    body["sections"][0]["items"][0]["kind"] = "telepathy"
    response = await api.client.post("/api/v1/templates", headers=admin, json=body)
    assert 422 == response.status_code
    error = response.json()["errors"][0]
    assert "sections[0].items[0]" in (error["item"] or "")


async def test_published_version_is_immutable_and_edits_make_a_new_version(api: Api) -> None:
    admin = await api.admin()
    first = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    assert (1, "draft") == (first["version"], first["status"])
    await api.ok("POST", f"/api/v1/templates/{first['id']}/publish", admin)
    changed = sample_template()
    changed["pass_mark"] = 70
    refused = await api.client.put(f"/api/v1/templates/{first['id']}", headers=admin, json=changed)
    assert 409 == refused.status_code
    second = await api.ok("POST", "/api/v1/templates", admin, changed)
    assert 2 == second["version"]
    # A second draft of the same key waits until the first is published.
    assert (
        409 == (await api.client.post("/api/v1/templates", headers=admin, json=changed)).status_code
    )
    exported = await api.ok("GET", f"/api/v1/templates/{first['id']}/export", admin)
    assert 80 == exported["pass_mark"]
    assert 1 == exported["version"]


async def test_draft_can_be_replaced_until_published(api: Api) -> None:
    admin = await api.admin()
    draft = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    changed = sample_template()
    changed["title"]["en"] = "Store visit (2026)"
    replaced = await api.ok("PUT", f"/api/v1/templates/{draft['id']}", admin, changed)
    assert "Store visit (2026)" == replaced["title"]
    assert 1 == replaced["version"]


async def test_assignments_keep_pointing_at_their_version(api: Api) -> None:
    admin = await api.admin()
    first = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    await api.ok("POST", f"/api/v1/templates/{first['id']}/publish", admin)
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "C"})
    outlet = await api.ok(
        "POST", "/api/v1/outlets", admin, {"client_id": client["id"], "code": "O", "name": "O"}
    )
    wave = await api.ok(
        "POST",
        "/api/v1/waves",
        admin,
        {"client_id": client["id"], "name": "W", "starts_on": "2026-01-01",
         "ends_on": "2026-01-31", "templates": {"in_store": first["id"]}},
    )  # fmt: skip
    auditor = await api.create_user(admin, "a@example.test", "auditor")
    assignment = await api.ok(
        "POST",
        "/api/v1/assignments",
        admin,
        {"wave_id": wave["id"], "outlet_id": outlet["id"], "auditor_id": auditor,
         "channel": "in_store"},
    )  # fmt: skip
    second = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    await api.ok("POST", f"/api/v1/templates/{second['id']}/publish", admin)
    await api.ok("POST", f"/api/v1/templates/{first['id']}/archive", admin)
    again = await api.ok("GET", f"/api/v1/assignments/{assignment['id']}", admin)
    assert {"id": first["id"], "key": "store-visit", "version": 1} == again["template"]

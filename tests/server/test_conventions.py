"""API conventions: problem details for every error, cursor pagination, the audit log."""

# asserts are written as `expected == actual`

from __future__ import annotations

from tests.server.api import Api


async def test_malformed_body_is_a_400_problem_listing_fields(api: Api) -> None:
    admin = await api.admin()
    response = await api.client.post("/api/v1/clients", headers=admin, json={"nom": "x"})
    assert 400 == response.status_code
    assert "application/problem+json" == response.headers["content-type"]
    assert response.json()["errors"]


async def test_unknown_route_and_record_are_404_problems(api: Api) -> None:
    admin = await api.admin()
    for path in ("/api/v1/nowhere", "/api/v1/outlets/999999"):
        response = await api.client.get(path, headers=admin)
        assert 404 == response.status_code
        assert "application/problem+json" == response.headers["content-type"]


async def test_invalid_fields_are_all_reported_at_once(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "C"})
    response = await api.client.post(
        "/api/v1/outlets",
        headers=admin,
        json={"client_id": client["id"], "code": "", "name": "N", "lat": 99, "lon": 10,
              "timezone": "Mars/Olympus", "channels": ["fax"]},
    )  # fmt: skip
    assert 422 == response.status_code
    items = {error["item"] for error in response.json()["errors"]}
    assert {"code", "lat", "timezone", "channels"} == items


async def test_duplicate_outlet_code_is_a_conflict(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "C"})
    body = {"client_id": client["id"], "code": "W-1", "name": "N"}
    await api.ok("POST", "/api/v1/outlets", admin, body)
    assert 409 == (await api.client.post("/api/v1/outlets", headers=admin, json=body)).status_code


async def test_cursor_pagination_walks_every_record_once(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "C"})
    for number in range(5):
        await api.ok(
            "POST",
            "/api/v1/outlets",
            admin,
            {"client_id": client["id"], "code": f"O{number}", "name": f"O{number}"},
        )
    seen: list[str] = []
    cursor = ""
    while True:
        page = await api.ok("GET", f"/api/v1/outlets?limit=2&cursor={cursor}", admin)
        seen += [outlet["code"] for outlet in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert ["O0", "O1", "O2", "O3", "O4"] == seen
    bad = await api.client.get("/api/v1/outlets?cursor=garbage!", headers=admin)
    assert 400 == bad.status_code


async def test_changes_are_in_the_audit_log_with_before_and_after(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "C"})
    outlet = await api.ok(
        "POST", "/api/v1/outlets", admin, {"client_id": client["id"], "code": "A", "name": "Old"}
    )
    await api.ok("PATCH", f"/api/v1/outlets/{outlet['id']}", admin, {"name": "New"})
    log = await api.ok("GET", f"/api/v1/audit-log?entity=outlet&entity_id={outlet['id']}", admin)
    actions = [(entry["action"], entry["actor_id"]) for entry in log["items"]]
    me = await api.ok("GET", "/api/v1/me", admin)
    assert [("update", me["id"]), ("create", me["id"])] == actions
    update = log["items"][0]
    assert ("Old", "New") == (update["before"]["name"], update["after"]["name"])


async def test_request_logs_hold_no_bodies_or_headers(api: Api, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    with caplog.at_level(logging.INFO, logger="shopscore.access"):
        await api.client.post(
            "/api/v1/auth/login",
            json={"email": "someone@example.test", "password": "secret-password-123"},
            headers={"Authorization": "Bearer very-secret-token"},
        )
    text = " ".join(
        f"{record.getMessage()} {getattr(record, 'fields', '')}" for record in caplog.records
    )
    assert "/api/v1/auth/login" in text
    assert "secret-password-123" not in text
    assert "very-secret-token" not in text


async def test_concurrent_writers_all_succeed(api: Api) -> None:
    import asyncio

    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "C"})
    responses = await asyncio.gather(
        *[
            api.client.post(
                "/api/v1/outlets",
                headers=admin,
                json={"client_id": client["id"], "code": f"P{n}", "name": f"P{n}"},
            )
            for n in range(12)
        ]
    )
    assert [201] * 12 == [response.status_code for response in responses]

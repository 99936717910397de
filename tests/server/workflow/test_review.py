"""Review: the queue, approve (release, rollup, assignment status, log) and return with notes."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, answers, sql, stored_uuid


async def test_queue_lists_submitted_audits_of_the_reviewers_clients_oldest_first(
    api: Api, review: ReviewWorld
) -> None:
    world = review
    first = await world.submit("own")
    second = await world.submit("other_region")
    other_client = await world.submit("other_client")
    released = await world.approved("own")

    page = await api.ok("GET", "/api/v1/review/queue?limit=1", world.headers["reviewer"])
    assert [first.uuid] == [entry["uuid"] for entry in page["items"]]
    entry = page["items"][0]
    assert world.ids["outlet_own"] == entry["outlet"]["id"]
    assert first.auditor_id == entry["auditor"]["id"]
    assert "100.0" == entry["percent"]
    assert isinstance(entry["flags"], list)
    rest = await api.ok(
        "GET", f"/api/v1/review/queue?cursor={page['next_cursor']}", world.headers["reviewer"]
    )
    assert [second.uuid] == [entry["uuid"] for entry in rest["items"]]
    assert rest["next_cursor"] is None

    everything = await api.ok("GET", "/api/v1/review/queue", world.headers["admin"])
    listed = [entry["uuid"] for entry in everything["items"]]
    assert [first.uuid, second.uuid, other_client.uuid] == listed
    assert released.uuid not in listed


async def test_queue_is_for_agency_reviewers_only(api: Api, review: ReviewWorld) -> None:
    world = review
    for role in ("auditor", "head_office", "regional_manager", "outlet_manager"):
        response = await api.call("GET", "/api/v1/review/queue", world.headers[role])
        assert 403 == response.status_code, role
    assert 401 == (await api.call("GET", "/api/v1/review/queue", {})).status_code


async def test_approve_releases_and_writes_the_rollup_in_the_same_step(
    api: Api, review: ReviewWorld
) -> None:
    world = review
    submitted = await world.submit("own", audit_answers=answers(greeted=False, wait=180))

    outcome = await api.ok(
        "POST",
        f"/api/v1/review/audits/{submitted.uuid}/approve",
        world.headers["reviewer"],
        {"note": "Looks right."},
    )
    assert "approved" == outcome["status"]
    assert outcome["released_at"] is not None

    audit = await api.ok("GET", f"/api/v1/audits/{submitted.uuid}", world.headers["reviewer"])
    assert "approved" == audit["status"]
    assignment = await api.ok(
        "GET", f"/api/v1/assignments/{submitted.assignment_id}", world.headers["admin"]
    )
    assert "approved" == assignment["status"]

    url = str(review.api.context.settings.database_url)
    rollup = await sql(
        url,
        "SELECT id, CAST(percent AS TEXT) AS percent, total, section_ratios, outlet, region, "
        "client, wave, template_key, template_version, channel, critical_failure "
        "FROM score_rollup WHERE audit_uuid = ?",
        stored_uuid(url, submitted.uuid),
    )
    assert 1 == len(rollup)
    row = rollup[0]
    # welcome: greeted 0/10, wait (300-180)/(300-60)*10 = 5 -> 5/20; safety 10/10.
    # total = 100 * (50 * 1/4 + 50 * 1) / 100 = 62.5
    assert Decimal("62.5") == Decimal(row["percent"])
    assert "125/2" == row["total"]
    assert {"safety": "1", "welcome": "1/4"} == json.loads(row["section_ratios"])
    assert world.ids["outlet_own"] == row["outlet"]
    assert world.ids["region_north"] == row["region"]
    assert world.ids["client_a"] == row["client"]
    assert world.ids["wave_a"] == row["wave"]
    assert ("critical-visit", 1, "phone") == (
        row["template_key"],
        row["template_version"],
        row["channel"],
    )
    assert not row["critical_failure"]
    items = await sql(
        url,
        "SELECT item, earned, possible, failed, critical FROM score_rollup_item WHERE rollup = ?",
        row["id"],
    )
    by_item = {item["item"]: item for item in items}
    assert {"greeted", "wait", "exit_clear"} == set(by_item)
    assert [True, True, False] == [
        bool(by_item[key]["failed"]) for key in ("greeted", "wait", "exit_clear")
    ]
    assert 5.0 == by_item["wait"]["earned"]
    assert bool(by_item["exit_clear"]["critical"])

    history = await api.ok(
        "GET", f"/api/v1/review/audits/{submitted.uuid}/history", world.headers["reviewer"]
    )
    approve = [entry for entry in history["items"] if entry["action"] == "approve"]
    assert 1 == len(approve)
    assert ("submitted", "approved") == (approve[0]["from_status"], approve[0]["to_status"])
    assert world.ids["user_reviewer"] == approve[0]["actor_id"]
    assert "Looks right." == approve[0]["reason"]


async def test_return_sends_notes_per_item_to_the_auditors_sync(
    api: Api, review: ReviewWorld
) -> None:
    world = review
    submitted = await world.submit("own")
    notes = [
        {"item": "wait", "note": "Did you time it from the queue?"},
        {"item": None, "note": "Please add a photo of the exit."},
    ]
    outcome = await api.ok(
        "POST",
        f"/api/v1/review/audits/{submitted.uuid}/return",
        world.headers["reviewer"],
        {"notes": notes},
    )
    assert "returned" == outcome["status"]

    sync = await api.ok("GET", "/api/v1/sync", submitted.auditor_headers)
    [assignment] = [a for a in sync["assignments"] if a["id"] == submitted.assignment_id]
    assert "returned" == assignment["status"]
    assert notes == assignment["return_notes"]

    queue = await api.ok("GET", "/api/v1/review/queue", world.headers["reviewer"])
    assert submitted.uuid not in [entry["uuid"] for entry in queue["items"]]


async def test_return_refuses_notes_on_unknown_items_and_empty_notes(
    api: Api, review: ReviewWorld
) -> None:
    world = review
    submitted = await world.submit("own")
    path = f"/api/v1/review/audits/{submitted.uuid}/return"
    response = await api.call(
        "POST", path, world.headers["reviewer"], {"notes": [{"item": "nope", "note": "x"}]}
    )
    assert 422 == response.status_code
    assert ["nope"] == [error["item"] for error in response.json()["errors"]]
    response = await api.call("POST", path, world.headers["reviewer"], {"notes": []})
    assert 422 == response.status_code
    audit = await api.ok("GET", f"/api/v1/audits/{submitted.uuid}", world.headers["reviewer"])
    assert "submitted" == audit["status"]


async def test_reviewer_of_another_client_gets_404(api: Api, review: ReviewWorld) -> None:
    world = review
    submitted = await world.submit("other_client")
    for action, body in (("approve", {}), ("return", {"notes": [{"note": "x"}]})):
        response = await api.call(
            "POST",
            f"/api/v1/review/audits/{submitted.uuid}/{action}",
            world.headers["reviewer"],
            body,
        )
        assert 404 == response.status_code, action
    history = await api.call(
        "GET", f"/api/v1/review/audits/{submitted.uuid}/history", world.headers["reviewer"]
    )
    assert 404 == history.status_code

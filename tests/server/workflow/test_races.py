"""Concurrent workflow steps: exactly one wins, the other gets 409, nothing is done twice."""

from __future__ import annotations

import asyncio

from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, answers, sql, stored_uuid


async def test_two_reviewers_approving_at_once_release_once(api: Api, review: ReviewWorld) -> None:
    submitted = await review.submit(audit_answers=answers(exit_clear=False))
    path = f"/api/v1/review/audits/{submitted.uuid}/approve"
    first, second = await asyncio.gather(
        api.call("POST", path, review.headers["reviewer"], {}),
        api.call("POST", path, review.headers["admin"], {}),
    )
    assert [200, 409] == sorted([first.status_code, second.status_code])
    url = str(review.api.context.settings.database_url)
    audit = stored_uuid(url, submitted.uuid)
    rollups = await sql(url, "SELECT id FROM score_rollup WHERE audit_uuid = ?", audit)
    actions = await sql(url, "SELECT id FROM corrective_action WHERE audit_uuid = ?", audit)
    log = await sql(
        url,
        "SELECT id FROM audit_log WHERE entity = ? AND entity_id = ? AND action = ?",
        "audit", submitted.uuid, "approve",
    )  # fmt: skip
    assert (1, 1, 1) == (len(rollups), len(actions), len(log))


async def test_the_same_item_disputed_twice_at_once_opens_one_dispute(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved()
    body = {"audit_uuid": released.uuid, "item": "wait", "reason": "The queue was short."}
    first, second = await asyncio.gather(
        api.call("POST", "/api/v1/disputes", review.headers["outlet_manager"], body),
        api.call("POST", "/api/v1/disputes", review.headers["admin"], body),
    )
    assert [201, 409] == sorted([first.status_code, second.status_code])
    page = await api.ok(
        "GET", f"/api/v1/disputes?audit_uuid={released.uuid}", review.headers["admin"]
    )
    assert 1 == len(page["items"])

"""An upheld dispute that removes a critical failure cancels the automatic corrective action,
in the transaction that rewrites the rollup; verified actions stay verified, and a later
correction that brings the failure back reopens the action."""

from __future__ import annotations

from typing import Any

from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, answers, sql, stored_uuid


async def uphold(review: ReviewWorld, audit_uuid: str, item: str, value: Any) -> None:
    dispute = await review.dispute(audit_uuid, item)
    await review.api.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/uphold",
        review.headers["reviewer"],
        {"reply": "Corrected after checking the recording.", "answer": {"value": value}},
    )


async def rollup_of(review: ReviewWorld, audit_uuid: str) -> tuple[str, bool]:
    url = str(review.api.context.settings.database_url)
    [row] = await sql(
        url,
        "SELECT CAST(percent AS TEXT) AS percent, critical_failure FROM score_rollup "
        "WHERE audit_uuid = ?",
        stored_uuid(url, audit_uuid),
    )
    return f"{float(row['percent']):.1f}", bool(row["critical_failure"])


async def test_a_corrected_critical_failure_cancels_its_open_automatic_action(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved(audit_answers=answers(greeted=False, exit_clear=False))
    manager = review.headers["outlet_manager"]
    page = await api.ok("GET", f"/api/v1/corrective-actions?audit_uuid={released.uuid}", manager)
    [action] = page["items"]
    path = f"/api/v1/corrective-actions/{action['id']}"

    # Correcting another item leaves the critical failure, and its action, as they were.
    await uphold(review, released.uuid, "greeted", True)
    assert "open" == (await api.ok("GET", path, manager))["status"]
    assert ("0.0", True) == await rollup_of(review, released.uuid)

    await uphold(review, released.uuid, "exit_clear", True)
    assert "cancelled" == (await api.ok("GET", path, manager))["status"]
    assert ("100.0", False) == await rollup_of(review, released.uuid)
    refused = await api.call("POST", path + "/complete", manager, {"comment": "Done anyway."})
    assert 409 == refused.status_code
    log = await api.ok(
        "GET", f"/api/v1/audit-log?entity=corrective_action&entity_id={action['id']}",
        review.headers["admin"],
    )  # fmt: skip
    cancel = log["items"][0]
    assert (
        "cancel",
        review.ids["user_reviewer"],
        {"status": "open"},
        {"status": "cancelled"},
    ) == (cancel["action"], cancel["actor_id"], cancel["before"], cancel["after"])
    assert "dispute" in cancel["reason"]

    # A later correction that makes the exit a critical failure again reopens the same action.
    await uphold(review, released.uuid, "exit_clear", False)
    page = await api.ok("GET", f"/api/v1/corrective-actions?audit_uuid={released.uuid}", manager)
    assert [(action["id"], "open")] == [(item["id"], item["status"]) for item in page["items"]]
    assert ("0.0", True) == await rollup_of(review, released.uuid)

    # A verified action stays verified (the fix was made and checked); a rejected dispute
    # leaves the action open.
    verified = await review.approved(audit_answers=answers(exit_clear=False))
    [action] = (
        await api.ok("GET", f"/api/v1/corrective-actions?audit_uuid={verified.uuid}", manager)
    )["items"]
    path = f"/api/v1/corrective-actions/{action['id']}"
    await api.ok("POST", path + "/complete", manager, {"comment": "Exit cleared."})
    await api.ok("POST", path + "/verify", review.headers["head_office"], {})
    await uphold(review, verified.uuid, "exit_clear", True)
    assert "verified" == (await api.ok("GET", path, manager))["status"]

    rejected = await review.approved(audit_answers=answers(exit_clear=False))
    dispute = await review.dispute(rejected.uuid)
    await api.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/reject",
        review.headers["reviewer"],
        {"reply": "The photo shows boxes at the exit."},
    )
    page = await api.ok("GET", f"/api/v1/corrective-actions?audit_uuid={rejected.uuid}", manager)
    assert ["open"] == [item["status"] for item in page["items"]]

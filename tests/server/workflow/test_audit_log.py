"""Every state change of an audit, its disputes and corrective actions is in the audit log with
who, when, from, to and why, and an audit's history is read by admins and its reviewers only.

One audit goes through every transition the workflow has; its history (the reviewers' view of
the log) must list each one exactly, in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, answers, audit_body


async def test_every_state_change_is_logged_with_who_when_from_to_and_why(
    api: Api, review: ReviewWorld
) -> None:
    headers, ids = review.headers, review.ids
    reviewer, manager = headers["reviewer"], headers["outlet_manager"]
    start = dt.datetime.now(dt.UTC)
    submitted = await review.submit(audit_answers=answers(greeted=False, exit_clear=False))
    audit = f"/api/v1/review/audits/{submitted.uuid}"
    note = {"item": "wait", "note": "Start the timer at the queue."}
    await api.ok("POST", audit + "/return", reviewer, {"notes": [note]})
    resent = await api.client.put(
        f"/api/v1/audits/{submitted.uuid}",
        headers=submitted.auditor_headers,
        json=audit_body(submitted.assignment_id, answers(greeted=False, exit_clear=False, wait=90)),
    )
    assert resent.status_code in (200, 201), resent.text
    released = await api.ok("POST", audit + "/approve", reviewer, {"note": "Clear enough."})
    [automatic] = released["corrective_action_ids"]

    first = await review.dispute(submitted.uuid, "exit_clear")
    await api.ok("POST", f"/api/v1/disputes/{first['id']}/uphold", reviewer,
                 {"reply": "CCTV shows it clear.", "answer": {"value": True}})  # fmt: skip
    second = await review.dispute(submitted.uuid, "greeted")
    await api.ok("POST", f"/api/v1/disputes/{second['id']}/reject", reviewer,
                 {"reply": "No greeting on the recording."})  # fmt: skip

    manual = await api.ok("POST", "/api/v1/corrective-actions", manager,
                          {"audit_uuid": submitted.uuid, "item": "greeted",
                           "description": "Greet every customer."})  # fmt: skip
    action = f"/api/v1/corrective-actions/{manual['id']}"
    await api.ok("POST", action + "/complete", manager, {"comment": "Team briefed."})
    await api.ok("POST", action + "/reopen", headers["head_office"], {"comment": "Show it."})
    await api.ok("POST", action + "/complete", manager, {"comment": "Briefing sheet signed."})
    await api.ok("POST", action + "/verify", reviewer, {"comment": "Seen on the next visit."})

    history = (await api.ok("GET", audit + "/history", reviewer))["items"]
    auditor, reviewer_id = submitted.auditor_id, ids["user_reviewer"]
    manager_id, office_id = ids["user_outlet_manager"], ids["user_head_office"]
    raised = "The exit was clear; see CCTV."  # the reason `review.dispute` gives
    expected: list[tuple[Any, ...]] = [
        ("audit", "submit", auditor, None, "submitted", ""),
        ("audit", "return", reviewer_id, "submitted", "returned",
         "wait: Start the timer at the queue."),
        ("audit", "submit", auditor, "returned", "submitted", ""),
        ("audit", "approve", reviewer_id, "submitted", "approved", "Clear enough."),
        ("corrective_action", "create", None, None, "open", "critical failure on release"),
        ("dispute", "raise", manager_id, None, "open", raised),
        ("audit", "dispute", manager_id, "approved", "disputed", raised),
        ("dispute", "uphold", reviewer_id, "open", "upheld", "CCTV shows it clear."),
        ("corrective_action", "cancel", reviewer_id, "open", "cancelled",
         f"critical failure corrected by dispute {first['id']}"),
        ("audit", "uphold", reviewer_id, "disputed", "approved", "CCTV shows it clear."),
        ("dispute", "raise", manager_id, None, "open", raised),
        ("audit", "dispute", manager_id, "approved", "disputed", raised),
        ("dispute", "reject", reviewer_id, "open", "rejected", "No greeting on the recording."),
        ("audit", "reject", reviewer_id, "disputed", "approved", "No greeting on the recording."),
        ("corrective_action", "create", manager_id, None, "open", "Greet every customer."),
        ("corrective_action", "complete", manager_id, "open", "done", "Team briefed."),
        ("corrective_action", "reopen", office_id, "done", "open", "Show it."),
        ("corrective_action", "complete", manager_id, "open", "done", "Briefing sheet signed."),
        ("corrective_action", "verify", reviewer_id, "done", "verified",
         "Seen on the next visit."),
    ]  # fmt: skip
    assert expected == [
        (e["entity"], e["action"], e["actor_id"], e["from_status"], e["to_status"], e["reason"])
        for e in history
    ]
    entity_ids = {(e["entity"], e["action"]): e["entity_id"] for e in history}
    assert str(automatic) == entity_ids[("corrective_action", "cancel")]
    assert str(second["id"]) == entity_ids[("dispute", "reject")]
    moments = [dt.datetime.fromisoformat(e["at"]) for e in history]
    assert moments == sorted(moments)
    assert start - dt.timedelta(seconds=1) <= moments[0]
    assert moments[-1] <= dt.datetime.now(dt.UTC)
    # The reviewer reads names too; the system's own steps name nobody.
    names = {e["actor_id"]: e["actor_name"] for e in history}
    assert None is names[None]
    assert names[reviewer_id]

    for role in ("auditor", "head_office", "regional_manager", "outlet_manager"):
        refused = await api.call("GET", audit + "/history", headers[role])
        assert 403 == refused.status_code, role
    log = await api.call("GET", "/api/v1/audit-log", reviewer)
    assert 403 == log.status_code

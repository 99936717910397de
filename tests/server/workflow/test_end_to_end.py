"""One audit's whole life in plain HTTP calls, on SQLite and PostgreSQL.

The auditor PUTs the audit before its real phone photo (missing_photos), then the photo, then
replays; the reviewer returns it with a note, the auditor reads the note through sync and sends
revision 2; the reviewer releases it (rollup, automatic corrective action for the critical
failure); the outlet manager reads it (no auditor anywhere), sees the photo, disputes an item;
the reviewer upholds (score changes, the automatic corrective action is cancelled); the manager
asks for a fix of the failed greeting, attaches a phone photo as evidence and completes it, head
office verifies it; the reviewer reads the whole history.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from tests.fixtures import PHOTOS
from tests.server.api import Api
from tests.server.workflow.helpers import SENTINEL_NAME, ReviewWorld, answers, audit_body, upload

PHOTO = PHOTOS / "gps_nikon.jpg"
EVIDENCE = PHOTOS / "orientation_6.jpg"


async def test_audit_from_put_to_corrective_action(api: Api, review: ReviewWorld) -> None:
    key = "pool_own_0"
    auditor = review.headers[key]
    assignment_id = review.ids[key + "_assignment"]
    reviewer = review.headers["reviewer"]
    manager = review.headers["outlet_manager"]
    audit_uuid = str(uuid.uuid4())
    photo_uuid = str(uuid.uuid4())

    # 1. The audit arrives before its photo; the photo; the replay is complete.
    first_answers: list[dict[str, Any]] = answers(
        greeted=False, wait=180, exit_clear=False, photos=[photo_uuid]
    )
    body = audit_body(assignment_id, first_answers)
    response = await api.client.put(f"/api/v1/audits/{audit_uuid}", headers=auditor, json=body)
    assert 201 == response.status_code, response.text
    assert [photo_uuid] == response.json()["missing_photos"]
    data = PHOTO.read_bytes()
    response = await api.client.put(
        f"/api/v1/photos/{photo_uuid}",
        headers={
            **auditor,
            "Content-Type": "image/jpeg",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        },
        content=data,
    )
    assert 201 == response.status_code, response.text
    response = await api.client.put(f"/api/v1/audits/{audit_uuid}", headers=auditor, json=body)
    assert 200 == response.status_code
    assert ([], "0.0") == (response.json()["missing_photos"], response.json()["score"]["percent"])

    # 2. Review: in the queue, returned with a note per item.
    queue = await api.ok("GET", "/api/v1/review/queue", reviewer)
    assert [audit_uuid] == [entry["uuid"] for entry in queue["items"]]
    note = {"item": "wait", "note": "Was the timer started at the queue?"}
    await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/return", reviewer, {"notes": [note]})
    sync = await api.ok("GET", "/api/v1/sync", auditor)
    [assignment] = [a for a in sync["assignments"] if a["id"] == assignment_id]
    assert ("returned", [note]) == (assignment["status"], assignment["return_notes"])

    # 3. Revision 2 with the wait corrected; the reviewer releases it.
    second_answers = answers(greeted=False, wait=60, exit_clear=False, photos=[photo_uuid])
    response = await api.client.put(
        f"/api/v1/audits/{audit_uuid}",
        headers=auditor,
        json=audit_body(assignment_id, second_answers),
    )
    assert response.status_code in (200, 201), response.text
    assert (2, "submitted") == (response.json()["revision"], response.json()["status"])
    released = await api.ok(
        "POST", f"/api/v1/review/audits/{audit_uuid}/approve", reviewer, {"note": "Fine now."}
    )
    assert 1 == len(released["corrective_action_ids"])
    action_id = released["corrective_action_ids"][0]

    # 4. The outlet manager reads it (never the auditor) and sees the photo.
    page = await api.ok("GET", "/api/v1/audits/released", manager)
    assert [audit_uuid] == [item["uuid"] for item in page["items"]]
    seen = await api.ok("GET", f"/api/v1/audits/released/{audit_uuid}", manager)
    assert ("0.0", ["exit_clear"]) == (seen["percent"], seen["critical_failures"])
    assert SENTINEL_NAME.split()[1] not in str(seen)
    [exit_answer] = [answer for answer in seen["answers"] if answer["item"] == "exit_clear"]
    thumbnail = await api.client.get(
        f"/api/v1/photos/{exit_answer['photos'][0]}/thumbnail", headers=manager
    )
    assert 200 == thumbnail.status_code
    assert b"\xff\xd8" == thumbnail.content[:2]

    # 5. Dispute the critical item with the audit's own photo; the reviewer upholds it.
    dispute = await api.ok(
        "POST",
        "/api/v1/disputes",
        manager,
        {
            "audit_uuid": audit_uuid,
            "item": "exit_clear",
            "reason": "The boxes in the photo were being moved out.",
            "photo_uuid": photo_uuid,
        },
    )
    await api.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/uphold",
        reviewer,
        {"reply": "Agreed: the exit was passable.", "answer": {"value": True}},
    )
    outcome = await api.ok("GET", f"/api/v1/disputes/{dispute['id']}", manager)
    assert ("upheld", "Agreed: the exit was passable.") == (outcome["status"], outcome["reply"])
    seen = await api.ok("GET", f"/api/v1/audits/released/{audit_uuid}", manager)
    # welcome: greeted 0 + wait 10 = 1/2; safety 1 -> 100 * (25 + 50) / 100 = 75.0
    assert ("75.0", "approved", []) == (seen["percent"], seen["status"], seen["critical_failures"])

    # The automatic action for the corrected critical failure is no longer owed.
    cancelled = await api.ok("GET", f"/api/v1/corrective-actions/{action_id}", manager)
    assert "cancelled" == cancelled["status"]

    # 6. A corrective action for the failed greeting: evidence from the manager's phone,
    # completed, verified by head office; the reviewer sees the evidence.
    created = await api.ok(
        "POST",
        "/api/v1/corrective-actions",
        manager,
        {"audit_uuid": audit_uuid, "item": "greeted", "description": "Greet every caller."},
    )
    base = f"/api/v1/corrective-actions/{created['id']}"
    uploaded = await upload(api, base + "/evidence", manager, EVIDENCE)
    assert 201 == uploaded.status_code, uploaded.text
    evidence_uuid = uploaded.json()["evidence_photo_uuid"]
    await api.ok("POST", base + "/complete", manager, {"comment": "Team briefed."})
    verified = await api.ok("POST", base + "/verify", review.headers["head_office"], {})
    assert ("verified", evidence_uuid) == (verified["status"], verified["evidence_photo_uuid"])
    evidence = await api.client.get(base + "/evidence/thumbnail", headers=reviewer)
    assert (200, b"\xff\xd8") == (evidence.status_code, evidence.content[:2])

    # 7. The history tells the whole story.
    history = await api.ok("GET", f"/api/v1/review/audits/{audit_uuid}/history", reviewer)
    assert [
        ("audit", "submit"),
        ("audit", "return"),
        ("audit", "submit"),
        ("audit", "approve"),
        ("corrective_action", "create"),
        ("dispute", "raise"),
        ("audit", "dispute"),
        ("dispute", "uphold"),
        ("corrective_action", "cancel"),
        ("audit", "uphold"),
        ("corrective_action", "create"),
        ("corrective_action", "attach_photo"),
        ("corrective_action", "complete"),
        ("corrective_action", "verify"),
    ] == [(entry["entity"], entry["action"]) for entry in history["items"]]

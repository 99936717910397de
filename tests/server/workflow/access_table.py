"""Access-table rows of the workflow routes (collected by tests/server/test_access.py).

`PREPARE` puts the records the rows need into the shared world, using only the world's own
assignments (so the core rows' expected lists stay exact): the auditor's audit of the own
outlet is submitted, released and disputed, with a corrective action on its failed item; the
other client's audit stays submitted. Rows run in order, roles in the order
reviewer, auditor, head_office, regional_manager, outlet_manager, admin: a write the first
allowed role makes leaves the later allowed roles with 409.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.fixtures import PHOTOS
from tests.server.access import Case, admin_only, statuses
from tests.server.api import Api, World


def _store_visit(assignment_id: int) -> dict[str, Any]:
    return {
        "assignment_id": assignment_id,
        "template": {"key": "store-visit", "version": 1},
        "started_at": "2026-01-06T10:15:00+01:00",
        "finished_at": "2026-01-06T10:41:30+01:00",
        "location": None,
        "answers": [
            {"item": "greeted", "value": False, "na": False, "comment": "", "photos": []},
            {"item": "wait", "value": 75, "na": False, "comment": "", "photos": []},
        ],
    }


async def PREPARE(api: Api, world: World) -> None:
    admin = world.headers["admin"]
    for key, assignment, auditor in (
        ("audit_own", "assignment_own", "auditor"),
        ("audit_other_client", "assignment_other_client", "other_auditor"),
    ):
        audit_uuid = str(uuid.uuid4())
        response = await api.client.put(
            f"/api/v1/audits/{audit_uuid}",
            headers=world.headers[auditor],
            json=_store_visit(world.ids[assignment]),
        )
        assert 201 == response.status_code, response.text
        world.ids[key] = audit_uuid  # type: ignore[assignment]  # UUID routes take text
    own = world.ids["audit_own"]
    await api.ok("POST", f"/api/v1/review/audits/{own}/approve", admin, {})
    dispute = await api.ok(
        "POST",
        "/api/v1/disputes",
        world.headers["outlet_manager"],
        {"audit_uuid": own, "item": "greeted", "reason": "We greet everyone."},
    )
    world.ids["dispute"] = dispute["id"]
    action = await api.ok(
        "POST",
        "/api/v1/corrective-actions",
        world.headers["outlet_manager"],
        {"audit_uuid": own, "item": "greeted", "description": "Greet within 30 s."},
    )
    world.ids["corrective_action"] = action["id"]


AUDIT = "/api/v1/review/audits/{audit_uuid:uuid}"
RELEASED = "/api/v1/audits/released/{audit_uuid:uuid}"
ACTION = "/api/v1/corrective-actions/{action_id:int}"
DISPUTE = "/api/v1/disputes/{dispute_id:int}"
SETTINGS = "/api/v1/clients/{client_id:int}/workflow-settings"
OWN = {"audit_uuid": "audit_own"}
OTHER_CLIENT = {"audit_uuid": "audit_other_client"}
NOT_AUDITOR = statuses(200, auditor=403)
PHONE_PHOTO = (PHOTOS / "small_orientation_6.jpg").read_bytes()
EVERYONE_BUT_AUDITOR = {
    role: {"dispute"}
    for role in ("admin", "reviewer", "head_office", "regional_manager", "outlet_manager")
}

CASES = [
    Case("GET", "/api/v1/review/queue", statuses(403, admin=200, reviewer=200)),
    Case("GET", AUDIT + "/history", statuses(403, admin=200, reviewer=200), OWN),
    Case("GET", AUDIT + "/history", statuses(403, admin=200, reviewer=404), OTHER_CLIENT),
    Case("GET", "/api/v1/audits/released", NOT_AUDITOR),
    Case("GET", RELEASED, NOT_AUDITOR, OWN),
    Case("GET", RELEASED, statuses(404, auditor=403), OTHER_CLIENT),
    Case("POST", AUDIT + "/approve", statuses(403, reviewer=404, admin=200), OTHER_CLIENT,
         body=lambda w: {}),
    Case("POST", AUDIT + "/return", statuses(403, reviewer=404, admin=409), OTHER_CLIENT,
         body=lambda w: {"notes": [{"item": "wait", "note": "Time it again."}]}),
    Case("POST", AUDIT + "/approve", statuses(403, reviewer=409, admin=409), OWN,
         body=lambda w: {}),
    Case("GET", "/api/v1/disputes", NOT_AUDITOR, sees=EVERYONE_BUT_AUDITOR),
    Case("GET", DISPUTE, NOT_AUDITOR, {"dispute_id": "dispute"}),
    Case("POST", "/api/v1/disputes", statuses(403, outlet_manager=201, admin=409),
         body=lambda w: {"audit_uuid": w.ids["audit_own"], "item": "wait", "reason": "Busy."}),
    # The outlet manager attaches the photo; the admin's same bytes change nothing (200).
    Case("PUT", DISPUTE + "/photo", statuses(403, outlet_manager=201, admin=200),
         {"dispute_id": "dispute"}, content=PHONE_PHOTO),
    Case("GET", DISPUTE + "/photo/{variant:str}", NOT_AUDITOR,
         {"dispute_id": "dispute", "variant": "thumbnail"}),
    Case("POST", DISPUTE + "/uphold", statuses(403, reviewer=200, admin=409),
         {"dispute_id": "dispute"},
         body=lambda w: {"reply": "Agreed.", "answer": {"value": True}}),
    Case("POST", DISPUTE + "/reject", statuses(403, reviewer=409, admin=409),
         {"dispute_id": "dispute"}, body=lambda w: {"reply": "Too late."}),
    Case("GET", "/api/v1/corrective-actions", NOT_AUDITOR,
         sees={role: {"corrective_action"} for role in EVERYONE_BUT_AUDITOR}),
    Case("GET", ACTION, NOT_AUDITOR, {"action_id": "corrective_action"}),
    Case("POST", "/api/v1/corrective-actions",
         statuses(403, head_office=201, regional_manager=409, outlet_manager=409, admin=409),
         body=lambda w: {"audit_uuid": w.ids["audit_own"], "item": "wait"}),
    Case("PATCH", ACTION, statuses(200, reviewer=403, auditor=403),
         {"action_id": "corrective_action"}, body=lambda w: {"description": "Train staff."}),
    Case("PUT", ACTION + "/evidence", statuses(200, reviewer=403, auditor=403, head_office=201),
         {"action_id": "corrective_action"}, content=PHONE_PHOTO),
    Case("GET", ACTION + "/evidence/{variant:str}", NOT_AUDITOR,
         {"action_id": "corrective_action", "variant": "display"}),
    Case("POST", ACTION + "/complete",
         statuses(403, head_office=200, regional_manager=409, outlet_manager=409, admin=409),
         {"action_id": "corrective_action"}, body=lambda w: {"comment": "Done."}),
    Case("POST", ACTION + "/verify",
         statuses(403, reviewer=200, head_office=409, regional_manager=409, admin=409),
         {"action_id": "corrective_action"}, body=lambda w: {}),
    Case("POST", ACTION + "/reopen",
         statuses(403, reviewer=409, head_office=409, regional_manager=409, admin=409),
         {"action_id": "corrective_action"}, body=lambda w: {}),
    Case("POST", ACTION + "/comments", statuses(201, auditor=403),
         {"action_id": "corrective_action"}, body=lambda w: {"text": "Seen."}),
    Case("GET", SETTINGS, statuses(200, auditor=404), {"client_id": "client_a"}),
    Case("GET", SETTINGS, statuses(404, admin=200), {"client_id": "client_b"}),
    Case("PUT", SETTINGS, admin_only(200), {"client_id": "client_a"},
         body=lambda w: {"dispute_window_days": 10}),
]  # fmt: skip

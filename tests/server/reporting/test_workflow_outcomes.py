"""Dispute outcomes and open corrective actions in the outlet report, on a fresh database.

This test writes (a dispute upheld, actions created), so it uses its own database from the
server suite's `api` fixture rather than the folder's shared seeded one.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

from tests.reports.pdf import page_texts
from tests.server.api import Api
from tests.server.reporting.test_http import assert_anonymous
from tests.server.workflow.helpers import answers, build_review_world

REPLY = "CCTV shows the greeting at 10:16."


async def test_outlet_report_shows_disputes_and_open_actions(api: Api) -> None:
    review = await build_review_world(api)
    released = await review.approved(
        "own", audit_answers=answers(greeted=False, wait=200, exit_clear=False)
    )
    dispute = await review.dispute(released.uuid, "greeted")
    await api.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/uphold",
        review.headers["reviewer"],
        {"reply": REPLY, "answer": {"value": True}},
    )
    await api.ok(
        "POST",
        "/api/v1/corrective-actions",
        review.headers["outlet_manager"],
        {
            "audit_uuid": released.uuid,
            "item": "wait",
            "description": "Open a second till at peak hours.",
            "owner_id": review.ids["user_outlet_manager"],
            "due_on": "2026-02-20",
        },
    )
    response = await api.client.get(
        f"/api/v1/outlets/{review.ids['outlet_own']}/report.pdf?lang=en",
        headers=review.headers["outlet_manager"],
    )
    assert 200 == response.status_code, response.text
    text = " ".join(page_texts(response.content))
    assert REPLY in text
    assert "Greeted?" in text  # the disputed item
    assert "Emergency exit clear?" in text  # the critical failure and its automatic action
    assert "outlet_manager" in text  # the owner of the manager's action
    assert "February 20, 2026" in text  # its due date
    assert_anonymous(response.content)

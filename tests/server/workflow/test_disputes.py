"""Disputes: the window, one open dispute per item, upheld (re-scored, rollup rewritten) or
rejected, what the manager sees, and who may see which dispute."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.server.api import Api
from tests.server.workflow.helpers import ReviewWorld, answers, set_released_at, sql, stored_uuid

DAY = dt.timedelta(days=1)


def url_of(review: ReviewWorld) -> str:
    return str(review.api.context.settings.database_url)


async def raise_dispute(review: ReviewWorld, audit_uuid: str, item: str = "exit_clear") -> object:
    return await review.api.call(
        "POST",
        "/api/v1/disputes",
        review.headers["outlet_manager"],
        {"audit_uuid": audit_uuid, "item": item, "reason": "Not what happened."},
    )


async def test_dispute_window_edges_default_seven_days(api: Api, review: ReviewWorld) -> None:
    now = dt.datetime.now(dt.UTC)
    inside = await review.approved()
    # The window is inclusive; a minute of slack covers the time the request itself takes.
    await set_released_at(url_of(review), inside.uuid, now - 7 * DAY + dt.timedelta(minutes=1))
    assert 201 == (await raise_dispute(review, inside.uuid)).status_code

    outside = await review.approved()
    await set_released_at(url_of(review), outside.uuid, now - 7 * DAY - dt.timedelta(seconds=1))
    response = await raise_dispute(review, outside.uuid)
    assert 409 == response.status_code
    assert "window" in response.json()["detail"]
    audit = await api.ok("GET", f"/api/v1/audits/{outside.uuid}", review.headers["admin"])
    assert "approved" == audit["status"]


async def test_dispute_window_is_a_per_client_setting(api: Api, review: ReviewWorld) -> None:
    client_a = review.ids["client_a"]
    await api.ok(
        "PUT",
        f"/api/v1/clients/{client_a}/workflow-settings",
        review.headers["admin"],
        {"dispute_window_days": 10},
    )
    released = await review.approved()
    await set_released_at(url_of(review), released.uuid, dt.datetime.now(dt.UTC) - 9 * DAY)
    assert 201 == (await raise_dispute(review, released.uuid)).status_code

    await api.ok(
        "PUT",
        f"/api/v1/clients/{client_a}/workflow-settings",
        review.headers["admin"],
        {"dispute_window_days": 0},
    )
    late = await review.approved()
    await set_released_at(
        url_of(review), late.uuid, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    assert 409 == (await raise_dispute(review, late.uuid)).status_code
    settings = await api.ok(
        "GET", f"/api/v1/clients/{client_a}/workflow-settings", review.headers["outlet_manager"]
    )
    assert 0 == settings["dispute_window_days"]


async def test_upheld_dispute_rescores_and_rewrites_the_rollup(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved(audit_answers=answers(exit_clear=False))
    url = url_of(review)
    before = await sql(
        url,
        "SELECT CAST(percent AS TEXT) AS percent, critical_failure FROM score_rollup "
        "WHERE audit_uuid = ?",
        stored_uuid(url, released.uuid),
    )
    assert [(0, True)] == [(Decimal(r["percent"]), bool(r["critical_failure"])) for r in before]

    dispute = await review.dispute(released.uuid, "exit_clear")
    audit = await api.ok("GET", f"/api/v1/audits/{released.uuid}", review.headers["admin"])
    assert "disputed" == audit["status"]

    resolved = await api.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/uphold",
        review.headers["reviewer"],
        {"reply": "CCTV confirms the exit was clear.", "answer": {"value": True}},
    )
    assert "upheld" == resolved["status"]
    assert False is resolved["original_answer"]["value"]
    assert True is resolved["corrected_answer"]["value"]

    after = await sql(
        url,
        "SELECT id, CAST(percent AS TEXT) AS percent, critical_failure, rescored_at "
        "FROM score_rollup WHERE audit_uuid = ?",
        stored_uuid(url, released.uuid),
    )
    assert 1 == len(after)
    assert (100, False) == (Decimal(after[0]["percent"]), bool(after[0]["critical_failure"]))
    assert after[0]["rescored_at"] is not None
    items = await sql(
        url, "SELECT failed FROM score_rollup_item WHERE rollup = ? AND item = ?",
        after[0]["id"], "exit_clear",
    )  # fmt: skip
    assert [False] == [bool(row["failed"]) for row in items]

    seen = await api.ok(
        "GET", f"/api/v1/audits/released/{released.uuid}", review.headers["outlet_manager"]
    )
    assert ("100.0", "approved", []) == (seen["percent"], seen["status"], seen["failed"])
    outcome = await api.ok(
        "GET", f"/api/v1/disputes/{dispute['id']}", review.headers["outlet_manager"]
    )
    assert ("upheld", "CCTV confirms the exit was clear.") == (outcome["status"], outcome["reply"])


async def test_rejected_dispute_keeps_the_score(api: Api, review: ReviewWorld) -> None:
    released = await review.approved(audit_answers=answers(greeted=False))
    dispute = await review.dispute(released.uuid, "greeted")
    await api.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/reject",
        review.headers["reviewer"],
        {"reply": "The recording shows no greeting."},
    )
    seen = await api.ok(
        "GET", f"/api/v1/audits/released/{released.uuid}", review.headers["outlet_manager"]
    )
    # welcome 10/20 -> 1/2; safety 1: 100 * (25 + 50) / 100 = 75.0
    assert ("75.0", "approved") == (seen["percent"], seen["status"])
    mine = await api.ok("GET", "/api/v1/disputes", review.headers["outlet_manager"])
    assert [("rejected", "The recording shows no greeting.")] == [
        (item["status"], item["reply"]) for item in mine["items"]
    ]


async def test_one_open_dispute_per_item_and_audit_disputed_until_the_last_is_resolved(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved(audit_answers=answers(greeted=False, wait=200))
    first = await review.dispute(released.uuid, "greeted")
    assert 409 == (await raise_dispute(review, released.uuid, "greeted")).status_code
    second = await review.dispute(released.uuid, "wait")
    await api.ok(
        "POST",
        f"/api/v1/disputes/{first['id']}/reject",
        review.headers["reviewer"],
        {"reply": "No."},
    )
    audit = await api.ok("GET", f"/api/v1/audits/{released.uuid}", review.headers["admin"])
    assert "disputed" == audit["status"]
    await api.ok(
        "POST",
        f"/api/v1/disputes/{second['id']}/uphold",
        review.headers["reviewer"],
        {"reply": "Timer restarted.", "answer": {"value": 60}},
    )
    audit = await api.ok("GET", f"/api/v1/audits/{released.uuid}", review.headers["admin"])
    assert "approved" == audit["status"]
    # welcome: greeted 0 + wait 10 = 10/20; safety 1 -> 75.0
    assert "75.0" == audit["score"]["percent"]
    history = await api.ok(
        "GET", f"/api/v1/review/audits/{released.uuid}/history", review.headers["reviewer"]
    )
    steps = [(e["entity"], e["action"], e["from_status"], e["to_status"]) for e in history["items"]]
    assert [
        ("audit", "approve", "submitted", "approved"),
        ("dispute", "raise", None, "open"),
        ("audit", "dispute", "approved", "disputed"),
        ("dispute", "raise", None, "open"),
        ("dispute", "reject", "open", "rejected"),
        ("dispute", "uphold", "open", "upheld"),
        ("audit", "uphold", "disputed", "approved"),
    ] == [step for step in steps if step[1] != "submit"]


async def test_corrected_answer_is_validated(api: Api, review: ReviewWorld) -> None:
    released = await review.approved()
    dispute = await review.dispute(released.uuid, "wait")
    response = await api.call(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/uphold",
        review.headers["reviewer"],
        {"reply": "Fixed.", "answer": {"value": "soon"}},
    )
    assert 422 == response.status_code
    assert ["wait"] == [error["item"] for error in response.json()["errors"]]
    still = await api.ok("GET", f"/api/v1/disputes/{dispute['id']}", review.headers["reviewer"])
    assert "open" == still["status"]


async def test_dispute_on_an_unknown_item_is_invalid(api: Api, review: ReviewWorld) -> None:
    released = await review.approved()
    response = await raise_dispute(review, released.uuid, "no_such_item")
    assert 422 == response.status_code


async def test_disputes_are_scoped_by_outlet_region_and_client(
    api: Api, review: ReviewWorld
) -> None:
    own = await review.approved("own")
    other_outlet = await review.approved("other_outlet")
    other_region = await review.approved("other_region")
    other_client = await review.approved("other_client")
    admin = review.headers["admin"]
    ids = {}
    for name, audit in (
        ("own", own),
        ("other_outlet", other_outlet),
        ("other_region", other_region),
        ("other_client", other_client),
    ):
        dispute = await api.ok(
            "POST",
            "/api/v1/disputes",
            admin,
            {"audit_uuid": audit.uuid, "item": "greeted", "reason": "Raised for the client."},
        )
        ids[dispute["id"]] = name
    # The outlet manager of the own outlet cannot dispute audits of other outlets at all.
    for audit in (other_outlet, other_region, other_client):
        assert 404 == (await raise_dispute(review, audit.uuid, "wait")).status_code
    expected = {
        "admin": {"own", "other_outlet", "other_region", "other_client"},
        "reviewer": {"own", "other_outlet", "other_region"},
        "head_office": {"own", "other_outlet", "other_region"},
        "regional_manager": {"own", "other_outlet"},
        "outlet_manager": {"own"},
    }
    for role, names in expected.items():
        page = await api.ok("GET", "/api/v1/disputes", review.headers[role])
        assert names == {ids[item["id"]] for item in page["items"]}, role
        for dispute_id, name in ids.items():
            response = await api.call("GET", f"/api/v1/disputes/{dispute_id}", review.headers[role])
            assert (200 if name in names else 404) == response.status_code, (role, name)

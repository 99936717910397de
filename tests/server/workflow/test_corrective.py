"""Corrective actions: automatic on release for critical failures, created by managers for
failed items, owner and due date, open -> done (evidence) -> verified, comments, scope."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid

from server.core.database import Database
from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.server.api import Api
from tests.server.audits.helpers import sql
from tests.server.workflow.helpers import ReviewWorld, answers, upload

PHOTO = PHOTOS / "small_orientation_6.jpg"
CLEAR = importlib.import_module(
    "server.workflow.piccolo_migrations.workflow_2026_12_07t13_00_00_000000_action_descriptions"
)


async def actions_of(api: Api, headers: dict[str, str], audit_uuid: str) -> list[dict[str, object]]:
    page = await api.ok("GET", f"/api/v1/corrective-actions?audit_uuid={audit_uuid}", headers)
    items: list[dict[str, object]] = page["items"]
    return items


async def test_release_creates_one_action_per_critical_failure(
    api: Api, review: ReviewWorld
) -> None:
    failing = await review.submit(audit_answers=answers(greeted=False, exit_clear=False))
    outcome = await api.ok(
        "POST",
        f"/api/v1/review/audits/{failing.uuid}/approve",
        review.headers["reviewer"],
        {},
    )
    [action] = await actions_of(api, review.headers["outlet_manager"], failing.uuid)
    assert [action["id"]] == outcome["corrective_action_ids"]
    # Only the critical failure: `greeted` failed too but is not critical.
    assert ("exit_clear", True, True, "open") == (
        action["item"],
        action["critical"],
        action["automatic"],
        action["status"],
    )
    assert review.ids["user_outlet_manager"] == action["owner_id"]
    released_on = dt.datetime.fromisoformat(outcome["released_at"]).date()
    assert (released_on + dt.timedelta(days=14)).isoformat() == action["due_on"]

    passing = await review.approved()
    assert [] == await actions_of(api, review.headers["admin"], passing.uuid)


async def test_an_automatic_action_has_no_sentence_in_one_language(
    api: Api, review: ReviewWorld, settings: Settings
) -> None:
    """The item's text (in each reader's language) and "critical" say what failed: no
    description is stored, and the English one earlier actions got is cleared, a manager's
    own kept."""
    failing = await review.submit(audit_answers=answers(exit_clear=False))
    await api.ok(
        "POST", f"/api/v1/review/audits/{failing.uuid}/approve", review.headers["reviewer"], {}
    )
    [action] = await actions_of(api, review.headers["outlet_manager"], failing.uuid)
    assert "" == action["description"]
    own = await review.submit(audit_answers=answers(exit_clear=False))
    await api.ok(
        "POST", f"/api/v1/review/audits/{own.uuid}/approve", review.headers["reviewer"], {}
    )
    [kept] = await actions_of(api, review.headers["outlet_manager"], own.uuid)
    # As earlier releases stored them, and one a manager wrote in those words.
    await sql(
        settings,
        "UPDATE corrective_action SET description = 'Critical failure: The exit was clear' "
        "WHERE id = ?",
        action["id"],
    )
    await sql(
        settings,
        "UPDATE corrective_action SET description = 'Critical failure: check the exit', "
        "created_by = ? WHERE id = ?",
        review.ids["user_outlet_manager"],
        kept["id"],
    )
    database = Database(str(settings.database_url))
    await database.start()
    try:
        await CLEAR.clear_descriptions()
    finally:
        await database.close()
    [cleared] = await actions_of(api, review.headers["outlet_manager"], failing.uuid)
    [written] = await actions_of(api, review.headers["outlet_manager"], own.uuid)
    assert ("", "Critical failure: check the exit") == (
        cleared["description"],
        written["description"],
    )


async def test_managers_create_actions_for_failed_items_only(api: Api, review: ReviewWorld) -> None:
    released = await review.approved(audit_answers=answers(greeted=False))
    headers = review.headers["regional_manager"]
    created = await api.ok(
        "POST",
        "/api/v1/corrective-actions",
        headers,
        {
            "audit_uuid": released.uuid,
            "item": "greeted",
            "description": "Brief the team on greeting.",
            "owner_id": review.ids["user_outlet_manager"],
            "due_on": "2026-02-15",
        },
    )
    assert ("greeted", False, False, "2026-02-15") == (
        created["item"],
        created["critical"],
        created["automatic"],
        created["due_on"],
    )
    again = await api.call(
        "POST",
        "/api/v1/corrective-actions",
        headers,
        {"audit_uuid": released.uuid, "item": "greeted"},
    )
    assert 409 == again.status_code
    passed_item = await api.call(
        "POST", "/api/v1/corrective-actions", headers, {"audit_uuid": released.uuid, "item": "wait"}
    )
    assert 422 == passed_item.status_code
    unreleased = await review.submit()
    hidden = await api.call(
        "POST",
        "/api/v1/corrective-actions",
        headers,
        {"audit_uuid": unreleased.uuid, "item": "greeted"},
    )
    assert 404 == hidden.status_code


async def test_owner_must_be_a_client_user_of_the_outlet(api: Api, review: ReviewWorld) -> None:
    released = await review.approved(audit_answers=answers(greeted=False))
    admin = review.headers["admin"]
    other_outlet_manager = await api.create_user(
        admin,
        "elsewhere@example.test",
        "outlet_manager",
        client_id=review.ids["client_a"],
        outlet_ids=[review.ids["outlet_other_outlet"]],
    )
    for owner in (other_outlet_manager, review.ids["user_reviewer"], review.ids["user_auditor"]):
        response = await api.call(
            "POST",
            "/api/v1/corrective-actions",
            admin,
            {"audit_uuid": released.uuid, "item": "greeted", "owner_id": owner},
        )
        assert 422 == response.status_code, owner
        assert ["owner_id"] == [error["item"] for error in response.json()["errors"]]
    created = await api.ok(
        "POST",
        "/api/v1/corrective-actions",
        admin,
        {
            "audit_uuid": released.uuid,
            "item": "greeted",
            "owner_id": review.ids["user_head_office"],
        },
    )
    assert review.ids["user_head_office"] == created["owner_id"]
    changed = await api.ok(
        "PATCH",
        f"/api/v1/corrective-actions/{created['id']}",
        review.headers["outlet_manager"],
        {"owner_id": review.ids["user_regional_manager"], "due_on": "2026-03-01"},
    )
    assert (review.ids["user_regional_manager"], "2026-03-01") == (
        changed["owner_id"],
        changed["due_on"],
    )


async def test_complete_with_evidence_then_verify_with_comments(
    api: Api, review: ReviewWorld
) -> None:
    released = await review.approved(audit_answers=answers(exit_clear=False))
    [action] = await actions_of(api, review.headers["admin"], released.uuid)
    base = f"/api/v1/corrective-actions/{action['id']}"
    # A photo that is neither the audit's nor uploaded by the manager cannot be named.
    stranger = await api.call(
        "POST",
        base + "/complete",
        review.headers["outlet_manager"],
        {"comment": "Done.", "evidence_photo_uuid": str(uuid.uuid4())},
    )
    assert (422, "unknown_photo") == (stranger.status_code, stranger.json()["errors"][0]["code"])
    uploaded = await upload(api, base + "/evidence", review.headers["outlet_manager"], PHOTO)
    assert 201 == uploaded.status_code, uploaded.text
    evidence = uploaded.json()["evidence_photo_uuid"]
    done = await api.ok(
        "POST",
        base + "/complete",
        review.headers["outlet_manager"],
        {"comment": "Boxes moved away from the exit.", "evidence_photo_uuid": evidence},
    )
    assert ("done", evidence) == (done["status"], done["evidence_photo_uuid"])
    reopened = await api.ok(
        "POST", base + "/reopen", review.headers["head_office"], {"comment": "Photo is blurry."}
    )
    assert "open" == reopened["status"]
    await api.ok(
        "POST", base + "/complete", review.headers["outlet_manager"], {"comment": "Again."}
    )
    verified = await api.ok("POST", base + "/verify", review.headers["reviewer"], {})
    assert "verified" == verified["status"]
    commented = await api.ok(
        "POST", base + "/comments", review.headers["regional_manager"], {"text": "Thanks."}
    )
    assert ["Boxes moved away from the exit.", "Photo is blurry.", "Again.", "Thanks."] == [
        comment["text"] for comment in commented["comments"]
    ]
    assert [
        review.ids["user_outlet_manager"],
        review.ids["user_head_office"],
        review.ids["user_outlet_manager"],
        review.ids["user_regional_manager"],
    ] == [comment["author_id"] for comment in commented["comments"]]
    empty = await api.call("POST", base + "/comments", review.headers["admin"], {"text": "  "})
    assert 422 == empty.status_code


async def test_actions_are_scoped_by_outlet_region_and_client(
    api: Api, review: ReviewWorld
) -> None:
    names: dict[int, str] = {}
    for outlet in ("own", "other_outlet", "other_region", "other_client"):
        released = await review.approved(outlet, audit_answers=answers(exit_clear=False))
        [action] = await actions_of(api, review.headers["admin"], released.uuid)
        names[int(str(action["id"]))] = outlet
    expected = {
        "admin": {"own", "other_outlet", "other_region", "other_client"},
        "reviewer": {"own", "other_outlet", "other_region"},
        "head_office": {"own", "other_outlet", "other_region"},
        "regional_manager": {"own", "other_outlet"},
        "outlet_manager": {"own"},
    }
    for role, visible in expected.items():
        page = await api.ok("GET", "/api/v1/corrective-actions", review.headers[role])
        assert visible == {names[item["id"]] for item in page["items"]}, role
        for action_id, outlet in names.items():
            response = await api.call(
                "GET", f"/api/v1/corrective-actions/{action_id}", review.headers[role]
            )
            assert (200 if outlet in visible else 404) == response.status_code, (role, outlet)
            step = await api.call(
                "POST",
                f"/api/v1/corrective-actions/{action_id}/comments",
                review.headers[role],
                {"text": "Looking."},
            )
            assert (201 if outlet in visible else 404) == step.status_code, (role, outlet)
    auditor = await api.call("GET", "/api/v1/corrective-actions", review.headers["auditor"])
    assert 403 == auditor.status_code

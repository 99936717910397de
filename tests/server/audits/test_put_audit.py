"""PUT /api/v1/audits/{uuid}: 201 / 200 replay / 409 / 422, revisions after a return, scope."""

from __future__ import annotations

from decimal import Decimal

from server.core.settings import Settings
from shared.checklist import Template
from shared.scoring import score
from tests.server.api import Api, World, sample_template
from tests.server.audits.helpers import audit_body, count_rows, new_uuid, put_audit, set_status


async def test_first_put_stores_and_scores_with_the_servers_own_score(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = new_uuid()
    body = audit_body(world.ids["assignment_own"], greeted=True, wait=180)
    body["client_score"] = {"percent": "100.0"}

    response = await put_audit(api, world.headers["auditor"], audit_uuid, body)

    assert 201 == response.status_code, response.text
    expected = score(Template.from_dict(sample_template()), body["answers"]).to_dict()
    receipt = response.json()
    assert audit_uuid == receipt["uuid"]
    assert "submitted" == receipt["status"]
    assert 1 == receipt["revision"]
    assert expected["percent"] == receipt["score"]["percent"]
    assert expected["failed"] == receipt["score"]["failed"]
    assert [] == receipt["missing_photos"]
    assert 1 == await count_rows(settings, "audit")
    assert 2 == await count_rows(settings, "audit_answer")


async def test_identical_replay_in_another_form_is_200_and_stores_nothing_new(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = new_uuid()
    body = audit_body(world.ids["assignment_own"], sent_at="2026-01-06T10:42:00+01:00")
    first = await put_audit(api, world.headers["auditor"], audit_uuid, body)
    assert 201 == first.status_code, first.text
    # Same audit: other key order, 75.0 for 75, UTC times, defaults left out, new sent_at.
    replay = {
        "answers": [
            {"item": "wait", "value": 75.0, "comment": "two tills closed"},
            {"item": "greeted", "value": True},
        ],
        "finished_at": "2026-01-06T09:41:30Z",
        "started_at": "2026-01-06T09:15:00+00:00",
        "template": {"version": 1, "key": "store-visit"},
        "assignment_id": world.ids["assignment_own"],
        "location": None,
        "sent_at": "2026-01-06T11:00:00+01:00",
    }

    second = await put_audit(api, world.headers["auditor"], audit_uuid, replay)

    assert 200 == second.status_code, second.text
    assert first.json() == second.json()
    assert 1 == await count_rows(settings, "audit")
    assert 1 == await count_rows(settings, "audit_revision")
    assert 2 == await count_rows(settings, "audit_answer")


async def test_other_content_under_the_same_uuid_is_409(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = new_uuid()
    headers = world.headers["auditor"]
    assert (
        201
        == (
            await put_audit(api, headers, audit_uuid, audit_body(world.ids["assignment_own"]))
        ).status_code
    )

    response = await put_audit(
        api, headers, audit_uuid, audit_body(world.ids["assignment_own"], greeted=False)
    )

    assert 409 == response.status_code
    assert "application/problem+json" == response.headers["content-type"]
    assert 1 == await count_rows(settings, "audit_revision")


async def test_invalid_other_content_under_a_stored_uuid_is_409_before_any_check(
    api: Api, world: World, settings: Settings
) -> None:
    """What decides a PUT on a stored uuid is whether it is the same audit: other content is
    a conflict whatever its answers, and the phone is told so (not to mend answers that
    could never be stored under that id)."""
    audit_uuid = new_uuid()
    headers = world.headers["auditor"]
    body = audit_body(world.ids["assignment_own"])
    assert 201 == (await put_audit(api, headers, audit_uuid, body)).status_code
    body["answers"] = [{"item": "greeted", "value": "yes"}]

    response = await put_audit(api, headers, audit_uuid, body)

    assert 409 == response.status_code, response.text
    assert 1 == await count_rows(settings, "audit_revision")


async def test_invalid_answers_are_422_with_every_problem_and_nothing_stored(
    api: Api, world: World, settings: Settings
) -> None:
    body = audit_body(world.ids["assignment_own"])
    body["answers"] = [
        {"item": "greeted", "value": "yes"},
        {"item": "nonsense", "value": 1},
    ]

    response = await put_audit(api, world.headers["auditor"], new_uuid(), body)

    assert 422 == response.status_code, response.text
    problems = {(error["item"], error["code"]) for error in response.json()["errors"]}
    assert {"greeted", "nonsense", "wait"} == {item for item, _code in problems}
    assert 0 == await count_rows(settings, "audit")
    assert 0 == await count_rows(settings, "audit_answer")


async def test_malformed_envelope_is_422_naming_each_field(
    api: Api, world: World, settings: Settings
) -> None:
    body = {"assignment_id": "x", "template": {}, "started_at": "yesterday", "answers": {}}

    response = await put_audit(api, world.headers["auditor"], new_uuid(), body)

    assert 422 == response.status_code
    items = {error["item"] for error in response.json()["errors"]}
    assert {"assignment_id", "template", "started_at", "finished_at", "answers"} == items


async def test_template_version_other_than_the_assignments_is_refused(
    api: Api, world: World, settings: Settings
) -> None:
    body = audit_body(world.ids["assignment_own"], version=2)

    response = await put_audit(api, world.headers["auditor"], new_uuid(), body)

    assert 422 == response.status_code
    assert ["template"] == [error["item"] for error in response.json()["errors"]]
    assert 0 == await count_rows(settings, "audit")


async def test_auditor_cannot_put_to_another_auditors_assignment(
    api: Api, world: World, settings: Settings
) -> None:
    body = audit_body(world.ids["assignment_other"])

    response = await put_audit(api, world.headers["auditor"], new_uuid(), body)

    assert 404 == response.status_code
    assert 0 == await count_rows(settings, "audit")


async def test_roles_other_than_auditor_and_admin_may_not_put(
    api: Api, world: World, settings: Settings
) -> None:
    for role in ("reviewer", "head_office", "outlet_manager"):
        body = audit_body(world.ids["assignment_own"])
        response = await put_audit(api, world.headers[role], new_uuid(), body)
        assert 403 == response.status_code, role
    anonymous = await put_audit(api, {}, new_uuid(), audit_body(world.ids["assignment_own"]))
    assert 401 == anonymous.status_code


async def test_returned_audit_takes_a_changed_body_as_next_revision(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = new_uuid()
    headers = world.headers["auditor"]
    first = audit_body(world.ids["assignment_own"], greeted=False)
    assert 201 == (await put_audit(api, headers, audit_uuid, first)).status_code
    await set_status(settings, audit_uuid, "returned")

    unchanged = await put_audit(api, headers, audit_uuid, first)
    corrected = await put_audit(
        api, headers, audit_uuid, audit_body(world.ids["assignment_own"], greeted=True)
    )
    replay = await put_audit(
        api, headers, audit_uuid, audit_body(world.ids["assignment_own"], greeted=True)
    )

    assert 200 == unchanged.status_code
    assert "returned" == unchanged.json()["status"]
    assert 200 == corrected.status_code, corrected.text
    assert (2, "submitted") == (corrected.json()["revision"], corrected.json()["status"])
    assert 200 == replay.status_code
    assert corrected.json() == replay.json()
    assert 2 == await count_rows(settings, "audit_revision")
    assert 1 == await count_rows(settings, "audit")
    stored = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", headers)
    assert [True, 75] == [answer["value"] for answer in stored["answers"]]


async def test_stored_score_columns_match_the_receipt(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = new_uuid()
    response = await put_audit(
        api, world.headers["auditor"], audit_uuid, audit_body(world.ids["assignment_own"], wait=300)
    )
    audit = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", world.headers["admin"])
    assert response.json()["score"] == audit["score"]
    assert Decimal(response.json()["score"]["percent"]) == Decimal(audit["score"]["percent"])


async def test_reviewer_of_another_client_and_other_auditor_get_404(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = new_uuid()
    await put_audit(
        api, world.headers["auditor"], audit_uuid, audit_body(world.ids["assignment_own"])
    )

    other = await api.call("GET", f"/api/v1/audits/{audit_uuid}", world.headers["other_auditor"])
    client_user = await api.call(
        "GET", f"/api/v1/audits/{audit_uuid}", world.headers["head_office"]
    )
    reviewer = await api.call("GET", f"/api/v1/audits/{audit_uuid}", world.headers["reviewer"])

    assert 404 == other.status_code
    assert 403 == client_user.status_code
    assert 200 == reviewer.status_code


async def test_second_audit_uuid_for_the_same_assignment_is_409(
    api: Api, world: World, settings: Settings
) -> None:
    headers = world.headers["auditor"]
    body = audit_body(world.ids["assignment_own"])
    assert 201 == (await put_audit(api, headers, new_uuid(), body)).status_code

    response = await put_audit(api, headers, new_uuid(), body)

    assert 409 == response.status_code
    assert 1 == await count_rows(settings, "audit")

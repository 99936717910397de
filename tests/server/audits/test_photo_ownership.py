"""An audit may name only its own auditor's photos (docs/contract.md#photos).

Naming another auditor's photo, of the same client or another, once made it readable to the
auditor and, once the audit was released, to the audit's client. Every role is checked on a
photo named by an audit that does not own it, and on one that does.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

from typing import Any

from server.core.settings import Settings
from tests.fixtures import PHOTOS
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, count_rows, new_uuid, put_audit, put_photo

PHOTO = (PHOTOS / "small_orientation_6.jpg").read_bytes()
READERS = ("admin", "reviewer", "auditor", "other_auditor", "head_office", "regional_manager",
           "outlet_manager")  # fmt: skip


async def display(api: Api, world: World, who: str, photo_uuid: str) -> int:
    response = await api.client.get(
        f"/api/v1/photos/{photo_uuid}/display", headers=world.headers[who]
    )
    status: int = response.status_code
    return status


async def sent(api: Api, world: World, who: str, photo_uuid: str) -> int:
    status: int = (await put_photo(api, world.headers[who], photo_uuid, PHOTO)).status_code
    return status


async def release(api: Api, world: World, audit_uuid: str) -> None:
    await api.ok(
        "POST", f"/api/v1/review/audits/{audit_uuid}/approve", world.headers["reviewer"], {}
    )


def problems(response: Any) -> list[tuple[str, str]]:
    return [(entry["item"], entry["code"]) for entry in response.json()["errors"]]


async def test_an_audit_naming_a_photo_someone_else_sent_is_refused_and_nothing_stored(
    api: Api, world: World, settings: Settings
) -> None:
    photo_uuid = new_uuid()
    assert (
        201 == (await put_photo(api, world.headers["other_auditor"], photo_uuid, PHOTO)).status_code
    )
    for assignment in ("assignment_own",):  # the auditor's own visit, client a
        body = audit_body(world.ids[assignment], photos=[photo_uuid])
        response = await put_audit(api, world.headers["auditor"], new_uuid(), body)
        assert 422 == response.status_code, response.text
        assert [("wait", "foreign_photo")] == problems(response)
    assert 0 == await count_rows(settings, "audit")
    assert 404 == await display(api, world, "auditor", photo_uuid)


async def test_another_clients_auditor_cannot_name_a_photo_of_this_client(
    api: Api, world: World, settings: Settings
) -> None:
    photo_uuid = new_uuid()
    assert 201 == await sent(api, world, "auditor", photo_uuid)
    body = audit_body(world.ids["assignment_other_client"], photos=[photo_uuid])
    response = await put_audit(api, world.headers["other_auditor"], new_uuid(), body)
    assert 422 == response.status_code
    assert [("wait", "foreign_photo")] == problems(response)
    assert 0 == await count_rows(settings, "audit")


async def test_a_photo_named_before_it_arrived_shows_only_through_its_uploaders_audits(
    api: Api, world: World
) -> None:
    """The reference comes first (the photo may arrive after its audit); when someone else
    then sends the bytes, the referencing audit shows them to nobody."""
    photo_uuid = new_uuid()
    audit_uuid = new_uuid()
    body = audit_body(world.ids["assignment_own"], photos=[photo_uuid])
    response = await put_audit(api, world.headers["auditor"], audit_uuid, body)
    assert 201 == response.status_code
    assert [photo_uuid] == response.json()["missing_photos"]
    assert (
        201 == (await put_photo(api, world.headers["other_auditor"], photo_uuid, PHOTO)).status_code
    )
    await release(api, world, audit_uuid)
    seen = {who: await display(api, world, who, photo_uuid) for who in READERS}
    assert {
        "admin": 200,
        "reviewer": 404,
        "auditor": 404,
        "other_auditor": 200,  # who sent it
        "head_office": 404,
        "regional_manager": 404,
        "outlet_manager": 404,
    } == seen


async def test_an_audit_naming_its_own_auditors_photo_shows_it_to_its_readers(
    api: Api, world: World
) -> None:
    photo_uuid = new_uuid()
    assert 201 == await sent(api, world, "auditor", photo_uuid)
    audit_uuid = new_uuid()
    body = audit_body(world.ids["assignment_own"], photos=[photo_uuid])
    assert 201 == (await put_audit(api, world.headers["auditor"], audit_uuid, body)).status_code
    before = {who: await display(api, world, who, photo_uuid) for who in READERS}
    await release(api, world, audit_uuid)
    after = {who: await display(api, world, who, photo_uuid) for who in READERS}
    expected_before = {
        "admin": 200,
        "reviewer": 200,
        "auditor": 200,
        "other_auditor": 404,
        "head_office": 404,
        "regional_manager": 404,
        "outlet_manager": 404,
    }
    released_to = {"head_office": 200, "regional_manager": 200, "outlet_manager": 200}
    assert expected_before == before
    assert {**expected_before, **released_to} == after  # fmt: skip


async def test_a_photo_an_admin_sent_on_an_auditors_behalf_may_be_named(
    api: Api, world: World
) -> None:
    photo_uuid = new_uuid()
    assert 201 == await sent(api, world, "admin", photo_uuid)
    body = audit_body(world.ids["assignment_own"], photos=[photo_uuid])
    response = await put_audit(api, world.headers["auditor"], new_uuid(), body)
    assert 201 == response.status_code
    assert [] == response.json()["missing_photos"]

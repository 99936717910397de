"""Two PUTs of one audit uuid at the same time: identical ones both succeed and one audit is
stored; different ones: one wins, the other gets 409. Run against the in-process app with a
real database on both engines (the unique key on `audit.uuid` decides, not timing)."""

from __future__ import annotations

import asyncio

from server.core.settings import Settings
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, count_rows, new_uuid, put_audit

# One audit per assignment: each round races on its own assignment (the admin may file any).
ASSIGNMENTS = ("assignment_own", "assignment_other", "assignment_other_client")


async def test_identical_racing_puts_store_one_audit_and_both_succeed(
    api: Api, world: World, settings: Settings
) -> None:
    for assignment in ASSIGNMENTS:
        audit_uuid = new_uuid()
        body = audit_body(world.ids[assignment])

        responses = await asyncio.gather(
            put_audit(api, world.headers["admin"], audit_uuid, body),
            put_audit(api, world.headers["admin"], audit_uuid, body),
        )

        assert [200, 201] == sorted(response.status_code for response in responses)
        assert responses[0].json() == responses[1].json()
    assert 3 == await count_rows(settings, "audit")
    assert 3 == await count_rows(settings, "audit_revision")
    assert 6 == await count_rows(settings, "audit_answer")


async def test_different_racing_puts_one_wins_the_other_is_409(
    api: Api, world: World, settings: Settings
) -> None:
    for assignment in ASSIGNMENTS:
        audit_uuid = new_uuid()
        bodies = [
            audit_body(world.ids[assignment], greeted=True),
            audit_body(world.ids[assignment], greeted=False),
        ]

        responses = await asyncio.gather(
            *(put_audit(api, world.headers["admin"], audit_uuid, body) for body in bodies)
        )

        assert [201, 409] == sorted(response.status_code for response in responses)
        winner = next(r for r in responses if r.status_code == 201)
        stored = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", world.headers["admin"])
        assert winner.json()["score"] == stored["score"]
    assert 3 == await count_rows(settings, "audit")
    assert 6 == await count_rows(settings, "audit_answer")

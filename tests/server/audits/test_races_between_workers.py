"""Races between two server workers (two apps, each with its own connections) on one database.

The phone treats 409 as final, so only a real conflict may be a 409: identical PUTs racing
each other both succeed (201 and 200, or 200 and 200 for a revision), whichever worker wins;
a busy database is a 503 with Retry-After, never a 409. Both engines.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, count_rows, new_uuid, put_audit, set_status


@pytest.fixture
async def second_worker(api: Api, world: World, settings: Settings) -> AsyncIterator[Api]:
    """Another app on the same database, as a second `shopscore serve` worker would be.

    Started after the world is built: Piccolo binds its tables to the engine of the last app
    started, but every transaction and read of sync runs on the connections of the app that
    serves the request, as separate processes would.
    """
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)


async def test_racing_puts_on_two_workers_are_201_200_or_409_never_a_transient_409(
    api: Api, second_worker: Api, world: World, settings: Settings
) -> None:
    admin = world.headers["admin"]
    identical_uuids = []
    for assignment in ("assignment_own", "assignment_other"):
        audit_uuid = new_uuid()
        body = audit_body(world.ids[assignment])

        identical = await asyncio.gather(
            put_audit(api, admin, audit_uuid, body),
            put_audit(second_worker, admin, audit_uuid, body),
        )

        assert [200, 201] == sorted(r.status_code for r in identical), [r.text for r in identical]
        assert identical[0].json() == identical[1].json()
        identical_uuids.append(audit_uuid)

    other_client = world.ids["assignment_other_client"]
    audit_uuid = new_uuid()
    different = await asyncio.gather(
        put_audit(api, admin, audit_uuid, audit_body(other_client, greeted=True)),
        put_audit(second_worker, admin, audit_uuid, audit_body(other_client, greeted=False)),
    )
    assert [201, 409] == sorted(r.status_code for r in different)

    # The same corrected revision of a returned audit, sent to both workers at once.
    await set_status(settings, identical_uuids[0], "returned")
    corrected = audit_body(world.ids["assignment_own"], wait=30)
    revisions = await asyncio.gather(
        put_audit(api, admin, identical_uuids[0], corrected),
        put_audit(second_worker, admin, identical_uuids[0], corrected),
    )
    assert [200, 200] == [r.status_code for r in revisions], [r.text for r in revisions]
    assert [2, 2] == [r.json()["revision"] for r in revisions]

    assert 3 == await count_rows(settings, "audit")
    assert 4 == await count_rows(settings, "audit_revision")
    assert 6 == await count_rows(settings, "audit_answer")


@pytest.mark.parametrize("engine", ["sqlite"])  # PostgreSQL has row locks, not one write lock
async def test_a_write_lock_held_too_long_is_503_with_retry_after_and_nothing_stored(
    api: Api, world: World, settings: Settings
) -> None:
    """Another process holds SQLite's write lock past the busy timeout."""
    impatient = create_app(dataclasses.replace(settings, database_busy_timeout_ms=200))
    holder = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        async with AsyncTestClient(app=impatient) as client:
            response = await put_audit(
                Api(client, impatient),
                world.headers["admin"],
                new_uuid(),
                audit_body(world.ids["assignment_own"]),
            )
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert (503, "1") == (response.status_code, response.headers.get("retry-after"))
    assert 0 == await count_rows(settings, "audit")


async def test_a_token_revoked_on_one_worker_is_refused_by_the_other_at_once(
    api: Api, second_worker: Api, world: World
) -> None:
    """Callers are not cached: every request reads the token's state, in every worker."""
    auditor = world.headers["auditor"]
    assert 200 == (await api.call("GET", "/api/v1/sync", auditor)).status_code

    # Logout runs on the second worker: Piccolo's engine is bound to the last app started
    # (`/api/v1/sync` reads through each app's own connections, so both apps may serve it).
    assert 204 == (await second_worker.call("POST", "/api/v1/auth/logout", auditor)).status_code

    assert 401 == (await api.call("GET", "/api/v1/sync", auditor)).status_code
    assert 401 == (await second_worker.call("GET", "/api/v1/sync", auditor)).status_code

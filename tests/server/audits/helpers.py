"""Builders of audit bodies and photo uploads for the sync tests."""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
import uuid
from typing import Any

import asyncpg

from server.core.database import numbered_placeholders
from server.core.settings import Settings
from tests.server.api import Api


def audit_body(
    assignment_id: int,
    *,
    greeted: bool = True,
    wait: float = 75,
    photos: list[str] | None = None,
    location: dict[str, Any] | None = None,
    started_at: str = "2026-01-06T10:15:00+01:00",
    finished_at: str = "2026-01-06T10:41:30+01:00",
    sent_at: str | None = None,
    version: int = 1,
    key: str = "store-visit",
) -> dict[str, Any]:
    """A complete audit of `tests.server.api.sample_template` (docs/contract.md#sync-audits)."""
    body: dict[str, Any] = {
        "assignment_id": assignment_id,
        "template": {"key": key, "version": version},
        "started_at": started_at,
        "finished_at": finished_at,
        "location": location,
        "answers": [
            {"item": "greeted", "value": greeted, "na": False, "comment": "", "photos": []},
            {
                "item": "wait",
                "value": wait,
                "na": False,
                "comment": "two tills closed",
                "photos": photos or [],
            },
        ],
    }
    if sent_at is not None:
        body["sent_at"] = sent_at
    return body


def new_uuid() -> str:
    return str(uuid.uuid4())


async def put_audit(api: Api, headers: dict[str, str], audit_uuid: str, body: Any) -> Any:
    return await api.client.put(f"/api/v1/audits/{audit_uuid}", headers=headers, json=body)


async def put_photo(
    api: Api, headers: dict[str, str], photo_uuid: str, data: bytes, sha256: str | None = None
) -> Any:
    return await api.client.put(
        f"/api/v1/photos/{photo_uuid}",
        headers={
            **headers,
            "Content-Type": "image/jpeg",
            "X-Content-SHA256": sha256 or hashlib.sha256(data).hexdigest(),
        },
        content=data,
    )


async def sql(settings: Settings, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement on the test database from the test's own loop and connection.

    The app under test runs in the test client's own thread and loop, so the test reads and
    changes rows through a connection of its own.
    """
    if settings.is_sqlite:
        connection = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        try:
            return connection.execute(statement, params).fetchall()
        finally:
            connection.close()
    connection = await asyncpg.connect(settings.database_url)
    try:
        rows = await connection.fetch(numbered_placeholders(statement), *params)
        return [tuple(row) for row in rows]
    finally:
        await connection.close()


async def count_rows(settings: Settings, table: str) -> int:
    rows = await sql(settings, f"SELECT count(*) FROM {table}")
    return int(rows[0][0])


async def set_status(settings: Settings, audit_uuid: str, status: str) -> None:
    """Put an audit in a state directly (the review endpoints belong to another feature)."""
    now = datetime.datetime.now(datetime.UTC)
    await sql(
        settings,
        "UPDATE audit SET status = ?, updated_at = ? WHERE uuid = ?",
        status,
        now,
        uuid.UUID(audit_uuid),
    )

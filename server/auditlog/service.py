"""Writing and reading the audit log: who changed what, when, before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from server.access.caller import ADMIN, Caller
from server.auditlog.schemas import AuditLogEntryOut, AuditLogPage
from server.auditlog.tables import AuditLogEntry
from server.core.database import open_transaction
from server.core.pagination import decode_cursor, encode_cursor


def _to_json(record: Any) -> str | None:
    if record is None:
        return None
    return msgspec.json.encode(record).decode()


async def record(
    actor: Caller | None,
    action: str,
    entity: str,
    entity_id: object,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> None:
    """Add one entry, in the transaction that makes the change (`at`: when it was made, now if
    not given). The one place the audit log is written."""
    await open_transaction().insert(
        "audit_log",
        {
            "at": at or dt.datetime.now(dt.UTC),
            "actor": actor.user_id if actor else None,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": _to_json(before),
            "after": _to_json(after),
            "reason": reason,
        },
    )


async def list_entries(
    caller: Caller,
    cursor: str | None,
    limit: int,
    entity: str | None = None,
    entity_id: str | None = None,
) -> AuditLogPage:
    caller.require_role(ADMIN)
    query = AuditLogEntry.select().order_by(AuditLogEntry.id, ascending=False).limit(limit + 1)
    after_id = decode_cursor(cursor)
    if after_id is not None:
        query = query.where(AuditLogEntry.id < after_id)
    if entity:
        query = query.where(AuditLogEntry.entity == entity)
    if entity_id:
        query = query.where(AuditLogEntry.entity_id == entity_id)
    rows = await query
    items = [
        AuditLogEntryOut(
            id=row["id"],
            at=row["at"],
            actor_id=row["actor"],
            action=row["action"],
            entity=row["entity"],
            entity_id=row["entity_id"],
            before=msgspec.json.decode(row["before"]) if row["before"] else None,
            after=msgspec.json.decode(row["after"]) if row["after"] else None,
            reason=row["reason"],
        )
        for row in rows[:limit]
    ]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return AuditLogPage(items=items, next_cursor=next_cursor)

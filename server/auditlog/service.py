"""Writing and reading the audit log: who changed what, when, before and after; checking its
hash chain (docs/contract.md#audit-log, server/auditlog/chain.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from server.access.abilities import ADMINISTER, require
from server.access.caller import Caller
from server.auditlog import chain
from server.auditlog.schemas import AuditLogEntryOut, AuditLogPage
from server.auditlog.tables import AuditLogEntry
from server.core.database import Database, open_transaction
from server.core.pagination import decode_cursor, encode_cursor

# The chain's head: the last entry's sequence and hash (it moves with every recorded change).
HEAD = "SELECT sequence, entry_hash FROM audit_log ORDER BY sequence DESC LIMIT 1"


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
    not given), linked to the entry before it. The one place the audit log is written."""
    connection = open_transaction()
    # Until this transaction ends no other can read the same head and link to it too.
    await connection.lock(chain.APPEND_LOCK)
    head = await connection.fetch(HEAD)
    sequence, previous_hash = (
        (head[0]["sequence"] + 1, head[0]["entry_hash"]) if head else (1, chain.GENESIS)
    )
    when = at or dt.datetime.now(dt.UTC)
    entry = {
        "sequence": sequence,
        # Stored as the instant in UTC, which both engines give back as it is hashed.
        "at": when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC),
        "actor": actor.user_id if actor else None,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": _to_json(before),
        "after": _to_json(after),
        "reason": reason,
        "previous_hash": previous_hash,
    }
    entry["entry_hash"] = chain.entry_hash(entry)
    await connection.insert("audit_log", entry)


async def verify_log(database: Database, anchor: chain.Head | None = None) -> chain.Verification:
    """Check the whole chain in one snapshot: the first entry edited, inserted, deleted or
    reordered, or the number of entries and the head. `anchor`: an earlier head (from an
    earlier check or a backup manifest) the chain must still hold."""
    async with database.snapshot() as connection:
        return await chain.verify(connection.fetch, anchor)


async def list_entries(
    caller: Caller,
    cursor: str | None,
    limit: int,
    entity: str | None = None,
    entity_id: str | None = None,
) -> AuditLogPage:
    require(caller, ADMINISTER)
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

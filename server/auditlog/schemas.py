"""Wire shapes of the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from server.core.ids import Id


class AuditLogEntryOut(msgspec.Struct, kw_only=True):
    id: int
    at: dt.datetime
    actor_id: Id | None
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    reason: str


class AuditLogPage(msgspec.Struct, kw_only=True):
    items: list[AuditLogEntryOut]
    next_cursor: str | None

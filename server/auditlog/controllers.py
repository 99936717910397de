"""HTTP endpoints of the audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from server.auditlog import service
from server.auditlog.schemas import AuditLogPage
from server.core.dependencies import AuthenticatedCaller


class AuditLogController(Controller):
    path = "/api/v1/audit-log"
    tags = ("audit log",)

    @get("/")
    async def list_entries(
        self,
        caller: AuthenticatedCaller,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        entity: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
    ) -> AuditLogPage:
        return await service.list_entries(caller, cursor, limit, entity, entity_id)

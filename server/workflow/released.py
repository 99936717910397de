"""The client-facing view of released audits: scores, answers and photos, never the auditor.

Client users (and agency staff looking through their eyes) read released audits of their
scope here. The response structs have no auditor field at all and the queries never select
the auditor column, so shopper anonymity cannot be lost by a later change to a filter.
"""

from __future__ import annotations

import dataclasses
import json
import uuid as uuid_module
from typing import Any

from server.access.abilities import FOLLOW_UP, require
from server.access.caller import Caller
from server.access.scope import scope_of
from server.audits.tables import Audit
from server.core.errors import NotFound
from server.core.i18n import _
from server.core.pagination import decode_cursor, encode_cursor
from server.workflow.access import AUDIT_SCOPE, audit_pk, load_answers, percent_text
from server.workflow.rules import client_rules
from server.workflow.schemas import (
    ReleasedAnswer,
    ReleasedAudit,
    ReleasedAuditPage,
    ReleasedAuditSummary,
)
from shared.lifecycle import RELEASED_STATES, dispute_deadline

# Deliberately no Audit.auditor, Audit.assignment or anything joined from the user table.
RELEASED_COLUMNS = (
    audit_pk,
    Audit.uuid,
    Audit.status,
    Audit.client,
    Audit.outlet,
    Audit.outlet.region.as_alias("region"),
    Audit.wave,
    Audit.template_key,
    Audit.template_version,
    Audit.channel,
    Audit.started_at,
    Audit.released_at,
    Audit.score_percent,
    Audit.score_band,
    Audit.score_passed,
    Audit.critical_failure,
    Audit.score,
)


def _summary_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": uuid_module.UUID(str(row["uuid"])),
        "status": row["status"],
        "client_id": row["client"],
        "outlet_id": row["outlet"],
        "wave_id": row["wave"],
        "template_key": row["template_key"],
        "template_version": row["template_version"],
        "channel": row["channel"],
        "visited_at": row["started_at"],
        "released_at": row["released_at"],
        "percent": percent_text(row["score_percent"]),
        "band": row["score_band"],
        "passed": None if row["score_passed"] is None else bool(row["score_passed"]),
        "critical_failure": bool(row["critical_failure"]),
    }


@dataclasses.dataclass(frozen=True, slots=True)
class ReleasedAudits:
    def _filters(self, caller: Caller) -> list[Any]:
        require(caller, FOLLOW_UP)
        return [
            Audit.status.is_in(sorted(RELEASED_STATES)),
            *scope_of(caller).piccolo(AUDIT_SCOPE),
        ]

    async def list(
        self,
        caller: Caller,
        cursor: str | None,
        limit: int,
        outlet_id: int | None = None,
        wave_id: int | None = None,
    ) -> ReleasedAuditPage:
        """Newest release first; the cursor is the last audit row seen."""
        filters = self._filters(caller)
        if outlet_id is not None:
            filters.append(Audit.outlet == outlet_id)
        if wave_id is not None:
            filters.append(Audit.wave == wave_id)
        before = decode_cursor(cursor)
        if before is not None:
            filters.append(audit_pk < before)
        rows = (
            await Audit.select(*RELEASED_COLUMNS)
            .where(*filters)
            .order_by(audit_pk, ascending=False)
            .limit(limit + 1)
        )
        items = [ReleasedAuditSummary(**_summary_fields(row)) for row in rows[:limit]]
        next_cursor = encode_cursor(rows[limit - 1]["id"]) if len(rows) > limit else None
        return ReleasedAuditPage(items=items, next_cursor=next_cursor)

    async def get(self, caller: Caller, audit_uuid: uuid_module.UUID) -> ReleasedAudit:
        filters = self._filters(caller)
        row = (
            await Audit.select(*RELEASED_COLUMNS).where(Audit.uuid == audit_uuid, *filters).first()
        )
        if row is None:
            raise NotFound(_("There is no such audit."))
        card = json.loads(row["score"] or "{}")
        rules = await client_rules(row["client"])
        return ReleasedAudit(
            **_summary_fields(row),
            sections=dict(card.get("sections", {})),
            failed=list(card.get("failed", [])),
            critical_failures=list(card.get("critical_failures", [])),
            answers=[ReleasedAnswer(**answer) for answer in await load_answers(row["id"])],
            dispute_deadline=dispute_deadline(row["released_at"], rules.dispute_window),
        )

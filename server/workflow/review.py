"""Review: the reviewer's queue, approve (release to the client) and return to the auditor.

Approving is one transaction: the audit's status and `released_at`, the assignment's status
(so the phone hears of it at its next sync), the score rollup, the automatic corrective
actions and the audit-log entry all commit together or not at all. A return stores the notes
per item against the revision being returned; the phone reads them through sync.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from typing import Any

from piccolo.custom_types import Combinable

from server.access.caller import ADMIN, REVIEWER, Caller
from server.access.scope import scope_of
from server.auditlog import service as auditlog
from server.auditlog.tables import AuditLogEntry
from server.audits.tables import Audit
from server.core.clock import utc_now
from server.core.database import Database
from server.core.errors import BadRequest, Invalid
from server.core.i18n import _
from server.waves.tables import Assignment
from server.workflow.access import (
    AUDIT_SCOPE,
    audit_pk,
    change_status,
    load_answers,
    load_audit,
    load_template,
    percent_text,
    require_action_role,
    take_step,
)
from server.workflow.corrective import create_automatic
from server.workflow.rollup import write_rollup
from server.workflow.schemas import (
    ApproveRequest,
    AuditorRef,
    Flag,
    History,
    HistoryEntry,
    OutletRef,
    QueueEntry,
    QueuePage,
    ReturnNoteOut,
    ReturnRequest,
    ReviewOutcome,
)
from server.workflow.tables import CorrectiveAction, Dispute, ReturnNote
from shared.lifecycle import AUDIT_TRANSITIONS, SUBMITTED, transition
from shared.scoring import score

MAX_NOTE = 2000
MAX_NOTES = 200


def encode_queue_cursor(received_at: dt.datetime, audit_id: int) -> str:
    text = f"{received_at.isoformat()}|{audit_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_queue_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, audit_id = text.rsplit("|", 1)
        received_at = dt.datetime.fromisoformat(moment)
        if received_at.tzinfo is None:
            raise ValueError(moment)
        return received_at, int(audit_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadRequest(_("The cursor is not one this server gave out.")) from error


QUEUE_COLUMNS = (
    audit_pk,
    Audit.uuid,
    Audit.revision,
    Audit.status,
    Audit.assignment,
    Audit.client,
    Audit.wave,
    Audit.outlet,
    Audit.outlet.code.as_alias("outlet_code"),
    Audit.outlet.name.as_alias("outlet_name"),
    Audit.auditor,
    Audit.auditor.name.as_alias("auditor_name"),
    Audit.template_key,
    Audit.template_version,
    Audit.channel,
    Audit.started_at,
    Audit.finished_at,
    Audit.received_at,
    Audit.score_percent,
    Audit.score_band,
    Audit.score_passed,
    Audit.critical_failure,
    Audit.flags,
)


def _queue_entry(row: dict[str, Any]) -> QueueEntry:
    return QueueEntry(
        uuid=uuid_module.UUID(str(row["uuid"])),
        revision=row["revision"],
        status=row["status"],
        assignment_id=row["assignment"],
        client_id=row["client"],
        wave_id=row["wave"],
        outlet=OutletRef(id=row["outlet"], code=row["outlet_code"], name=row["outlet_name"]),
        auditor=AuditorRef(id=row["auditor"], name=row["auditor_name"]),
        template_key=row["template_key"],
        template_version=row["template_version"],
        channel=row["channel"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        received_at=row["received_at"],
        percent=percent_text(row["score_percent"]),
        band=row["score_band"],
        passed=None if row["score_passed"] is None else bool(row["score_passed"]),
        critical_failure=bool(row["critical_failure"]),
        flags=[
            Flag(code=flag["code"], detail=flag.get("detail", {}))
            for flag in json.loads(row["flags"] or "[]")
        ],
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewService:
    database: Database

    async def queue(
        self, caller: Caller, cursor: str | None, limit: int, client_id: int | None = None
    ) -> QueuePage:
        """Submitted audits of the caller's clients, oldest first, with proof-of-visit flags."""
        caller.require_role(ADMIN, REVIEWER)
        filters: list[Any] = [
            Audit.status == SUBMITTED,
            *scope_of(caller).piccolo(AUDIT_SCOPE),
        ]
        if client_id is not None:
            filters.append(Audit.client == client_id)
        after = decode_queue_cursor(cursor)
        if after is not None:
            moment, audit_id = after
            filters.append(
                (Audit.received_at > moment)
                | ((Audit.received_at == moment) & (audit_pk > audit_id))
            )
        rows = (
            await Audit.select(*QUEUE_COLUMNS)
            .where(*filters)
            .order_by(Audit.received_at)
            .order_by(audit_pk)
            .limit(limit + 1)
        )
        items = [_queue_entry(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_queue_cursor(last["received_at"], last["id"])
        return QueuePage(items=items, next_cursor=next_cursor)

    async def approve(
        self, caller: Caller, audit_uuid: uuid_module.UUID, data: ApproveRequest
    ) -> ReviewOutcome:
        require_action_role(caller, AUDIT_TRANSITIONS, "approve")
        async with self.database.transaction():
            audit = await load_audit(caller, audit_uuid)
            new_status = take_step(
                AUDIT_TRANSITIONS, transition, audit.status, "approve", caller.role
            )
            template = await load_template(audit.template_id)
            answers = await load_answers(audit.id)
            card = score(template, answers)
            now = utc_now()
            await change_status(audit, new_status, now, released_at=now)
            await set_assignment_status(audit.assignment_id, new_status, now)
            await auditlog.record(
                caller,
                "approve",
                "audit",
                audit.uuid,
                before={"status": audit.status, "revision": audit.revision},
                after={"status": new_status, "revision": audit.revision},
                reason=data.note,
            )
            await write_rollup(audit, template, card, answers, now)
            action_ids = await create_automatic(audit, template, card, now)
        return ReviewOutcome(
            uuid=audit.uuid,
            status=new_status,
            revision=audit.revision,
            released_at=now,
            corrective_action_ids=action_ids,
        )

    async def return_to_auditor(
        self, caller: Caller, audit_uuid: uuid_module.UUID, data: ReturnRequest
    ) -> ReviewOutcome:
        require_action_role(caller, AUDIT_TRANSITIONS, "return")
        async with self.database.transaction():
            audit = await load_audit(caller, audit_uuid)
            new_status = take_step(
                AUDIT_TRANSITIONS, transition, audit.status, "return", caller.role
            )
            template = await load_template(audit.template_id)
            _check_notes(data, {item.key for item in template.items()})
            now = utc_now()
            await change_status(audit, new_status, now)
            await set_assignment_status(audit.assignment_id, new_status, now)
            await ReturnNote.insert(
                *[
                    ReturnNote(
                        audit_uuid=audit.uuid,
                        revision=audit.revision,
                        item=note.item,
                        note=note.note,
                        author=caller.user_id,
                        created_at=now,
                    )
                    for note in data.notes
                ]
            )
            await auditlog.record(
                caller,
                "return",
                "audit",
                audit.uuid,
                before={"status": audit.status, "revision": audit.revision},
                after={"status": new_status, "revision": audit.revision},
                reason="; ".join(
                    f"{note.item}: {note.note}" if note.item else note.note for note in data.notes
                ),
            )
        return ReviewOutcome(
            uuid=audit.uuid,
            status=new_status,
            revision=audit.revision,
            released_at=None,
            return_notes=[ReturnNoteOut(item=note.item, note=note.note) for note in data.notes],
        )

    async def history(self, caller: Caller, audit_uuid: uuid_module.UUID) -> History:
        """Every logged state change of the audit, its disputes and corrective actions."""
        caller.require_role(ADMIN, REVIEWER)
        audit = await load_audit(caller, audit_uuid)
        dispute_ids = [
            str(row["id"])
            for row in await Dispute.select(Dispute.id).where(Dispute.audit_uuid == audit.uuid)
        ]
        action_ids = [
            str(row["id"])
            for row in await CorrectiveAction.select(CorrectiveAction.id).where(
                CorrectiveAction.audit_uuid == audit.uuid
            )
        ]
        condition: Combinable = (AuditLogEntry.entity == "audit") & (
            AuditLogEntry.entity_id == str(audit.uuid)
        )
        if dispute_ids:
            condition = condition | (
                (AuditLogEntry.entity == "dispute") & AuditLogEntry.entity_id.is_in(dispute_ids)
            )
        if action_ids:
            condition = condition | (
                (AuditLogEntry.entity == "corrective_action")
                & AuditLogEntry.entity_id.is_in(action_ids)
            )
        rows = (
            await AuditLogEntry.select(
                *AuditLogEntry.all_columns(), AuditLogEntry.actor.name.as_alias("actor_name")
            )
            .where(condition)
            .order_by(AuditLogEntry.id)
        )
        return History(items=[_history_entry(row) for row in rows])


async def set_assignment_status(assignment_id: int, status: str, now: dt.datetime) -> None:
    """Bump the assignment too: its `updated_at` is what the phone's sync cursor follows."""
    await Assignment.update({Assignment.status: status, Assignment.updated_at: now}).where(
        Assignment.id == assignment_id
    )


def _status_of(recorded: str | None) -> str | None:
    if not recorded:
        return None
    value = json.loads(recorded)
    return value.get("status") if isinstance(value, dict) else None


def _history_entry(row: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        at=row["at"],
        actor_id=row["actor"],
        actor_name=row["actor_name"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        from_status=_status_of(row["before"]),
        to_status=_status_of(row["after"]),
        reason=row["reason"],
    )


def _check_notes(data: ReturnRequest, item_keys: set[str]) -> None:
    problems: list[dict[str, Any]] = []
    if not data.notes or len(data.notes) > MAX_NOTES:
        problems.append(
            {
                "item": "notes",
                "code": "required",
                "message": _("give between 1 and {most} notes").format(most=MAX_NOTES),
            }
        )
    for note in data.notes:
        if note.item is not None and note.item not in item_keys:
            problems.append(
                {
                    "item": note.item,
                    "code": "unknown_item",
                    "message": _("no such item in the checklist"),
                }
            )
        if not note.note.strip() or len(note.note) > MAX_NOTE:
            problems.append(
                {
                    "item": note.item,
                    "code": "invalid_note",
                    "message": _("a note has between 1 and {most} characters").format(
                        most=MAX_NOTE
                    ),
                }
            )
    if problems:
        raise Invalid(_("The return notes are not valid."), problems)

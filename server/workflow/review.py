"""Review: the reviewer's queue, approve (release to the client) and return to the auditor.

Approving is one transaction: the audit's status and `released_at`, the assignment's status
(so the phone hears of it at its next sync), the score rollup, the automatic corrective
actions and the audit-log entry all commit together or not at all. A return stores the notes
per item against the revision being returned; the phone reads them through sync.

The queue shows each visit's trust score and reasons, oldest first or lowest trust first. An
audit below its client's trust threshold is held: approving it needs a written reason, kept in
the audit log. A client may let trusted audits through: `release_if_trusted` releases, as the
system, an audit at or above the threshold with no flag once all its photos are in
(docs/contract.md#trust).
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

from server.access.abilities import REVIEW, require, require_step
from server.access.caller import ADMIN, Caller
from server.access.scope import scope_of
from server.auditlog import service as auditlog
from server.auditlog.tables import AuditLogEntry
from server.audits import trust as visit_trust
from server.audits.tables import Audit
from server.core.clock import utc_now
from server.core.database import Database
from server.core.errors import BadRequest, Conflict, Invalid
from server.core.i18n import _
from server.waves.tables import Assignment
from server.workflow.access import (
    AUDIT_COLUMNS,
    AUDIT_SCOPE,
    AuditRecord,
    audit_pk,
    change_status,
    load_answers,
    load_audit,
    load_template,
    percent_text,
    record_from_row,
    take_step,
)
from server.workflow.corrective import create_automatic
from server.workflow.rollup import write_rollup
from server.workflow.rules import client_rules, trust_thresholds
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
from shared.scoring import ScoreCard, score

MAX_NOTE = 2000
MAX_NOTES = 200
# The queue's orders: oldest first (the default) or lowest trust first, then oldest.
SORTS = ("received", "trust")


def encode_queue_cursor(received_at: dt.datetime, audit_id: int, trust: int | None = None) -> str:
    """The position after an entry: its receipt time and id, and its trust when sorted by it."""
    text = f"{received_at.isoformat()}|{audit_id}"
    if trust is not None:
        text = f"{trust}|{text}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_queue_cursor(
    cursor: str | None, by_trust: bool = False
) -> tuple[dt.datetime, int, int] | None:
    """(receipt time, id, trust) of a cursor of this order (trust 0 when not sorted by it)."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        trust = 0
        if by_trust:
            trust_text, text = text.split("|", 1)
            trust = int(trust_text)
        moment, audit_id = text.rsplit("|", 1)
        received_at = dt.datetime.fromisoformat(moment)
        if received_at.tzinfo is None:
            raise ValueError(moment)
        return received_at, int(audit_id), trust
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
    Audit.trust,
    Audit.trust_reasons,
)


def _queue_entry(row: dict[str, Any], language: str, thresholds: dict[int, int]) -> QueueEntry:
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
        trust=visit_trust.trust_out(visit_trust.from_json(row["trust_reasons"]), language),
        held=row["client"] in thresholds and row["trust"] < thresholds[row["client"]],
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewService:
    database: Database

    async def queue(
        self,
        caller: Caller,
        cursor: str | None,
        limit: int,
        client_id: int | None = None,
        sort: str = "received",
        language: str | None = None,
    ) -> QueuePage:
        """Submitted audits of the caller's clients with proof-of-visit flags and trust, oldest
        first or (`sort="trust"`) lowest trust first; reasons in `language` (the caller's)."""
        require(caller, REVIEW)
        if sort not in SORTS:
            raise BadRequest(_("Sort the queue by received or trust."))
        by_trust = sort == "trust"
        filters: list[Any] = [
            Audit.status == SUBMITTED,
            *scope_of(caller).piccolo(AUDIT_SCOPE),
        ]
        if client_id is not None:
            filters.append(Audit.client == client_id)
        after = decode_queue_cursor(cursor, by_trust)
        if after is not None:
            moment, audit_id, trust = after
            later = (Audit.received_at > moment) | (
                (Audit.received_at == moment) & (audit_pk > audit_id)
            )
            filters.append(
                ((Audit.trust > trust) | ((Audit.trust == trust) & later)) if by_trust else later
            )
        query = Audit.select(*QUEUE_COLUMNS).where(*filters)
        if by_trust:
            query = query.order_by(Audit.trust)
        rows = await query.order_by(Audit.received_at).order_by(audit_pk).limit(limit + 1)
        thresholds = await trust_thresholds(sorted({row["client"] for row in rows}))
        shown_in = language or caller.language
        items = [_queue_entry(row, shown_in, thresholds) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_queue_cursor(
                last["received_at"], last["id"], last["trust"] if by_trust else None
            )
        return QueuePage(items=items, next_cursor=next_cursor)

    async def approve(
        self, caller: Caller, audit_uuid: uuid_module.UUID, data: ApproveRequest
    ) -> ReviewOutcome:
        require_step(caller, AUDIT_TRANSITIONS, "approve")
        async with self.database.transaction():
            audit = await load_audit(caller, audit_uuid)
            new_status = take_step(
                AUDIT_TRANSITIONS, transition, audit.status, "approve", caller.role
            )
            await _check_hold(audit.id, audit.client_id, data.note)
            now = utc_now()
            action_ids = await _release(caller, audit, new_status, now, data.note)
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
        require_step(caller, AUDIT_TRANSITIONS, "return")
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
        require(caller, REVIEW)
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


async def _release(
    caller: Caller | None, audit: AuditRecord, new_status: str, now: dt.datetime, note: str
) -> list[int]:
    """Release the audit (its caller's transaction): score again, status, assignment, log,
    rollup and corrective actions; the ids of the actions created. `caller` None: the system."""
    template = await load_template(audit.template_id)
    answers = await load_answers(audit.id)
    card: ScoreCard = score(template, answers)
    await change_status(audit, new_status, now, released_at=now)
    await set_assignment_status(audit.assignment_id, new_status, now)
    await auditlog.record(
        caller,
        "approve",
        "audit",
        audit.uuid,
        before={"status": audit.status, "revision": audit.revision},
        after={"status": new_status, "revision": audit.revision},
        reason=note,
    )
    await write_rollup(audit, template, card, answers, now)
    return await create_automatic(audit, card, now)


async def _check_hold(audit_id: int, client_id: int, note: str) -> None:
    """A held audit (trust below its client's threshold) is released only with a reason."""
    rules = await client_rules(client_id)
    if rules.trust_threshold is None or note.strip():
        return
    row = await Audit.select(Audit.trust).where(audit_pk == audit_id).first()
    if row is not None and rules.holds(row["trust"]):
        raise Invalid(
            _("This audit is held for its low trust score."),
            [
                {
                    "item": "note",
                    "code": "reason_required",
                    "message": _(
                        "Its trust score {trust} is below the client's threshold {threshold}: "
                        "say why you release it."
                    ).format(trust=row["trust"], threshold=rules.trust_threshold),
                }
            ],
        )


# An audit naming a photo the server has not received yet is not released by the system: the
# photo may still lower its trust.
_MISSING_PHOTOS = (
    "SELECT COUNT(*) AS missing FROM audit_photo ap LEFT JOIN photo p ON p.uuid = ap.photo_uuid "
    "WHERE ap.audit = ? AND p.id IS NULL"
)


async def release_if_trusted(database: Database, audit_uuid: uuid_module.UUID) -> bool:
    """Release a submitted audit as the system when its client lets trusted audits through:
    trust at or above the threshold, no proof-of-visit flag, every photo it names received.
    True when released; an audit a reviewer moved meanwhile is left as they left it."""
    try:
        async with database.transaction() as connection:
            row = (
                await Audit.select(*AUDIT_COLUMNS, Audit.trust, Audit.flags)
                .where(Audit.uuid == audit_uuid)
                .first()
            )
            if row is None or row["status"] != SUBMITTED or json.loads(row["flags"] or "[]"):
                return False
            rules = await client_rules(row["client"])
            if not rules.auto_release or rules.trust_threshold is None or rules.holds(row["trust"]):
                return False
            if (await connection.fetch(_MISSING_PHOTOS, row["id"]))[0]["missing"]:
                return False
            audit = record_from_row(row)
            new_status = transition(audit.status, "approve", ADMIN)
            note = (
                f"released automatically: trust {row['trust']}, threshold {rules.trust_threshold}"
            )
            await _release(None, audit, new_status, utc_now(), note)
    except Conflict:
        return False
    return True


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

"""Disputes (docs/contract.md#disputes): an outlet manager objects to items of a released audit.

Who raises: `shared.lifecycle` lets the outlet manager (and an admin acting for the client)
dispute; head office and regional managers read disputes and outcomes but do not raise them
(docs/contract.md#roles gives "raise disputes" to the outlet manager only). A dispute names
one item, within the client's window after release (default 7 days, both ends inclusive). A
reviewer of the client upholds it (the answer is corrected, the audit re-scored with
`shared.scoring`, the rollup rewritten and new critical failures get corrective actions, all in
one transaction) or rejects it; either way with a reply the manager reads. The audit is
`disputed` while any of its disputes is open and `approved` again when the last one is resolved.
"""

from __future__ import annotations

import dataclasses
import json
import uuid as uuid_module
from decimal import Decimal
from typing import Any

from server.access.abilities import FOLLOW_UP, require, require_step
from server.access.caller import Caller
from server.access.scope import Columns, scope_of
from server.auditlog import service as auditlog
from server.audits.tables import Audit, AuditAnswer
from server.core.clock import utc_now
from server.core.database import Database, UniqueViolation
from server.core.errors import Conflict, Invalid, NotFound
from server.core.i18n import _
from server.core.pagination import id_page
from server.workflow.access import (
    AuditRecord,
    change_status,
    check_photo_reference,
    load_answers,
    load_audit,
    load_template,
    take_step,
)
from server.workflow.corrective import cancel_corrected, create_automatic
from server.workflow.rollup import write_rollup
from server.workflow.rules import client_rules
from server.workflow.schemas import (
    Dispute,
    DisputeCreate,
    DisputePage,
    DisputeReject,
    DisputeUphold,
)
from server.workflow.tables import Dispute as DisputeTable
from shared.answers import Answer
from shared.checklist import Template
from shared.errors import AnswerError
from shared.lifecycle import (
    AUDIT_TRANSITIONS,
    DISPUTE_TRANSITIONS,
    OPEN,
    dispute_deadline,
    dispute_transition,
    dispute_window_open,
    transition,
)
from shared.scoring import ScoreCard, score
from shared.validation import validate

MAX_TEXT = 4000


def _json_or_none(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))


def _dispute_from_row(row: dict[str, Any]) -> Dispute:
    return Dispute(
        id=row["id"],
        audit_uuid=uuid_module.UUID(str(row["audit_uuid"])),
        outlet_id=row["outlet"],
        item=row["item"],
        reason=row["reason"],
        photo_uuid=None if row["photo_uuid"] is None else uuid_module.UUID(str(row["photo_uuid"])),
        status=row["status"],
        raised_at=row["raised_at"],
        reply=row["reply"],
        resolved_at=row["resolved_at"],
        original_answer=_json_or_none(row["original_answer"]),
        corrected_answer=_json_or_none(row["corrected_answer"]),
    )


def _check_text(field: str, text: str) -> None:
    if not text.strip() or len(text) > MAX_TEXT:
        raise Invalid(
            _("The text is empty or too long."),
            [
                {
                    "item": field,
                    "code": "invalid_text",
                    "message": _("give between 1 and {most} characters").format(most=MAX_TEXT),
                }
            ],
        )


@dataclasses.dataclass(frozen=True, slots=True)
class DisputeService:
    database: Database

    async def raise_dispute(self, caller: Caller, data: DisputeCreate) -> Dispute:
        require_step(caller, AUDIT_TRANSITIONS, "dispute")
        _check_text("reason", data.reason)
        async with self.database.transaction():
            audit = await load_audit(caller, data.audit_uuid)
            new_status = take_step(
                AUDIT_TRANSITIONS, transition, audit.status, "dispute", caller.role
            )
            await check_photo_reference(caller, data.photo_uuid, audit.uuid)
            now = utc_now()
            rules = await client_rules(audit.client_id)
            assert audit.released_at is not None  # a released state always has it
            if not dispute_window_open(audit.released_at, now, rules.dispute_window):
                deadline = dispute_deadline(audit.released_at, rules.dispute_window)
                raise Conflict(
                    _("The dispute window closed at {deadline}.").format(
                        deadline=deadline.isoformat()
                    )
                )
            template = await load_template(audit.template_id)
            if not template.has_item(data.item):
                raise Invalid(
                    _("The audit's checklist has no such item."),
                    [{"item": data.item, "code": "unknown_item", "message": _("no such item")}],
                )
            if await DisputeTable.exists().where(
                DisputeTable.audit_uuid == audit.uuid,
                DisputeTable.item == data.item,
                DisputeTable.status == OPEN,
            ):
                raise Conflict(_("This item already has an open dispute."))
            original = next(
                (a for a in await load_answers(audit.id) if a["item"] == data.item), None
            )
            try:
                rows = await DisputeTable.insert(
                    DisputeTable(
                        audit_uuid=audit.uuid,
                        outlet=audit.outlet_id,
                        item=data.item,
                        reason=data.reason,
                        photo_uuid=data.photo_uuid,
                        raised_by=caller.user_id,
                        raised_at=now,
                        status=OPEN,
                        original_answer=None if original is None else json.dumps(original),
                    )
                )
            except UniqueViolation as error:
                raise Conflict(_("This item already has an open dispute.")) from error
            dispute_id = int(rows[0]["id"])
            await auditlog.record(
                caller,
                "raise",
                "dispute",
                dispute_id,
                after={"status": OPEN, "audit_uuid": str(audit.uuid), "item": data.item},
                reason=data.reason,
            )
            if new_status != audit.status:
                await change_status(audit, new_status, now)
                await auditlog.record(
                    caller,
                    "dispute",
                    "audit",
                    audit.uuid,
                    before={"status": audit.status, "revision": audit.revision},
                    after={"status": new_status, "revision": audit.revision},
                    reason=data.reason,
                )
        return await self.get(caller, dispute_id)

    async def uphold(self, caller: Caller, dispute_id: int, data: DisputeUphold) -> Dispute:
        return await self._resolve(caller, dispute_id, "uphold", data.reply, data)

    async def reject(self, caller: Caller, dispute_id: int, data: DisputeReject) -> Dispute:
        return await self._resolve(caller, dispute_id, "reject", data.reply, None)

    async def _resolve(
        self,
        caller: Caller,
        dispute_id: int,
        action: str,
        reply: str,
        correction: DisputeUphold | None,
    ) -> Dispute:
        require_step(caller, DISPUTE_TRANSITIONS, action)
        _check_text("reply", reply)
        async with self.database.transaction():
            row = await self.load_row(caller, dispute_id)
            audit = await load_audit(caller, uuid_module.UUID(str(row["audit_uuid"])))
            new_state = take_step(
                DISPUTE_TRANSITIONS, dispute_transition, row["status"], action, caller.role
            )
            now = utc_now()
            corrected_json = None
            card: ScoreCard | None = None
            if correction is not None:
                corrected, card = await _correct_answer(audit, row["item"], correction)
                corrected_json = json.dumps(corrected)
            changed = (
                await DisputeTable.update(
                    {
                        DisputeTable.status: new_state,
                        DisputeTable.reply: reply,
                        DisputeTable.corrected_answer: corrected_json,
                        DisputeTable.resolved_by: caller.user_id,
                        DisputeTable.resolved_at: now,
                    }
                )
                .where(DisputeTable.id == dispute_id, DisputeTable.status == OPEN)
                .returning(DisputeTable.id)
            )
            if not changed:
                raise Conflict(_("Someone resolved this dispute first; reload it."))
            await auditlog.record(
                caller,
                action,
                "dispute",
                dispute_id,
                before={"status": row["status"]},
                after={"status": new_state, "answer": json.loads(corrected_json or "null")},
                reason=reply,
            )
            if card is not None:
                await cancel_corrected(caller, audit, card, dispute_id)
            still_open = await DisputeTable.exists().where(
                DisputeTable.audit_uuid == audit.uuid, DisputeTable.status == OPEN
            )
            if not still_open:
                audit_status = take_step(
                    AUDIT_TRANSITIONS, transition, audit.status, action, caller.role
                )
                await change_status(audit, audit_status, now)
                await auditlog.record(
                    caller,
                    action,
                    "audit",
                    audit.uuid,
                    before={"status": audit.status, "revision": audit.revision},
                    after={"status": audit_status, "revision": audit.revision},
                    reason=reply,
                )
        return await self.get(caller, dispute_id)

    async def load_row(self, caller: Caller, dispute_id: int) -> dict[str, Any]:
        require(caller, FOLLOW_UP)
        row = await DisputeTable.select().where(DisputeTable.id == dispute_id).first()
        if row is None:
            raise NotFound(_("There is no such dispute."))
        try:
            await load_audit(caller, uuid_module.UUID(str(row["audit_uuid"])))
        except NotFound as error:
            raise NotFound(_("There is no such dispute.")) from error
        return row

    async def get(self, caller: Caller, dispute_id: int) -> Dispute:
        return _dispute_from_row(await self.load_row(caller, dispute_id))

    async def list(
        self,
        caller: Caller,
        cursor: str | None,
        limit: int,
        audit_uuid: uuid_module.UUID | None = None,
        status: str | None = None,
    ) -> DisputePage:
        require(caller, FOLLOW_UP)
        filters: list[Any] = scope_of(caller).piccolo(
            Columns(
                client=DisputeTable.outlet.client,
                region=DisputeTable.outlet.region,
                outlet=DisputeTable.outlet,
            )
        )
        if audit_uuid is not None:
            filters.append(DisputeTable.audit_uuid == audit_uuid)
        if status is not None:
            filters.append(DisputeTable.status == status)
        rows, next_cursor = await id_page(
            DisputeTable.select(), DisputeTable.id, filters, cursor, limit
        )
        return DisputePage(items=[_dispute_from_row(row) for row in rows], next_cursor=next_cursor)


async def _correct_answer(
    audit: AuditRecord, item_key: str, correction: DisputeUphold
) -> tuple[dict[str, Any], ScoreCard]:
    """Replace the item's answer, re-score the audit and rewrite its rollup.

    Returns the new answer and the audit's new score card.
    """
    template = await load_template(audit.template_id)
    answers = await load_answers(audit.id)
    original = next((answer for answer in answers if answer["item"] == item_key), None)
    corrected = {
        "item": item_key,
        "value": None if correction.answer.na else correction.answer.value,
        "na": correction.answer.na,
        "comment": (
            correction.answer.comment
            if correction.answer.comment is not None
            else (original or {}).get("comment", "")
        ),
        "photos": (original or {}).get("photos", []),
    }
    try:
        Answer.from_dict(corrected)
    except AnswerError as error:
        raise Invalid(
            _("The corrected answer is not valid."),
            [{"item": item_key, "code": "invalid_answer", "message": error.reason}],
        ) from error
    new_answers = [a for a in answers if a["item"] != item_key] + [corrected]
    problems = [p for p in validate(template, new_answers) if p.item == item_key]
    if problems:
        raise Invalid(
            _("The corrected answer is not valid."),
            [{"item": p.item, "code": p.code, "message": p.message} for p in problems],
        )
    await _store_answer(audit, template, corrected, exists=original is not None)
    card = score(template, new_answers)
    await Audit.update(
        {
            Audit.score_percent: None if card.percent is None else Decimal(card.percent),
            Audit.score_band: card.band,
            Audit.score_passed: card.passed,
            Audit.critical_failure: bool(card.critical_failures),
            Audit.score: json.dumps(card.to_dict()),
        }
    ).where(Audit.uuid == audit.uuid)
    now = utc_now()
    assert audit.released_at is not None  # disputes exist only on released audits
    await write_rollup(audit, template, card, new_answers, audit.released_at, rescored_at=now)
    await create_automatic(audit, card, now)
    return corrected, card


async def _store_answer(
    audit: AuditRecord, template: Template, answer: dict[str, Any], exists: bool
) -> None:
    value = None if answer["value"] is None else json.dumps(answer["value"])
    if exists:
        await AuditAnswer.update(
            {
                AuditAnswer.value: value,
                AuditAnswer.na: answer["na"],
                AuditAnswer.comment: answer["comment"],
            }
        ).where(AuditAnswer.audit == audit.id, AuditAnswer.item == answer["item"])
        return
    await AuditAnswer.insert(
        AuditAnswer(
            audit=audit.id,
            item=answer["item"],
            position=template.position(answer["item"]),
            value=value,
            na=answer["na"],
            comment=answer["comment"],
            photos=json.dumps(answer["photos"]),
        )
    )

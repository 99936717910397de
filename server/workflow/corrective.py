"""Corrective actions: what a client must fix after a failed item, and proof that it did.

The system creates one for every critical failure when an audit is released (or when an
upheld dispute turns up a new one), in that same transaction; managers create them for any
failed item of a released audit in their scope. Owner is a client user whose scope covers the
outlet; status follows `shared.lifecycle.CORRECTIVE_TRANSITIONS` (open -> done -> verified,
or back to open); every step and comment is logged.

`cancelled` is a status only the system sets: when an upheld dispute corrects the answer that
was a critical failure, the automatic action created for it is no longer owed (unless it was
already verified). No step leads out of it, except the system's own reopening should a later
correction make the item a critical failure again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from typing import Any

import msgspec

from server.access.abilities import FOLLOW_UP, PLAN_CORRECTIVE_ACTIONS, require, require_step
from server.access.caller import (
    CLIENT_ROLES,
    HEAD_OFFICE,
    OUTLET_MANAGER,
    REGIONAL_MANAGER,
    Caller,
)
from server.access.scope import Columns, Record, can_see, scope_of
from server.auditlog import service as auditlog
from server.audits.tables import Audit
from server.core.clock import utc_now
from server.core.database import Database, UniqueViolation
from server.core.errors import Conflict, Invalid, NotFound
from server.core.i18n import _
from server.core.pagination import id_page
from server.users.tables import User, UserOutlet, UserRegion
from server.workflow.access import (
    AuditRecord,
    check_photo_reference,
    load_audit,
    take_step,
)
from server.workflow.rules import client_rules
from server.workflow.schemas import (
    Comment,
    CommentCreate,
    CorrectiveAction,
    CorrectiveActionCreate,
    CorrectiveActionPage,
    CorrectiveActionUpdate,
    CorrectiveStep,
)
from server.workflow.tables import CorrectiveAction as ActionTable
from server.workflow.tables import CorrectiveComment
from shared.lifecycle import (
    CANCELLED,
    CORRECTIVE_TRANSITIONS,
    DONE,
    OPEN,
    corrective_transition,
)
from shared.scoring import ScoreCard

MAX_TEXT = 4000

ACTION_COLUMNS = (
    *ActionTable.all_columns(),
    ActionTable.outlet.client.as_alias("outlet_client"),
    ActionTable.outlet.region.as_alias("outlet_region"),
)


def _uuid(value: Any) -> uuid_module.UUID | None:
    return None if value is None else uuid_module.UUID(str(value))


def _action_from_row(
    row: dict[str, Any], comments: list[Comment] | None = None
) -> CorrectiveAction:
    return CorrectiveAction(
        id=row["id"],
        audit_uuid=uuid_module.UUID(str(row["audit_uuid"])),
        outlet_id=row["outlet"],
        item=row["item"],
        description=row["description"],
        critical=bool(row["critical"]),
        automatic=row["created_by"] is None,
        owner_id=row["owner"],
        due_on=row["due_on"],
        status=row["status"],
        evidence_photo_uuid=_uuid(row["evidence_photo_uuid"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        comments=comments or [],
    )


def _check_text(field: str, text: str, required: bool) -> None:
    if (required and not text.strip()) or len(text) > MAX_TEXT:
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


async def default_owner(outlet_id: int) -> int | None:
    """The outlet's first active outlet manager, who owns automatic actions by default."""
    row = (
        await UserOutlet.select(UserOutlet.user)
        .where(
            UserOutlet.outlet == outlet_id,
            UserOutlet.user.role == OUTLET_MANAGER,
            UserOutlet.user.active == True,  # noqa: E712 (a Piccolo expression, not a comparison)
        )
        .order_by(UserOutlet.user)
        .first()
    )
    return None if row is None else int(row["user"])


async def create_automatic(
    audit: AuditRecord, card: ScoreCard, released_at: dt.datetime
) -> list[int]:
    """One action per critical failure not yet covered; call inside the release transaction.

    An automatic action the system cancelled earlier for the same item is reopened instead.
    """
    if not card.critical_failures:
        return []
    existing = {
        row["item"]: row
        for row in await ActionTable.select(
            ActionTable.id, ActionTable.item, ActionTable.status, ActionTable.created_by
        ).where(ActionTable.audit_uuid == audit.uuid)
    }
    for item in card.critical_failures:
        row = existing.get(item)
        if row is not None and row["status"] == CANCELLED and row["created_by"] is None:
            await _set_status_by_system(
                None, row["id"], CANCELLED, OPEN, "critical failure again after a correction"
            )
    new_items = [item for item in card.critical_failures if item not in existing]
    if not new_items:
        return []
    rules = await client_rules(audit.client_id)
    owner = await default_owner(audit.outlet_id)
    now = utc_now()
    rows = await ActionTable.insert(
        *[
            ActionTable(
                audit_uuid=audit.uuid,
                outlet=audit.outlet_id,
                item=item,
                # No description of its own: the item's text and "critical" say it, in the
                # reader's language (a stored sentence would be in one language for all).
                description="",
                critical=True,
                owner=owner,
                due_on=(released_at + rules.corrective_due).date(),
                status=OPEN,
                created_by=None,
                created_at=now,
                updated_at=now,
            )
            for item in new_items
        ]
    )
    ids = [int(row["id"]) for row in rows]
    for action_id, item in zip(ids, new_items, strict=True):
        await auditlog.record(
            None,
            "create",
            "corrective_action",
            action_id,
            after={"status": OPEN, "audit_uuid": str(audit.uuid), "item": item},
            reason="critical failure on release",
        )
    return ids


async def cancel_corrected(
    caller: Caller, audit: AuditRecord, card: ScoreCard, dispute_id: int
) -> list[int]:
    """Cancel the automatic actions of critical failures a correction removed; their ids.

    Call inside the transaction that stores the corrected answer. Verified actions stay
    verified (the fix was made and checked); open and done ones are no longer owed.
    """
    rows = await ActionTable.select(ActionTable.id, ActionTable.item, ActionTable.status).where(
        ActionTable.audit_uuid == audit.uuid,
        ActionTable.created_by.is_null(),
        ActionTable.status.is_in([OPEN, DONE]),
    )
    cancelled = []
    for row in rows:
        if row["item"] not in card.critical_failures:
            await _set_status_by_system(
                caller,
                row["id"],
                row["status"],
                CANCELLED,
                f"critical failure corrected by dispute {dispute_id}",
            )
            cancelled.append(int(row["id"]))
    return cancelled


async def _set_status_by_system(
    caller: Caller | None, action_id: int, status: str, new_status: str, reason: str
) -> None:
    """A status change the workflow makes itself (not a role's step), logged with its reason."""
    await ActionTable.update(
        {ActionTable.status: new_status, ActionTable.updated_at: utc_now()}
    ).where(ActionTable.id == action_id, ActionTable.status == status)
    await auditlog.record(
        caller,
        "cancel" if new_status == CANCELLED else "reopen",
        "corrective_action",
        action_id,
        before={"status": status},
        after={"status": new_status},
        reason=reason,
    )


async def _check_owner(
    owner_id: int, client_id: int, region_id: int | None, outlet_id: int
) -> None:
    row = await User.select(User.role, User.client, User.active).where(User.id == owner_id).first()
    covers = False
    if (
        row is not None
        and row["active"]
        and row["role"] in CLIENT_ROLES
        and row["client"] == client_id
    ):
        if row["role"] == HEAD_OFFICE:
            covers = True
        elif row["role"] == REGIONAL_MANAGER:
            covers = region_id is not None and await UserRegion.exists().where(
                UserRegion.user == owner_id, UserRegion.region == region_id
            )
        else:
            covers = await UserOutlet.exists().where(
                UserOutlet.user == owner_id, UserOutlet.outlet == outlet_id
            )
    if not covers:
        raise Invalid(
            _("The owner must be an active client user responsible for this outlet."),
            [
                {
                    "item": "owner_id",
                    "code": "invalid_owner",
                    "message": _("not a user of this outlet"),
                }
            ],
        )


@dataclasses.dataclass(frozen=True, slots=True)
class CorrectiveService:
    database: Database

    async def load_row(self, caller: Caller, action_id: int) -> dict[str, Any]:
        require(caller, FOLLOW_UP)
        row = await ActionTable.select(*ACTION_COLUMNS).where(ActionTable.id == action_id).first()
        if row is None or not can_see(
            caller,
            Record(
                client_id=row["outlet_client"],
                region_id=row["outlet_region"],
                outlet_id=row["outlet"],
                released=True,  # actions exist for released audits only
            ),
        ):
            raise NotFound(_("There is no such corrective action."))
        return row

    async def _comments(self, action_id: int) -> list[Comment]:
        rows = (
            await CorrectiveComment.select(
                *CorrectiveComment.all_columns(),
                CorrectiveComment.author.name.as_alias("author_name"),
            )
            .where(CorrectiveComment.action == action_id)
            .order_by(CorrectiveComment.id)
        )
        return [
            Comment(
                id=row["id"],
                author_id=row["author"],
                author_name=row["author_name"],
                at=row["at"],
                text=row["text"],
            )
            for row in rows
        ]

    async def get(self, caller: Caller, action_id: int) -> CorrectiveAction:
        row = await self.load_row(caller, action_id)
        return _action_from_row(row, await self._comments(action_id))

    async def list(
        self,
        caller: Caller,
        cursor: str | None,
        limit: int,
        outlet_id: int | None = None,
        status: str | None = None,
        audit_uuid: uuid_module.UUID | None = None,
    ) -> CorrectiveActionPage:
        require(caller, FOLLOW_UP)
        filters: list[Any] = scope_of(caller).piccolo(
            Columns(
                client=ActionTable.outlet.client,
                region=ActionTable.outlet.region,
                outlet=ActionTable.outlet,
            )
        )
        if outlet_id is not None:
            filters.append(ActionTable.outlet == outlet_id)
        if status is not None:
            filters.append(ActionTable.status == status)
        if audit_uuid is not None:
            filters.append(ActionTable.audit_uuid == audit_uuid)
        rows, next_cursor = await id_page(
            ActionTable.select(), ActionTable.id, filters, cursor, limit
        )
        return CorrectiveActionPage(
            items=[_action_from_row(row) for row in rows], next_cursor=next_cursor
        )

    async def create(self, caller: Caller, data: CorrectiveActionCreate) -> CorrectiveAction:
        require(caller, PLAN_CORRECTIVE_ACTIONS)
        _check_text("description", data.description, required=False)
        async with self.database.transaction():
            audit = await load_audit(caller, data.audit_uuid)
            if not audit.released:
                raise Conflict(_("Corrective actions are for released audits only."))
            score = await Audit.select(Audit.score).where(Audit.uuid == audit.uuid).first()
            card = json.loads(score["score"]) if score else {}
            if data.item not in card.get("failed", []):
                raise Invalid(
                    _("Corrective actions are for failed items only."),
                    [{"item": data.item, "code": "not_failed", "message": _("this item passed")}],
                )
            if await ActionTable.exists().where(
                ActionTable.audit_uuid == audit.uuid, ActionTable.item == data.item
            ):
                raise Conflict(_("This item already has a corrective action."))
            if data.owner_id is not None:
                await _check_owner(data.owner_id, audit.client_id, audit.region_id, audit.outlet_id)
            rules = await client_rules(audit.client_id)
            now = utc_now()
            try:
                rows = await ActionTable.insert(
                    ActionTable(
                        audit_uuid=audit.uuid,
                        outlet=audit.outlet_id,
                        item=data.item,
                        description=data.description,
                        critical=data.item in card.get("critical_failures", []),
                        owner=data.owner_id,
                        due_on=data.due_on or (now + rules.corrective_due).date(),
                        status=OPEN,
                        created_by=caller.user_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            except UniqueViolation as error:
                raise Conflict(_("This item already has a corrective action.")) from error
            action_id = int(rows[0]["id"])
            await auditlog.record(
                caller,
                "create",
                "corrective_action",
                action_id,
                after={"status": OPEN, "audit_uuid": str(audit.uuid), "item": data.item},
                reason=data.description,
            )
        return await self.get(caller, action_id)

    async def update(
        self, caller: Caller, action_id: int, data: CorrectiveActionUpdate
    ) -> CorrectiveAction:
        require(caller, PLAN_CORRECTIVE_ACTIONS)
        async with self.database.transaction():
            row = await self.load_row(caller, action_id)
            before = _action_from_row(row)
            changes: dict[Any, Any] = {}
            if not isinstance(data.description, msgspec.UnsetType):
                _check_text("description", data.description, required=False)
                changes[ActionTable.description] = data.description
            if not isinstance(data.owner_id, msgspec.UnsetType):
                if data.owner_id is not None:
                    await _check_owner(
                        data.owner_id, row["outlet_client"], row["outlet_region"], row["outlet"]
                    )
                changes[ActionTable.owner] = data.owner_id
            if not isinstance(data.due_on, msgspec.UnsetType):
                changes[ActionTable.due_on] = data.due_on
            if changes:
                changes[ActionTable.updated_at] = utc_now()
                await ActionTable.update(changes).where(ActionTable.id == action_id)
                after = await self.get(caller, action_id)
                await auditlog.record(
                    caller, "update", "corrective_action", action_id, before, after
                )
        return await self.get(caller, action_id)

    async def step(
        self, caller: Caller, action_id: int, action: str, data: CorrectiveStep
    ) -> CorrectiveAction:
        """`complete` (with optional evidence photo), `verify` or `reopen`, with a comment."""
        require_step(caller, CORRECTIVE_TRANSITIONS, action)
        _check_text("comment", data.comment, required=False)
        async with self.database.transaction():
            row = await self.load_row(caller, action_id)
            status = row["status"]
            new_status = take_step(
                CORRECTIVE_TRANSITIONS, corrective_transition, status, action, caller.role
            )
            now = utc_now()
            changes: dict[Any, Any] = {ActionTable.status: new_status, ActionTable.updated_at: now}
            if action == "complete" and data.evidence_photo_uuid is not None:
                if data.evidence_photo_uuid != _uuid(row["evidence_photo_uuid"]):
                    await check_photo_reference(
                        caller, data.evidence_photo_uuid, uuid_module.UUID(str(row["audit_uuid"]))
                    )
                changes[ActionTable.evidence_photo_uuid] = data.evidence_photo_uuid
            updated = (
                await ActionTable.update(changes)
                .where(ActionTable.id == action_id, ActionTable.status == status)
                .returning(ActionTable.id)
            )
            if not updated:
                raise Conflict(_("Someone changed this corrective action first; reload it."))
            if data.comment.strip():
                await self._add_comment(caller, action_id, data.comment, now)
            await auditlog.record(
                caller,
                action,
                "corrective_action",
                action_id,
                before={"status": status},
                after={"status": new_status},
                reason=data.comment,
            )
        return await self.get(caller, action_id)

    async def _add_comment(
        self, caller: Caller, action_id: int, text: str, at: dt.datetime
    ) -> None:
        await CorrectiveComment.insert(
            CorrectiveComment(action=action_id, author=caller.user_id, at=at, text=text)
        )

    async def comment(
        self, caller: Caller, action_id: int, data: CommentCreate
    ) -> CorrectiveAction:
        _check_text("text", data.text, required=True)
        async with self.database.transaction():
            await self.load_row(caller, action_id)
            await self._add_comment(caller, action_id, data.text, utc_now())
        return await self.get(caller, action_id)

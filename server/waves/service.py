"""Waves of a client and the assignments that send auditors to outlets.

Waves are read by agency staff and the client's managers (they hold no auditor data);
assignments name the auditor, so client users never see them (shopper anonymity).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from typing import Any

import msgspec

from server.access.abilities import ADMINISTER, FIELD_WORK, SEE_RESULTS, require
from server.access.caller import AUDITOR, Caller
from server.access.scope import Columns, scope_of
from server.auditlog import service as auditlog
from server.core.clock import utc_now
from server.core.database import Database
from server.core.errors import Conflict, Invalid, NotFound
from server.core.i18n import _
from server.core.pagination import id_page
from server.core.validation import check_text
from server.organisation.tables import Client, Outlet
from server.templates.tables import ChecklistTemplate
from server.users.tables import User
from server.waves.eligibility import ineligibility_reason
from server.waves.schemas import (
    Assignment,
    AssignmentCreate,
    AssignmentPage,
    AssignmentUpdate,
    BulkAssign,
    BulkAssignReport,
    TemplateRef,
    Unassigned,
    Wave,
    WaveCreate,
    WavePage,
    WaveUpdate,
)
from server.waves.tables import Assignment as AssignmentTable
from server.waves.tables import Wave as WaveTable
from shared.checklist import CHANNELS
from shared.lifecycle import ASSIGNED, CANCELLED


def _wave_from_row(row: dict[str, Any]) -> Wave:
    return Wave(
        id=row["id"],
        client_id=row["client"],
        name=row["name"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        templates={channel: int(t) for channel, t in json.loads(row["templates"]).items()},
    )


ASSIGNMENT_COLUMNS = (
    *AssignmentTable.all_columns(),
    AssignmentTable.template.key.as_alias("template_key"),
    AssignmentTable.template.version.as_alias("template_version"),
)


def _assignment_from_row(row: dict[str, Any]) -> Assignment:
    return Assignment(
        id=row["id"],
        wave_id=row["wave"],
        outlet_id=row["outlet"],
        auditor_id=row["auditor"],
        template=TemplateRef(
            id=row["template"], key=row["template_key"], version=row["template_version"]
        ),
        channel=row["channel"],
        due_from=row["due_from"],
        due_to=row["due_to"],
        scenario=row["scenario"],
        status=row["status"],
    )


@dataclasses.dataclass(frozen=True, slots=True)
class WaveService:
    database: Database

    # Waves --------------------------------------------------------------------------------

    def _wave_filters(self, caller: Caller) -> list[Any]:
        require(caller, SEE_RESULTS)
        return scope_of(caller).piccolo(Columns(client=WaveTable.client))

    async def list_waves(
        self, caller: Caller, cursor: str | None, limit: int, client_id: int | None = None
    ) -> WavePage:
        filters = self._wave_filters(caller)
        if client_id is not None:
            filters.append(WaveTable.client == client_id)
        rows, next_cursor = await id_page(WaveTable.select(), WaveTable.id, filters, cursor, limit)
        return WavePage(items=[_wave_from_row(row) for row in rows], next_cursor=next_cursor)

    async def get_wave(self, caller: Caller, wave_id: int) -> Wave:
        filters = self._wave_filters(caller)
        row = await WaveTable.select().where(WaveTable.id == wave_id, *filters).first()
        if row is None:
            raise NotFound(_("No such wave."))
        return _wave_from_row(row)

    async def create_wave(self, caller: Caller, data: WaveCreate) -> Wave:
        require(caller, ADMINISTER)
        wave = Wave(id=0, **msgspec.structs.asdict(data))
        async with self.database.transaction():
            if not await Client.exists().where(Client.id == data.client_id):
                raise NotFound(_("No such client."))
            await _check_wave(wave)
            rows = await WaveTable.insert(
                WaveTable(
                    client=wave.client_id,
                    name=wave.name,
                    starts_on=wave.starts_on,
                    ends_on=wave.ends_on,
                    templates=json.dumps(wave.templates),
                    created_at=utc_now(),
                )
            )
            wave = msgspec.structs.replace(wave, id=rows[0]["id"])
            await auditlog.record(caller, "create", "wave", wave.id, after=wave)
        return wave

    async def update_wave(self, caller: Caller, wave_id: int, data: WaveUpdate) -> Wave:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_wave(caller, wave_id)
            changes = {
                k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET
            }
            after = msgspec.structs.replace(before, **changes)
            await _check_wave(after)
            if (after.starts_on, after.ends_on, after.templates) != (
                before.starts_on,
                before.ends_on,
                before.templates,
            ) and await AssignmentTable.exists().where(AssignmentTable.wave == wave_id):
                # Its visits were sent with these dates and checklists.
                raise Conflict(
                    _("The wave's visits are sent: its dates and checklists no longer change.")
                )
            await WaveTable.update(
                name=after.name,
                starts_on=after.starts_on,
                ends_on=after.ends_on,
                templates=json.dumps(after.templates),
            ).where(WaveTable.id == wave_id)
            await auditlog.record(caller, "update", "wave", wave_id, before, after)
        return after

    async def delete_wave(self, caller: Caller, wave_id: int) -> None:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_wave(caller, wave_id)
            if await AssignmentTable.exists().where(AssignmentTable.wave == wave_id):
                raise Conflict(_("The wave has assignments; cancel them first."))
            await WaveTable.delete().where(WaveTable.id == wave_id)
            await auditlog.record(caller, "delete", "wave", wave_id, before=before)

    # Assignments --------------------------------------------------------------------------

    def _assignment_filters(self, caller: Caller) -> list[Any]:
        require(caller, FIELD_WORK)
        return scope_of(caller).piccolo(
            Columns(
                client=AssignmentTable.wave.client,
                region=AssignmentTable.outlet.region,
                outlet=AssignmentTable.outlet,
                auditor=AssignmentTable.auditor,
            )
        )

    async def list_assignments(
        self,
        caller: Caller,
        cursor: str | None,
        limit: int,
        wave_id: int | None = None,
        outlet_id: int | None = None,
        auditor_id: int | None = None,
        status: str | None = None,
    ) -> AssignmentPage:
        filters = self._assignment_filters(caller)
        for condition, wanted in (
            (AssignmentTable.wave == wave_id, wave_id),
            (AssignmentTable.outlet == outlet_id, outlet_id),
            (AssignmentTable.auditor == auditor_id, auditor_id),
            (AssignmentTable.status == status, status),
        ):
            if wanted is not None:
                filters.append(condition)
        query = AssignmentTable.select(*ASSIGNMENT_COLUMNS)
        rows, next_cursor = await id_page(query, AssignmentTable.id, filters, cursor, limit)
        return AssignmentPage(
            items=[_assignment_from_row(row) for row in rows], next_cursor=next_cursor
        )

    async def get_assignment(self, caller: Caller, assignment_id: int) -> Assignment:
        filters = self._assignment_filters(caller)
        row = await (
            AssignmentTable.select(*ASSIGNMENT_COLUMNS)
            .where(AssignmentTable.id == assignment_id, *filters)
            .first()
        )
        if row is None:
            raise NotFound(_("No such assignment."))
        return _assignment_from_row(row)

    async def create_assignment(self, caller: Caller, data: AssignmentCreate) -> Assignment:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            wave = await self.get_wave(caller, data.wave_id)
            due_from = data.due_from or wave.starts_on
            due_to = data.due_to or wave.ends_on
            template_id = data.template_id or wave.templates.get(data.channel)
            await _check_assignment(
                wave, data.outlet_id, data.channel, template_id, due_from, due_to
            )
            await _check_auditor(data.auditor_id)
            reason = await _reason_for(wave, data.auditor_id, data.outlet_id, due_from, due_to)
            if reason:
                raise Conflict(_("The auditor cannot take this visit: ") + reason)
            assert template_id is not None
            rows = await AssignmentTable.insert(
                AssignmentTable(
                    wave=wave.id,
                    outlet=data.outlet_id,
                    auditor=data.auditor_id,
                    template=template_id,
                    channel=data.channel,
                    due_from=due_from,
                    due_to=due_to,
                    scenario=data.scenario,
                    status=ASSIGNED,
                    updated_at=utc_now(),
                )
            )
            assignment = await self.get_assignment(caller, rows[0]["id"])
            await auditlog.record(caller, "create", "assignment", assignment.id, after=assignment)
        return assignment

    async def update_assignment(
        self, caller: Caller, assignment_id: int, data: AssignmentUpdate
    ) -> Assignment:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_assignment(caller, assignment_id)
            if before.status != ASSIGNED:
                raise Conflict(_("Only an assignment not yet submitted can be changed."))
            changes = {
                k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET
            }
            after = msgspec.structs.replace(before, **changes)
            wave = await self.get_wave(caller, before.wave_id)
            if after.due_from > after.due_to:
                raise Invalid(_("due_from must not be after due_to."))
            await _check_auditor(after.auditor_id)
            reason = await _reason_for(
                wave, after.auditor_id, after.outlet_id, after.due_from, after.due_to, before.id
            )
            if reason:
                raise Conflict(_("The auditor cannot take this visit: ") + reason)
            await AssignmentTable.update(
                auditor=after.auditor_id,
                due_from=after.due_from,
                due_to=after.due_to,
                scenario=after.scenario,
                updated_at=utc_now(),
            ).where(AssignmentTable.id == assignment_id)
            await auditlog.record(caller, "update", "assignment", assignment_id, before, after)
        return after

    async def cancel_assignment(self, caller: Caller, assignment_id: int) -> None:
        """Cancel (kept, so the phone learns it was removed on its next sync)."""
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_assignment(caller, assignment_id)
            if before.status not in (ASSIGNED, CANCELLED):
                raise Conflict(_("An assignment with a submitted audit cannot be cancelled."))
            await AssignmentTable.update(status=CANCELLED, updated_at=utc_now()).where(
                AssignmentTable.id == assignment_id
            )
            after = msgspec.structs.replace(before, status=CANCELLED)
            await auditlog.record(caller, "cancel", "assignment", assignment_id, before, after)

    async def bulk_assign(self, caller: Caller, wave_id: int, data: BulkAssign) -> BulkAssignReport:
        """Assign every active outlet x channel of the wave, spreading work evenly.

        Each visit goes to the eligible auditor with the fewest assignments in this wave so
        far; visits already assigned in the wave are left alone, so re-running fills gaps.
        """
        require(caller, ADMINISTER)
        async with self.database.transaction():
            wave = await self.get_wave(caller, wave_id)
            auditor_query = User.select(User.id).where(User.role == AUDITOR, User.active == True)  # noqa: E712
            if data.auditor_ids is not None:
                auditor_query = auditor_query.where(User.id.is_in(data.auditor_ids or [0]))
            auditors = [row["id"] for row in await auditor_query.order_by(User.id)]
            existing = await AssignmentTable.select(
                AssignmentTable.outlet, AssignmentTable.channel, AssignmentTable.auditor
            ).where(AssignmentTable.wave == wave_id, AssignmentTable.status != CANCELLED)
            taken = {(row["outlet"], row["channel"]) for row in existing}
            load = Counter(dict.fromkeys(auditors, 0))
            load.update(row["auditor"] for row in existing if row["auditor"] in load)
            outlets = (
                await Outlet.select(Outlet.id, Outlet.channels)
                .where(
                    Outlet.client == wave.client_id,
                    Outlet.active == True,  # noqa: E712
                )
                .order_by(Outlet.id)
            )
            lockout_days = await _lockout_days(wave.client_id)
            created: list[dict[str, Any]] = []
            unassigned: list[Unassigned] = []
            for outlet in outlets:
                for channel in outlet["channels"].split("|"):
                    template_id = wave.templates.get(channel)
                    if template_id is None or (outlet["id"], channel) in taken:
                        continue
                    chosen = None
                    for auditor in sorted(auditors, key=lambda a: (load[a], a)):
                        reason = await ineligibility_reason(
                            auditor,
                            outlet["id"],
                            wave.client_id,
                            wave.starts_on,
                            wave.ends_on,
                            lockout_days,
                        )
                        if reason is None:
                            chosen = auditor
                            break
                    if chosen is None:
                        unassigned.append(
                            Unassigned(
                                outlet_id=outlet["id"],
                                channel=channel,
                                reason="no eligible auditor (exclusions or lockout)",
                            )
                        )
                        continue
                    load[chosen] += 1
                    row = AssignmentTable(
                        wave=wave.id,
                        outlet=outlet["id"],
                        auditor=chosen,
                        template=template_id,
                        channel=channel,
                        due_from=wave.starts_on,
                        due_to=wave.ends_on,
                        scenario=data.scenario,
                        status=ASSIGNED,
                        updated_at=utc_now(),
                    )
                    # Inserted one by one: the lockout check of the next visit must see it.
                    inserted = await AssignmentTable.insert(row)
                    created.append(
                        {
                            "id": inserted[0]["id"],
                            "outlet": outlet["id"],
                            "channel": channel,
                            "auditor": chosen,
                        }
                    )
            await auditlog.record(
                caller, "bulk_assign", "wave", wave_id, after={"assignments": created}
            )
        per_auditor: Counter[int] = Counter(entry["auditor"] for entry in created)
        return BulkAssignReport(
            created=len(created),
            per_auditor={str(auditor): count for auditor, count in sorted(per_auditor.items())},
            unassigned=unassigned,
        )


async def _lockout_days(client_id: int) -> int:
    row = await Client.select(Client.lockout_days).where(Client.id == client_id).first()
    return int(row["lockout_days"]) if row else 90


async def _reason_for(
    wave: Wave,
    auditor_id: int,
    outlet_id: int,
    due_from: dt.date,
    due_to: dt.date,
    ignore_assignment_id: int | None = None,
) -> str | None:
    return await ineligibility_reason(
        auditor_id,
        outlet_id,
        wave.client_id,
        due_from,
        due_to,
        await _lockout_days(wave.client_id),
        ignore_assignment_id,
    )


async def _check_auditor(auditor_id: int) -> None:
    row = await User.select(User.role, User.active).where(User.id == auditor_id).first()
    if row is None or row["role"] != AUDITOR or not row["active"]:
        raise Invalid(
            _("auditor_id must name an active auditor."),
            errors=[{"item": "auditor_id", "code": "not_an_auditor", "message": str(auditor_id)}],
        )


async def _check_assignment(
    wave: Wave,
    outlet_id: int,
    channel: str,
    template_id: int | None,
    due_from: dt.date,
    due_to: dt.date,
) -> None:
    problems: list[dict[str, Any]] = []
    outlet = await Outlet.select().where(Outlet.id == outlet_id).first()
    if outlet is None or outlet["client"] != wave.client_id:
        problems.append(
            {
                "item": "outlet_id",
                "code": "unknown_outlet",
                "message": "the outlet does not belong to the wave's client",
            }
        )
    elif not outlet["active"]:
        problems.append(
            {"item": "outlet_id", "code": "inactive_outlet", "message": "the outlet is not active"}
        )
    elif channel not in outlet["channels"].split("|"):
        problems.append(
            {
                "item": "channel",
                "code": "channel_not_offered",
                "message": f"the outlet does not offer {channel}",
            }
        )
    if template_id is None:
        problems.append(
            {
                "item": "template_id",
                "code": "no_template",
                "message": "the wave has no template for this channel; give template_id",
            }
        )
    else:
        template = (
            await ChecklistTemplate.select().where(ChecklistTemplate.id == template_id).first()
        )
        if template is None or template["status"] != "published" or template["channel"] != channel:
            problems.append(
                {
                    "item": "template_id",
                    "code": "unusable_template",
                    "message": "use a published template of this channel",
                }
            )
    if due_from > due_to:
        problems.append(
            {"item": "due_to", "code": "bad_window", "message": "due_from must not be after due_to"}
        )
    if problems:
        raise Invalid(_("The assignment is not valid; see errors."), errors=problems)


async def _check_wave(wave: Wave) -> None:
    problems = check_text("name", wave.name, 200)
    if wave.starts_on > wave.ends_on:
        problems.append(
            {
                "item": "ends_on",
                "code": "bad_period",
                "message": "ends_on must not be before starts_on",
            }
        )
    for channel, template_id in wave.templates.items():
        if channel not in CHANNELS:
            problems.append(
                {
                    "item": f"templates.{channel}",
                    "code": "unknown_channel",
                    "message": "channels are " + ", ".join(CHANNELS),
                }
            )
            continue
        template = (
            await ChecklistTemplate.select().where(ChecklistTemplate.id == template_id).first()
        )
        if template is None or template["status"] != "published" or template["channel"] != channel:
            problems.append(
                {
                    "item": f"templates.{channel}",
                    "code": "unusable_template",
                    "message": "use a published template of this channel",
                }
            )
    if problems:
        raise Invalid(_("The wave is not valid; see errors."), errors=problems)

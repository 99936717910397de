"""Per-client workflow rules: the dispute window and how long a corrective action may take.

A client without a row uses the defaults (docs/contract.md#disputes: 7 days to dispute);
admins change them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import msgspec

from server.access.caller import ADMIN, Caller
from server.access.scope import Record, can_see
from server.auditlog import service as auditlog
from server.core.database import Database
from server.core.errors import Invalid, NotFound
from server.core.i18n import _
from server.organisation.tables import Client
from server.workflow.schemas import WorkflowSettings, WorkflowSettingsUpdate
from server.workflow.tables import ClientWorkflowSettings
from shared.lifecycle import DEFAULT_DISPUTE_WINDOW

DEFAULT_DISPUTE_WINDOW_DAYS = DEFAULT_DISPUTE_WINDOW.days
DEFAULT_CORRECTIVE_DUE_DAYS = 14
MAX_DAYS = 366


@dataclasses.dataclass(frozen=True, slots=True)
class ClientRules:
    dispute_window: dt.timedelta
    corrective_due: dt.timedelta


async def client_rules(client_id: int) -> ClientRules:
    row = (
        await ClientWorkflowSettings.select()
        .where(ClientWorkflowSettings.client == client_id)
        .first()
    )
    window = DEFAULT_DISPUTE_WINDOW_DAYS if row is None else row["dispute_window_days"]
    due = DEFAULT_CORRECTIVE_DUE_DAYS if row is None else row["corrective_due_days"]
    return ClientRules(dt.timedelta(days=window), dt.timedelta(days=due))


async def get_settings(caller: Caller, client_id: int) -> WorkflowSettings:
    if not can_see(caller, Record(client_id=client_id)) or not await Client.exists().where(
        Client.id == client_id
    ):
        raise NotFound(_("No such client."))
    rules = await client_rules(client_id)
    return WorkflowSettings(
        client_id=client_id,
        dispute_window_days=rules.dispute_window.days,
        corrective_due_days=rules.corrective_due.days,
    )


async def update_settings(
    database: Database, caller: Caller, client_id: int, data: WorkflowSettingsUpdate
) -> WorkflowSettings:
    caller.require_role(ADMIN)
    async with database.transaction():
        before = await get_settings(caller, client_id)
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        after = msgspec.structs.replace(before, **changes)
        problems = [
            {
                "item": field,
                "code": "out_of_range",
                "message": _("must be between 0 and {most} days").format(most=MAX_DAYS),
            }
            for field in ("dispute_window_days", "corrective_due_days")
            if not 0 <= getattr(after, field) <= MAX_DAYS
        ]
        if problems:
            raise Invalid(_("The workflow settings are not valid."), problems)
        await ClientWorkflowSettings.delete().where(ClientWorkflowSettings.client == client_id)
        await ClientWorkflowSettings.insert(
            ClientWorkflowSettings(
                client=client_id,
                dispute_window_days=after.dispute_window_days,
                corrective_due_days=after.corrective_due_days,
            )
        )
        await auditlog.record(caller, "update", "workflow_settings", client_id, before, after)
    return after

"""Loading one audit for a workflow step, and deciding whether the caller may see it.

Every workflow endpoint reaches an audit through `load_audit`, so the record is checked
against the caller (not just the role): agency reviewers see their clients' audits, client
users only released audits of their client / regions / outlets; anything else is 404.
Transition refusals become 403 (the role may never do this) or 409 (not from this state).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from server.access.abilities import ADMINISTER, may
from server.access.caller import (
    Caller,
)
from server.access.scope import Columns, Record, can_see
from server.audits.tables import Audit, AuditAnswer, AuditPhoto, Photo
from server.core.errors import Conflict, Forbidden, Invalid, NotFound
from server.core.i18n import _
from server.templates.tables import ChecklistTemplate
from shared.checklist import Template
from shared.errors import TransitionError
from shared.lifecycle import RELEASED_STATES, Step


@dataclasses.dataclass(frozen=True, slots=True)
class AuditRecord:
    """The columns of one audit the workflow needs, with the outlet's region for scoping."""

    id: int
    uuid: uuid_module.UUID
    assignment_id: int
    auditor_id: int
    client_id: int
    region_id: int | None
    outlet_id: int
    wave_id: int
    template_id: int
    template_key: str
    template_version: int
    channel: str
    revision: int
    status: str
    started_at: dt.datetime
    released_at: dt.datetime | None

    @property
    def released(self) -> bool:
        return self.status in RELEASED_STATES


# Piccolo adds the `id` primary key itself; reached through `_meta` it is typed as a column.
audit_pk = Audit._meta.primary_key

AUDIT_COLUMNS = (
    audit_pk,
    Audit.uuid,
    Audit.assignment,
    Audit.auditor,
    Audit.client,
    Audit.outlet.region.as_alias("region"),
    Audit.outlet,
    Audit.wave,
    Audit.template,
    Audit.template_key,
    Audit.template_version,
    Audit.channel,
    Audit.revision,
    Audit.status,
    Audit.started_at,
    Audit.released_at,
)


def percent_text(value: Any) -> str | None:
    """A stored percentage as one-decimal text ("100.0"): SQLite hands back Decimal("100")."""
    return None if value is None else f"{Decimal(str(value)):.1f}"


def record_from_row(row: Mapping[str, Any]) -> AuditRecord:
    return AuditRecord(
        id=row["id"],
        uuid=uuid_module.UUID(str(row["uuid"])),
        assignment_id=row["assignment"],
        auditor_id=row["auditor"],
        client_id=row["client"],
        region_id=row["region"],
        outlet_id=row["outlet"],
        wave_id=row["wave"],
        template_id=row["template"],
        template_key=row["template_key"],
        template_version=row["template_version"],
        channel=row["channel"],
        revision=row["revision"],
        status=row["status"],
        started_at=row["started_at"],
        released_at=row["released_at"],
    )


# Where an audit row sits, for list queries on the audit table (server.access.scope).
AUDIT_SCOPE = Columns(
    client=Audit.client,
    region=Audit.outlet.region,
    outlet=Audit.outlet,
    auditor=Audit.auditor,
    status=Audit.status,
)


def as_record(audit: AuditRecord) -> Record:
    """Where the audit sits, for the access rule."""
    return Record(
        client_id=audit.client_id,
        region_id=audit.region_id,
        outlet_id=audit.outlet_id,
        auditor_id=audit.auditor_id,
        released=audit.released,
    )


def may_see(caller: Caller, audit: AuditRecord) -> bool:
    return can_see(caller, as_record(audit))


async def load_audit(caller: Caller, audit_uuid: uuid_module.UUID) -> AuditRecord:
    """The audit if the caller may see it, else 404 (its existence does not leak)."""
    row = await Audit.select(*AUDIT_COLUMNS).where(Audit.uuid == audit_uuid).first()
    if row is None:
        raise NotFound(_("There is no such audit."))
    audit = record_from_row(row)
    if not may_see(caller, audit):
        raise NotFound(_("There is no such audit."))
    return audit


async def load_template(template_id: int) -> Template:
    row = (
        await ChecklistTemplate.select(ChecklistTemplate.body)
        .where(ChecklistTemplate.id == template_id)
        .first()
    )
    if row is None:
        raise NotFound(_("The audit's checklist template is missing."))
    return Template.from_dict(json.loads(row["body"]))


async def load_answers(audit_id: int) -> list[dict[str, Any]]:
    """The audit's current answers as wire dicts, in template order."""
    rows = (
        await AuditAnswer.select(
            AuditAnswer.item,
            AuditAnswer.value,
            AuditAnswer.na,
            AuditAnswer.comment,
            AuditAnswer.photos,
        )
        .where(AuditAnswer.audit == audit_id)
        .order_by(AuditAnswer.position)
    )
    return [
        {
            "item": row["item"],
            "value": None if row["value"] is None else json.loads(row["value"]),
            "na": bool(row["na"]),
            "comment": row["comment"],
            "photos": json.loads(row["photos"]),
        }
        for row in rows
    ]


def take_step(
    table: Mapping[tuple[str, str], Step],
    apply: Callable[[str, str, str], str],
    state: str,
    action: str,
    role: str,
) -> str:
    """Ask `shared.lifecycle` for the next state; 403 for a role, 409 for a state refusal."""
    step = table.get((state, action))
    try:
        return apply(state, action, role)
    except TransitionError as error:
        if step is not None and role not in step.roles:
            raise Forbidden(_("Your role may not do this.")) from error
        raise Conflict(
            _("This cannot be done now: {reason}.").format(reason=error.reason)
        ) from error


async def change_status(
    audit: AuditRecord, new_status: str, now: dt.datetime, **columns: Any
) -> None:
    """Move the audit on, guarded by its status and revision so a concurrent change loses."""
    changed = (
        await Audit.update(
            {
                Audit.status: new_status,
                Audit.status_changed_at: now,
                Audit.updated_at: now,
                **{getattr(Audit, name): value for name, value in columns.items()},
            }
        )
        .where(
            Audit.uuid == audit.uuid,
            Audit.status == audit.status,
            Audit.revision == audit.revision,
        )
        .returning(audit_pk)
    )
    if not changed:
        raise Conflict(_("The audit changed while you were working on it; reload it."))


async def check_photo_reference(
    caller: Caller, photo_uuid: uuid_module.UUID | None, audit_uuid: uuid_module.UUID
) -> None:
    """A photo named on a dispute or corrective action of `audit_uuid` must be one of that
    audit's own photos, or one the caller uploaded (`server.workflow.evidence`); admins may name
    any stored photo. Else 422.

    Without this, naming another client's photo on one's own dispute would make it readable
    through the dispute's photo route.
    """
    if photo_uuid is None:
        return
    if await AuditPhoto.exists().where(
        AuditPhoto.photo_uuid == photo_uuid, AuditPhoto.audit.uuid == audit_uuid
    ):
        return
    row = await Photo.select(Photo.uploaded_by).where(Photo.uuid == photo_uuid).first()
    if row is None or (not may(caller, ADMINISTER) and row["uploaded_by"] != caller.user_id):
        raise Invalid(
            _("The photo is neither one of the audit's nor one you uploaded."),
            [
                {
                    "item": "photo_uuid",
                    "code": "unknown_photo",
                    "message": _("upload the photo to the dispute or corrective action first"),
                }
            ],
        )

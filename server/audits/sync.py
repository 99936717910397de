"""`GET /api/v1/sync?since=CURSOR`: what an auditor's phone needs, changed since the cursor.

The cursor is the latest change time the phone has seen (of its assignments, their audits
and their outlets), opaque to the phone. An assignment is sent again when it, its audit (a
review returned or approved it) or its outlet changed; a cancelled one is listed in
`removed_assignment_ids` instead. Templates and outlets come along with the assignments that
need them. The status the phone sees is the audit's once one exists (`disputed` shows as
`approved`: to the auditor the audit is done), else the assignment's own.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from typing import Any, Final

from server.access.caller import AUDITOR, Caller
from server.audits.schemas import (
    ReturnNoteOut,
    SyncAssignment,
    SyncOutlet,
    SyncPayload,
    TemplateRef,
    WaveRef,
)
from server.audits.sql import Connection, SqlRunner
from server.core import piccolo_conf
from server.core.errors import BadRequest
from server.core.i18n import _
from shared.lifecycle import DISPUTED, RETURNED

CANCELLED: Final = "cancelled"
EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

SELECT_ASSIGNMENTS: Final = (
    "SELECT a.id, a.outlet, t.key, t.version, a.template, w.id, w.name, a.channel, "
    "a.due_from, a.due_to, a.scenario, a.status, au.status, au.uuid, au.revision, "
    "a.updated_at, au.updated_at, o.updated_at "
    "FROM assignment a JOIN wave w ON w.id = a.wave "
    "JOIN checklist_template t ON t.id = a.template JOIN outlet o ON o.id = a.outlet "
    "LEFT JOIN audit au ON au.assignment = a.id "
    "WHERE a.auditor = ? AND (a.updated_at > ? OR au.updated_at > ? OR o.updated_at > ?) "
    "ORDER BY a.id"
)


def encode_cursor(moment: dt.datetime) -> str:
    text = "t:" + moment.astimezone(dt.UTC).isoformat()
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dt.datetime:
    if not cursor:
        return EPOCH
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = text.split(":", 1)
        moment = dt.datetime.fromisoformat(value)
        if prefix != "t" or moment.tzinfo is None:
            raise ValueError(prefix)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadRequest(_("The cursor is not one this server gave out.")) from error
    return moment


def _moment(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    moment = dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclasses.dataclass(slots=True)
class SyncService:
    sql: SqlRunner

    async def sync(self, caller: Caller, cursor: str | None) -> SyncPayload:
        caller.require_role(AUDITOR)
        since = decode_cursor(cursor)
        async with self.sql.reading() as connection:
            rows = await connection.fetch(SELECT_ASSIGNMENTS, caller.user_id, since, since, since)
            latest = since
            assignments: list[SyncAssignment] = []
            removed: list[int] = []
            template_ids: set[int] = set()
            outlet_ids: set[int] = set()
            for row in rows:
                for changed in row[15:18]:
                    moment = _moment(changed)
                    if moment is not None and moment > latest:
                        latest = moment
                if row[11] == CANCELLED:
                    removed.append(row[0])
                    continue
                audit_status = row[12]
                status = row[11] if audit_status is None else audit_status
                if status == DISPUTED:
                    status = "approved"
                notes = []
                if audit_status == RETURNED:
                    notes = await _return_notes(connection, row[13], row[14])
                assignments.append(
                    SyncAssignment(
                        id=row[0],
                        outlet_id=row[1],
                        template=TemplateRef(key=row[2], version=row[3]),
                        wave=WaveRef(id=row[5], name=row[6]),
                        channel=row[7],
                        due_from=_date(row[8]),
                        due_to=_date(row[9]),
                        scenario=row[10],
                        status=status,
                        return_notes=notes,
                    )
                )
                template_ids.add(row[4])
                outlet_ids.add(row[1])
            templates = await _templates(connection, sorted(template_ids))
            outlets = await _outlets(connection, sorted(outlet_ids))
        return SyncPayload(
            cursor=encode_cursor(latest),
            assignments=assignments,
            templates=templates,
            outlets=outlets,
            removed_assignment_ids=removed,
        )


def _marks(count: int) -> str:
    return ", ".join("?" * count)


async def _templates(connection: Connection, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = await connection.fetch(
        f"SELECT body FROM checklist_template WHERE id IN ({_marks(len(ids))}) ORDER BY id",  # noqa: S608
        *ids,
    )
    return [json.loads(row[0]) for row in rows]


async def _outlets(connection: Connection, ids: list[int]) -> list[SyncOutlet]:
    if not ids:
        return []
    rows = await connection.fetch(
        "SELECT id, code, name, address, city, lat, lon, timezone FROM outlet "  # noqa: S608
        f"WHERE id IN ({_marks(len(ids))}) ORDER BY id",
        *ids,
    )
    return [
        SyncOutlet(
            id=row[0],
            code=row[1],
            name=row[2],
            address=row[3],
            city=row[4],
            lat=row[5],
            lon=row[6],
            timezone=row[7],
        )
        for row in rows
    ]


async def _return_notes(
    connection: Connection, audit_uuid: Any, revision: int
) -> list[ReturnNoteOut]:
    """The notes of the latest return (kept by `server.workflow`, when that app is installed)."""
    if piccolo_conf.APP_REGISTRY.get_app_config("workflow") is None:
        return []
    rows = await connection.fetch(
        "SELECT item, note FROM return_note WHERE audit_uuid = ? AND revision = ? ORDER BY id",
        audit_uuid,
        revision,
    )
    return [ReturnNoteOut(item=row[0], note=row[1]) for row in rows]

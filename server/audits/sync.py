"""`GET /api/v1/sync?since=CURSOR`: what an auditor's phone needs, changed since the cursor.

The cursor is the latest change time the phone has seen (of its assignments, their audits
and their outlets), opaque to the phone. An assignment is sent again when it, its audit (a
review returned or approved it) or its outlet changed; a cancelled one is listed in
`removed_assignment_ids` instead. Templates and outlets come along with the assignments that
need them. The status the phone sees is the audit's once one exists (`disputed` shows as
`approved`: to the auditor the audit is done), else the assignment's own.

Each assignment says whether its client lets the shopper see the live score
(`client_visit_rules.live_score`). A returned audit travels with its latest revision (uuid,
revision, visit times, location, answers and photo references), so that any phone of its
auditor opens it filled in and sends the correction under the same uuid
(docs/contract.md#sync-pull).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from typing import Any, Final

from server.access.abilities import SYNC_VISITS, require
from server.access.caller import Caller
from server.audits.queries import (
    SELECT_ANSWERS,
    SELECT_PHOTO_REFERENCES,
    answers_out,
    photo_references,
)
from server.audits.schemas import (
    LocationOut,
    ReturnedAudit,
    ReturnNoteOut,
    SyncAssignment,
    SyncOutlet,
    SyncPayload,
    TemplateRef,
    WaveRef,
)
from server.core import piccolo_conf
from server.core.database import Connection, Database, marks
from server.core.errors import BadRequest
from server.core.i18n import _
from shared.lifecycle import APPROVED, CANCELLED, DISPUTED, RETURNED

EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

SELECT_ASSIGNMENTS: Final = (
    "SELECT a.id AS id, a.outlet AS outlet_id, t.key AS template_key, "
    "t.version AS template_version, a.template AS template_id, w.id AS wave_id, "
    "w.name AS wave_name, a.channel AS channel, a.due_from AS due_from, a.due_to AS due_to, "
    "a.scenario AS scenario, a.status AS status, au.status AS audit_status, "
    "au.uuid AS audit_uuid, au.revision AS audit_revision, au.id AS audit_id, "
    "au.started_at AS started_at, au.finished_at AS finished_at, au.lat AS lat, "
    "au.lon AS lon, au.accuracy_m AS accuracy_m, au.located_at AS located_at, "
    "COALESCE(r.live_score, ?) AS live_score, a.updated_at AS changed, "
    "au.updated_at AS audit_changed, o.updated_at AS outlet_changed "
    "FROM assignment a JOIN wave w ON w.id = a.wave "
    "JOIN checklist_template t ON t.id = a.template JOIN outlet o ON o.id = a.outlet "
    "LEFT JOIN audit au ON au.assignment = a.id "
    "LEFT JOIN client_visit_rules r ON r.client = w.client "
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


@dataclasses.dataclass(slots=True)
class SyncService:
    database: Database

    async def sync(self, caller: Caller, cursor: str | None) -> SyncPayload:
        require(caller, SYNC_VISITS)
        since = decode_cursor(cursor)
        async with self.database.snapshot() as connection:
            rows = await connection.fetch(
                SELECT_ASSIGNMENTS, True, caller.user_id, since, since, since
            )
            latest = since
            assignments: list[SyncAssignment] = []
            removed: list[int] = []
            template_ids: set[int] = set()
            outlet_ids: set[int] = set()
            for row in rows:
                changes = (row["changed"], row["audit_changed"], row["outlet_changed"])
                latest = max([latest, *(moment for moment in changes if moment is not None)])
                if row["status"] == CANCELLED:
                    removed.append(row["id"])
                    continue
                audit_status = row["audit_status"]
                status = row["status"] if audit_status is None else audit_status
                if status == DISPUTED:
                    status = APPROVED
                notes = []
                returned = None
                if audit_status == RETURNED:
                    notes = await _return_notes(
                        connection, row["audit_uuid"], row["audit_revision"]
                    )
                    returned = await _returned_audit(connection, row)
                assignments.append(
                    SyncAssignment(
                        id=row["id"],
                        outlet_id=row["outlet_id"],
                        template=TemplateRef(
                            key=row["template_key"], version=row["template_version"]
                        ),
                        wave=WaveRef(id=row["wave_id"], name=row["wave_name"]),
                        channel=row["channel"],
                        due_from=row["due_from"],
                        due_to=row["due_to"],
                        scenario=row["scenario"],
                        status=status,
                        return_notes=notes,
                        returned_audit=returned,
                        live_score=bool(row["live_score"]),
                    )
                )
                template_ids.add(row["template_id"])
                outlet_ids.add(row["outlet_id"])
            templates = await _templates(connection, sorted(template_ids))
            outlets = await _outlets(connection, sorted(outlet_ids))
        return SyncPayload(
            cursor=encode_cursor(latest),
            assignments=assignments,
            templates=templates,
            outlets=outlets,
            removed_assignment_ids=removed,
        )


async def _templates(connection: Connection, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = await connection.fetch(
        f"SELECT body FROM checklist_template WHERE id IN ({marks(len(ids))}) ORDER BY id",  # noqa: S608
        *ids,
    )
    return [json.loads(row["body"]) for row in rows]


async def _outlets(connection: Connection, ids: list[int]) -> list[SyncOutlet]:
    if not ids:
        return []
    rows = await connection.fetch(
        "SELECT id, code, name, address, city, lat, lon, timezone FROM outlet "  # noqa: S608
        f"WHERE id IN ({marks(len(ids))}) ORDER BY id",
        *ids,
    )
    return [SyncOutlet(**dict(row)) for row in rows]


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
    return [ReturnNoteOut(item=row["item"], note=row["note"]) for row in rows]


async def _returned_audit(connection: Connection, row: Any) -> ReturnedAudit:
    """The latest revision of a returned audit: what the phone needs to correct it."""
    answers = await connection.fetch(SELECT_ANSWERS, row["audit_id"])
    references = await connection.fetch(SELECT_PHOTO_REFERENCES, row["audit_id"])
    location = None
    if row["lat"] is not None and row["lon"] is not None:
        location = LocationOut(
            lat=row["lat"], lon=row["lon"], accuracy_m=row["accuracy_m"], at=row["located_at"]
        )
    return ReturnedAudit(
        uuid=str(row["audit_uuid"]),
        revision=row["audit_revision"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        location=location,
        answers=answers_out(answers),
        photos=photo_references(references),
    )

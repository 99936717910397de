"""Reading one stored audit for agency staff: admin, a reviewer of its client, its auditor.

Client users never come here (403): they read released audits through the workflow feature's
anonymised view, since this one names the auditor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuid_module

from server.access.caller import ADMIN, AUDITOR, REVIEWER, Caller
from server.audits.ingest import score_out
from server.audits.schemas import AnswerOut, AuditOut, PhotoRefOut, TemplateRef
from server.audits.sql import SqlRunner
from server.core.errors import NotFound
from server.core.i18n import _

SELECT_AUDIT = (
    "SELECT id, uuid, assignment, auditor, outlet, client, wave, template_key, "
    "template_version, channel, revision, status, started_at, finished_at, received_at, "
    "released_at, score, flags FROM audit WHERE uuid = ?"
)
# The audit's rows, by the audit's uuid, so that one snapshot reads everything.
SELECT_ANSWERS = (
    "SELECT item, value, na, comment, photos FROM audit_answer "
    "WHERE audit = (SELECT id FROM audit WHERE uuid = ?) ORDER BY position, id"
)
SELECT_PHOTO_REFERENCES = (
    "SELECT ap.photo_uuid, ap.item, p.id FROM audit_photo ap "
    "LEFT JOIN photo p ON p.uuid = ap.photo_uuid "
    "WHERE ap.audit = (SELECT id FROM audit WHERE uuid = ?) ORDER BY ap.id"
)


def _moment(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    moment = dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclasses.dataclass(slots=True)
class AuditQueries:
    sql: SqlRunner

    async def get_audit(self, caller: Caller, audit_uuid: uuid_module.UUID) -> AuditOut:
        caller.require_role(ADMIN, REVIEWER, AUDITOR)
        # One snapshot of the shared read connection: the audit and its rows, found by uuid.
        rows, answers, references = await self.sql.database.fetch_batch(
            [
                (SELECT_AUDIT, (audit_uuid,)),
                (SELECT_ANSWERS, (audit_uuid,)),
                (SELECT_PHOTO_REFERENCES, (audit_uuid,)),
            ]
        )
        if not rows or not _in_scope(caller, auditor=rows[0][3], client=rows[0][5]):
            raise NotFound(_("There is no such audit."))
        row = rows[0]
        # Referenced photos not received yet: the references already say which.
        missing = sorted(
            {str(photo_uuid) for photo_uuid, _item, photo_id in references if photo_id is None}
        )
        photos = []
        for photo_uuid, item, photo_id in references:
            received = photo_id is not None
            base = f"/api/v1/photos/{photo_uuid}"
            photos.append(
                PhotoRefOut(
                    uuid=str(photo_uuid),
                    item=item,
                    received=received,
                    display_url=f"{base}/display" if received else None,
                    thumbnail_url=f"{base}/thumbnail" if received else None,
                )
            )
        return AuditOut(
            uuid=str(row[1]),
            assignment_id=row[2],
            auditor_id=row[3],
            outlet_id=row[4],
            client_id=row[5],
            wave_id=row[6],
            template=TemplateRef(key=row[7], version=row[8]),
            channel=row[9],
            revision=row[10],
            status=row[11],
            started_at=_moment(row[12]),
            finished_at=_moment(row[13]),
            received_at=_moment(row[14]),
            released_at=None if row[15] is None else _moment(row[15]),
            score=score_out(json.loads(row[16])),
            flags=json.loads(row[17]),
            answers=[
                AnswerOut(
                    item=item,
                    value=None if value is None else json.loads(value),
                    na=bool(na),
                    comment=comment,
                    photos=json.loads(photo_list),
                )
                for item, value, na, comment, photo_list in answers
            ],
            photos=photos,
            missing_photos=missing,
        )


def _in_scope(caller: Caller, *, auditor: int, client: int) -> bool:
    if caller.role == ADMIN:
        return True
    if caller.role == REVIEWER:
        return client in caller.reviewer_client_ids
    return auditor == caller.user_id

"""Reading one stored audit for agency staff: admin, a reviewer of its client, its auditor.

Client users never come here (403): they read released audits through the workflow feature's
anonymised view, since this one names the auditor. The trust score with every reason goes to
admins and reviewers only; the auditor reads their audit without it (docs/contract.md#trust).

`trust_of` is the trust score of one audit as any role may see it, for pages that show a visit
(an audit page): every reason for admins and reviewers, the client view for client users (a
released audit in their scope; no reason about the auditor), nothing for auditors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from collections.abc import Iterable

from server.access.abilities import FIELD_WORK, FOLLOW_UP, may, require
from server.access.caller import Caller
from server.access.scope import Record, can_see
from server.audits import trust as visit_trust
from server.audits.ingest import score_out
from server.audits.schemas import AnswerOut, AuditOut, PhotoRefOut, TemplateRef, TrustOut
from server.core.database import Database, Row, marks
from server.core.errors import NotFound
from server.core.i18n import _
from shared.lifecycle import RELEASED_STATES

SELECT_AUDIT = (
    "SELECT a.id AS id, a.uuid AS uuid, a.assignment AS assignment, a.auditor AS auditor, "
    "a.outlet AS outlet, o.region AS region, a.client AS client, a.wave AS wave, "
    "a.template_key AS template_key, a.template_version AS template_version, "
    "a.channel AS channel, a.revision AS revision, a.status AS status, "
    "a.started_at AS started_at, a.finished_at AS finished_at, a.received_at AS received_at, "
    "a.released_at AS released_at, a.score AS score, a.flags AS flags, "
    "a.trust_reasons AS trust_reasons "
    "FROM audit a JOIN outlet o ON o.id = a.outlet WHERE a.uuid = ?"
)
# The audit's rows, by the audit's uuid, so that one snapshot reads everything.
SELECT_ANSWERS = (
    "SELECT item, value, na, comment, photos FROM audit_answer WHERE audit = ? "
    "ORDER BY position, id"
)
SELECT_PHOTO_REFERENCES = (
    "SELECT ap.photo_uuid AS photo_uuid, ap.item AS item, p.id AS photo_id FROM audit_photo ap "
    "LEFT JOIN photo p ON p.uuid = ap.photo_uuid WHERE ap.audit = ? ORDER BY ap.id"
)


@dataclasses.dataclass(slots=True)
class AuditQueries:
    database: Database

    async def get_audit(self, caller: Caller, audit_uuid: uuid_module.UUID) -> AuditOut:
        require(caller, FIELD_WORK)
        async with self.database.snapshot() as connection:
            rows = await connection.fetch(SELECT_AUDIT, audit_uuid)
            if not rows or not can_see(caller, audit_record(rows[0])):
                raise NotFound(_("There is no such audit."))
            row = rows[0]
            answers = await connection.fetch(SELECT_ANSWERS, row["id"])
            references = await connection.fetch(SELECT_PHOTO_REFERENCES, row["id"])
        photos = photo_references(references)
        return AuditOut(
            uuid=str(row["uuid"]),
            assignment_id=row["assignment"],
            auditor_id=row["auditor"],
            outlet_id=row["outlet"],
            client_id=row["client"],
            wave_id=row["wave"],
            template=TemplateRef(key=row["template_key"], version=row["template_version"]),
            channel=row["channel"],
            revision=row["revision"],
            status=row["status"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            received_at=row["received_at"],
            released_at=row["released_at"],
            score=score_out(json.loads(row["score"])),
            flags=json.loads(row["flags"]),
            answers=answers_out(answers),
            photos=photos,
            # Referenced photos not received yet: the references already say which.
            missing_photos=sorted({photo.uuid for photo in photos if not photo.received}),
            trust=None
            if not may(caller, FOLLOW_UP)
            else visit_trust.trust_out(
                visit_trust.from_json(row["trust_reasons"]), caller.language
            ),
        )

    async def trust_of(
        self, caller: Caller, audit_uuid: uuid_module.UUID, language: str | None = None
    ) -> TrustOut | None:
        """The audit's trust score as the caller may see it, in `language` (the caller's):
        None for an auditor; 404 for an audit the caller may not see (for a client user, one
        not released or outside their scope)."""
        rows = await self.database.fetch(SELECT_TRUST, audit_uuid)
        if not rows or not can_see(caller, audit_record(rows[0])):
            raise NotFound(_("There is no such audit."))
        if not may(caller, FOLLOW_UP):
            return None
        return visit_trust.trust_out(
            visit_trust.from_json(rows[0]["trust_reasons"]),
            language or caller.language,
            client=caller.is_client_user,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class OtherAudit:
    """An audit named by a reason of another (the one holding a reused photo's original), as
    a page links to it."""

    uuid: str
    outlet_code: str
    outlet_name: str
    started_at: dt.datetime


SELECT_OTHERS = (
    "SELECT a.uuid AS uuid, a.auditor AS auditor, a.outlet AS outlet, o.region AS region, "
    "a.client AS client, a.status AS status, o.code AS code, o.name AS name, "
    "a.started_at AS started_at FROM audit a JOIN outlet o ON o.id = a.outlet "
    "WHERE a.uuid IN ({marks})"
)


async def others_seen(
    database: Database, caller: Caller, audit_uuids: Iterable[str]
) -> list[OtherAudit]:
    """Of the audits `audit_uuids`, those the caller may see, oldest visit first."""
    wanted = sorted(set(audit_uuids))
    if not wanted:
        return []
    rows = await database.fetch(
        SELECT_OTHERS.format(marks=marks(len(wanted))), *map(uuid_module.UUID, wanted)
    )
    seen = [
        OtherAudit(str(row["uuid"]), row["code"], row["name"], row["started_at"])
        for row in rows
        if can_see(caller, audit_record(row))
    ]
    seen.sort(key=lambda audit: (audit.started_at, audit.uuid))
    return seen


SELECT_TRUST = (
    "SELECT a.auditor AS auditor, a.outlet AS outlet, o.region AS region, a.client AS client, "
    "a.status AS status, a.trust_reasons AS trust_reasons "
    "FROM audit a JOIN outlet o ON o.id = a.outlet WHERE a.uuid = ?"
)


def answers_out(rows: list[Row]) -> list[AnswerOut]:
    """Rows of `SELECT_ANSWERS` as the wire shows them."""
    return [
        AnswerOut(
            item=row["item"],
            value=None if row["value"] is None else json.loads(row["value"]),
            na=row["na"],
            comment=row["comment"],
            photos=json.loads(row["photos"]),
        )
        for row in rows
    ]


def photo_references(rows: list[Row]) -> list[PhotoRefOut]:
    """Rows of `SELECT_PHOTO_REFERENCES` with where to read each received photo's images."""
    references = []
    for row in rows:
        received = row["photo_id"] is not None
        base = f"/api/v1/photos/{row['photo_uuid']}"
        references.append(
            PhotoRefOut(
                uuid=str(row["photo_uuid"]),
                item=row["item"],
                received=received,
                display_url=f"{base}/display" if received else None,
                thumbnail_url=f"{base}/thumbnail" if received else None,
            )
        )
    return references


def audit_record(row: Row) -> Record:
    """Where a row of the audit table (with its outlet's `region`) sits, for the access rule."""
    return Record(
        client_id=row["client"],
        region_id=row["region"],
        outlet_id=row["outlet"],
        auditor_id=row["auditor"],
        released=row["status"] in RELEASED_STATES,
    )

"""Receiving a photo (`PUT /api/v1/photos/{uuid}`) and serving its derived images.

201 stored; 200 the same bytes (same SHA-256) are already stored under that uuid; 409 the
uuid holds other bytes, or the media store holds other bytes under one of the photo's content
keys (damage an operator must repair; logged at error level, nothing recorded). The image
work (`server.photos.store_photo`: hash check, content sniffing, size limits, display image
and thumbnail) runs in a worker thread, and the `photo` row is written only after the media
store holds every file, so a row always points at media. A photo may arrive before or after
its audit: when it arrives after, the photo flags of the audits that reference it are
computed again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from typing import Final

import anyio.to_thread

from server.access.caller import ADMIN, AUDITOR, REVIEWER, Caller
from server.audits import flags as visit_flags
from server.audits.ingest import photo_facts
from server.audits.schemas import PhotoReceipt
from server.audits.sql import Connection, Reader, SqlRunner, UniqueViolation
from server.core.errors import (
    Conflict,
    NotFound,
)
from server.core.i18n import _
from server.photos import PhotoLimits, StoredPhoto, store_photo
from server.storage import MediaStore
from shared.lifecycle import RELEASED_STATES

INSERT_PHOTO: Final = (
    "INSERT INTO photo (uuid, sha256, media_type, width, height, size_bytes, captured_at, "
    "original_key, display_key, thumbnail_key, uploaded_by, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_AUDITS_USING: Final = (
    "SELECT a.id, a.uuid, a.channel, a.started_at, a.finished_at, a.flags, o.timezone "
    "FROM audit_photo ap JOIN audit a ON a.id = ap.audit JOIN outlet o ON o.id = a.outlet "
    "WHERE ap.photo_uuid = ?"
)


def _timestamp(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    moment = dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclasses.dataclass(slots=True)
class PhotoIntake:
    sql: SqlRunner
    store: MediaStore
    limits: PhotoLimits

    async def known_hash(self, photo_uuid: uuid_module.UUID) -> str | None:
        rows = await self.sql.database.fetch("SELECT sha256 FROM photo WHERE uuid = ?", photo_uuid)
        return rows[0][0] if rows else None

    async def put_photo(
        self, caller: Caller, photo_uuid: uuid_module.UUID, data: bytes, declared_sha256: str
    ) -> tuple[bool, PhotoReceipt]:
        """Store the photo; (created, receipt).

        Raises 409 for other bytes under the uuid or under a content key in the media store.
        """
        caller.require_role(AUDITOR, ADMIN)
        declared = declared_sha256.strip().lower()
        stored_hash = await self.known_hash(photo_uuid)
        if stored_hash is not None:
            return self._decide(photo_uuid, stored_hash, declared, data)
        # A refused photo raises a `PhotoError`, itself a problem detail with its status.
        photo: StoredPhoto = await anyio.to_thread.run_sync(
            store_photo, self.store, photo_uuid, data, declared, self.limits
        )
        now = dt.datetime.now(dt.UTC)
        captured = photo.taken_at.isoformat() if photo.taken_at else None
        try:
            async with self.sql.transaction() as connection:
                await connection.execute(
                    INSERT_PHOTO,
                    photo_uuid, photo.sha256, photo.mime_type, photo.width, photo.height,
                    photo.size_bytes, captured, photo.original_key, photo.display_key,
                    photo.thumbnail_key, caller.user_id, now,
                )  # fmt: skip
                await refresh_photo_flags(connection, photo_uuid)
        except UniqueViolation:
            stored_hash = await self.known_hash(photo_uuid)
            assert stored_hash is not None
            return self._decide(photo_uuid, stored_hash, declared, data)
        return True, PhotoReceipt(uuid=str(photo_uuid), sha256=photo.sha256)

    def _decide(
        self, photo_uuid: uuid_module.UUID, stored_hash: str, declared: str, data: bytes
    ) -> tuple[bool, PhotoReceipt]:
        import hashlib

        if declared == stored_hash and hashlib.sha256(data).hexdigest() == stored_hash:
            return False, PhotoReceipt(uuid=str(photo_uuid), sha256=stored_hash)
        raise Conflict(_("Another photo is already stored under this id."))

    async def image(self, caller: Caller, photo_uuid: uuid_module.UUID, variant: str) -> bytes:
        """The display JPEG or thumbnail of a photo the caller may see (else 404)."""
        column = {"display": "display_key", "thumbnail": "thumbnail_key"}[variant]
        reader = self.sql.database
        rows = await reader.fetch(
            f"SELECT id, {column}, uploaded_by FROM photo WHERE uuid = ?",  # noqa: S608
            photo_uuid,
        )
        if not rows or not await _may_see(reader, caller, photo_uuid, rows[0][2]):
            raise NotFound(_("There is no such photo."))
        key: str = rows[0][1]
        data: bytes = await anyio.to_thread.run_sync(self.store.get, key)
        return data


async def _may_see(
    connection: Reader, caller: Caller, photo_uuid: uuid_module.UUID, uploader: int | None
) -> bool:
    if caller.role == ADMIN:
        return True
    if caller.role == AUDITOR and uploader == caller.user_id:
        return True
    rows = await connection.fetch(
        "SELECT a.auditor, a.client, a.outlet, a.status, o.region FROM audit_photo ap "
        "JOIN audit a ON a.id = ap.audit JOIN outlet o ON o.id = a.outlet "
        "WHERE ap.photo_uuid = ?",
        photo_uuid,
    )
    for auditor, client, outlet, status, region in rows:
        if caller.role == AUDITOR and auditor == caller.user_id:
            return True
        if caller.role == REVIEWER and client in caller.reviewer_client_ids:
            return True
        if caller.is_client_user and client == caller.client_id and status in RELEASED_STATES:
            if caller.role == "head_office":
                return True
            if caller.role == "regional_manager" and region in caller.region_ids:
                return True
            if caller.role == "outlet_manager" and outlet in caller.outlet_ids:
                return True
    return False


async def refresh_photo_flags(connection: Connection, photo_uuid: uuid_module.UUID) -> None:
    """Recompute the photo flags of every audit referencing a photo that has just arrived."""
    audits = await connection.fetch(SELECT_AUDITS_USING, photo_uuid)
    for audit_id, audit_uuid, channel, started, finished, flags_text, timezone in audits:
        references = await connection.fetch(
            "SELECT photo_uuid FROM audit_photo WHERE audit = ?", audit_id
        )
        audit_key = uuid_module.UUID(str(audit_uuid))
        facts = await photo_facts(connection, [str(row[0]) for row in references], audit_key)
        visit = visit_flags.Visit(
            channel=channel,
            started_at=_timestamp(started),
            finished_at=_timestamp(finished),
            sent_at=None,
            received_at=_timestamp(started),
            lat=None,
            lon=None,
            accuracy_m=None,
            outlet_lat=None,
            outlet_lon=None,
            outlet_timezone=timezone,
        )
        kept = [
            flag for flag in json.loads(flags_text) if flag["code"] not in visit_flags.PHOTO_FLAGS
        ]
        fresh = kept + visit_flags.photo_flags(visit, facts)
        await connection.execute(
            "UPDATE audit SET flags = ? WHERE id = ?",
            json.dumps(fresh, separators=(",", ":")),
            audit_id,
        )

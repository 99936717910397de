"""Photos client users add: a dispute's photo and a corrective action's evidence photo.

`PUT /api/v1/photos/{uuid}` is the auditors' sync route; outlet managers and the other client
roles attach a photo to the record it belongs to instead, so the upload is scoped by that
record (another outlet's dispute or action is a 404, exactly as reading it):

- `PUT /api/v1/disputes/{id}/photo`: who may raise disputes (outlet manager, admin), while the
  dispute is open;
- `PUT /api/v1/corrective-actions/{id}/evidence`: managers in scope, while the action is open
  (the evidence goes with completing it).

The body is the image; `X-Content-SHA256` is checked when sent. The photo goes through the
same pipeline, media store and limits as the auditors' photos (`server.photos.store_photo`:
413 / 415 / 422 problem details, nothing written when refused), gets a fresh uuid and a `photo`
row, and the record is linked to it in one transaction, with an audit-log entry. Sending the
photo the record already holds changes nothing (200); a new one replaces it (201).

Whoever may read the record reads its photo (`.../photo/display`, `.../evidence/thumbnail`,
...): the reviewer and the managers in scope, through these routes only. A photo uuid given
when raising a dispute or completing an action must be one of the audit's own photos or one
the caller uploaded here (`server.workflow.access.check_photo_reference`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid as uuid_module
from collections.abc import Awaitable, Callable
from typing import Any, Final

import anyio.to_thread
from litestar import Request

from server.access.abilities import PLAN_CORRECTIVE_ACTIONS, require, require_step
from server.access.caller import Caller
from server.auditlog import service as auditlog
from server.audits.tables import Photo
from server.core.database import Database
from server.core.errors import Conflict, NotFound
from server.core.i18n import _
from server.photos import PhotoLimits, StoredPhoto, store_photo
from server.photos.upload import read_upload
from server.storage import MediaStore
from server.workflow.corrective import CorrectiveService
from server.workflow.disputes import DisputeService
from server.workflow.tables import CorrectiveAction as ActionTable
from server.workflow.tables import Dispute as DisputeTable
from shared.lifecycle import AUDIT_TRANSITIONS, OPEN

VARIANT_COLUMNS: Final = {"display": Photo.display_key, "thumbnail": Photo.thumbnail_key}
Body = Callable[[], Awaitable[bytes]]


def photo_body(request: Request[Any, Any, Any], limits: PhotoLimits) -> Body:
    """Reads the uploaded bytes when called; too many by Content-Length is 413 unread."""

    async def read() -> bytes:
        return await read_upload(request, limits)

    return read


def _sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class EvidencePhotos:
    database: Database
    store: MediaStore
    limits: PhotoLimits

    # --- disputes --------------------------------------------------------------------------

    async def attach_to_dispute(
        self, caller: Caller, dispute_id: int, body: Body, declared_sha256: str | None
    ) -> bool:
        """Store the body as the dispute's photo; True when it is a new photo.

        The body is read only once the caller is allowed to attach it (no 25 MB upload is
        taken in just to answer 404).
        """
        require_step(caller, AUDIT_TRANSITIONS, "dispute")
        disputes = DisputeService(self.database)
        row = await disputes.load_row(caller, dispute_id)
        if row["status"] != OPEN:
            raise Conflict(_("The dispute is resolved; its photo can no longer change."))
        data = await body()
        if await self._holds(row["photo_uuid"], data):
            return False
        photo = await self._store(data, declared_sha256)
        async with self.database.transaction():
            await self._record(caller, photo)
            linked = (
                await DisputeTable.update({DisputeTable.photo_uuid: photo.uuid})
                .where(DisputeTable.id == dispute_id, DisputeTable.status == OPEN)
                .returning(DisputeTable.id)
            )
            if not linked:
                raise Conflict(_("The dispute is resolved; its photo can no longer change."))
            await auditlog.record(
                caller,
                "attach_photo",
                "dispute",
                dispute_id,
                before={"photo_uuid": row["photo_uuid"]},
                after={"photo_uuid": photo.uuid},
            )
        return True

    async def dispute_photo(self, caller: Caller, dispute_id: int, variant: str) -> bytes:
        row = await DisputeService(self.database).load_row(caller, dispute_id)
        return await self._image(row["photo_uuid"], variant)

    # --- corrective actions ----------------------------------------------------------------

    async def attach_to_action(
        self, caller: Caller, action_id: int, body: Body, declared_sha256: str | None
    ) -> bool:
        """Store the body as the corrective action's evidence; True when it is a new photo."""
        require(caller, PLAN_CORRECTIVE_ACTIONS)
        row = await CorrectiveService(self.database).load_row(caller, action_id)
        if row["status"] != OPEN:
            raise Conflict(_("Evidence is added while the corrective action is open."))
        data = await body()
        if await self._holds(row["evidence_photo_uuid"], data):
            return False
        photo = await self._store(data, declared_sha256)
        async with self.database.transaction():
            await self._record(caller, photo)
            linked = (
                await ActionTable.update(
                    {
                        ActionTable.evidence_photo_uuid: photo.uuid,
                        ActionTable.updated_at: dt.datetime.now(dt.UTC),
                    }
                )
                .where(ActionTable.id == action_id, ActionTable.status == OPEN)
                .returning(ActionTable.id)
            )
            if not linked:
                raise Conflict(_("Evidence is added while the corrective action is open."))
            await auditlog.record(
                caller,
                "attach_photo",
                "corrective_action",
                action_id,
                before={"evidence_photo_uuid": row["evidence_photo_uuid"]},
                after={"evidence_photo_uuid": photo.uuid},
            )
        return True

    async def action_photo(self, caller: Caller, action_id: int, variant: str) -> bytes:
        row = await CorrectiveService(self.database).load_row(caller, action_id)
        return await self._image(row["evidence_photo_uuid"], variant)

    # --- shared ----------------------------------------------------------------------------

    async def _holds(self, photo_uuid: Any, data: bytes) -> bool:
        """Whether the record's current photo has exactly these bytes (a retried upload)."""
        if photo_uuid is None:
            return False
        row = await Photo.select(Photo.sha256).where(Photo.uuid == photo_uuid).first()
        return row is not None and row["sha256"] == _sha256_of(data)

    async def _store(self, data: bytes, declared_sha256: str | None) -> StoredPhoto:
        """Check and store the image (CPU-bound, in a worker thread); a `PhotoError` if refused."""
        declared = (declared_sha256 or "").strip().lower() or _sha256_of(data)
        photo: StoredPhoto = await anyio.to_thread.run_sync(
            store_photo, self.store, uuid_module.uuid4(), data, declared, self.limits
        )
        return photo

    async def _record(self, caller: Caller, photo: StoredPhoto) -> None:
        await Photo.insert(
            Photo(
                uuid=photo.uuid,
                sha256=photo.sha256,
                media_type=photo.mime_type,
                width=photo.width,
                height=photo.height,
                size_bytes=photo.size_bytes,
                captured_at=photo.taken_at.isoformat() if photo.taken_at else None,
                original_key=photo.original_key,
                display_key=photo.display_key,
                thumbnail_key=photo.thumbnail_key,
                uploaded_by=caller.user_id,
                received_at=dt.datetime.now(dt.UTC),
            )
        )

    async def _image(self, photo_uuid: Any, variant: str) -> bytes:
        column = VARIANT_COLUMNS.get(variant)
        row = (
            None
            if photo_uuid is None or column is None
            else await Photo.select(column.as_alias("key")).where(Photo.uuid == photo_uuid).first()
        )
        if row is None:
            raise NotFound(_("There is no such photo."))
        image: bytes = await anyio.to_thread.run_sync(self.store.get, row["key"])
        return image

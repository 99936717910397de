"""Receiving a photo (`PUT /api/v1/photos/{uuid}`) and serving its derived images.

201 stored; 200 the same bytes (same SHA-256) are already stored under that uuid; 409 the
uuid holds other bytes, or the media store holds other bytes under one of the photo's content
keys (damage an operator must repair; logged at error level, nothing recorded). The image
work (`server.photos.store_photo`: hash check, content sniffing, size limits, display image
and thumbnail) runs in a worker thread, and the `photo` row is written only after the media
store holds every file, so a row always points at media, and with it what the trust score
reads of the photo (camera details, perceptual hash and its bands). A photo may arrive before
or after its audit: when it arrives after, the photo flags and the photo reasons of the trust
score of the audits that reference it are computed again, and such an audit of a client that
releases trusted audits by itself may then be released (docs/contract.md#trust).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from typing import Final

import anyio.to_thread

from server.access.abilities import SEND_AUDITS, require
from server.access.caller import ADMIN, Caller
from server.access.scope import Record, can_see
from server.audits import flags as visit_flags
from server.audits import trust as visit_trust
from server.audits.evidence import photo_facts
from server.audits.queries import audit_record
from server.audits.schemas import PhotoReceipt
from server.core.context import AppContext
from server.core.database import Connection, Database, UniqueViolation
from server.core.errors import Conflict, NotFound
from server.core.i18n import _
from server.photos import PhotoLimits, StoredPhoto, similarity, store_photo
from server.storage import MediaStore
from server.workflow.review import release_if_trusted
from shared.lifecycle import SUBMITTED

SELECT_AUDITS_USING: Final = (
    "SELECT DISTINCT a.id AS id, a.uuid AS uuid, a.channel AS channel, a.started_at AS started_at, "
    "a.finished_at AS finished_at, a.flags AS flags, a.trust_reasons AS trust_reasons, "
    "a.revision AS revision, a.status AS status, o.timezone AS timezone, "
    "s.auto_release AS auto_release "
    "FROM audit_photo ap JOIN audit a ON a.id = ap.audit JOIN outlet o ON o.id = a.outlet "
    "LEFT JOIN client_workflow_settings s ON s.client = a.client "
    "WHERE ap.photo_uuid = ?"
)


@dataclasses.dataclass(slots=True)
class PhotoIntake:
    database: Database
    store: MediaStore
    limits: PhotoLimits

    @classmethod
    def of(cls, context: AppContext) -> PhotoIntake:
        """On the app's database, media store and photo limits."""
        return cls(context.database, context.media_store, context.photo_limits)

    async def known_hash(self, photo_uuid: uuid_module.UUID) -> str | None:
        rows = await self.database.fetch("SELECT sha256 FROM photo WHERE uuid = ?", photo_uuid)
        return rows[0]["sha256"] if rows else None

    async def put_photo(
        self, caller: Caller, photo_uuid: uuid_module.UUID, data: bytes, declared_sha256: str
    ) -> tuple[bool, PhotoReceipt]:
        """Store the photo; (created, receipt).

        Raises 409 for other bytes under the uuid or under a content key in the media store.
        """
        require(caller, SEND_AUDITS)
        declared = declared_sha256.strip().lower()
        stored_hash = await self.known_hash(photo_uuid)
        if stored_hash is not None:
            return self._decide(photo_uuid, stored_hash, declared, data)
        # A refused photo raises a `PhotoError`, itself a problem detail with its status.
        photo: StoredPhoto = await anyio.to_thread.run_sync(
            store_photo, self.store, photo_uuid, data, declared, self.limits
        )
        now = dt.datetime.now(dt.UTC)
        try:
            async with self.database.transaction() as connection:
                await connection.insert("photo", photo_row(photo, caller.user_id, now))
                releasable = await refresh_photo_flags(connection, photo_uuid)
        except UniqueViolation:
            stored_hash = await self.known_hash(photo_uuid)
            assert stored_hash is not None
            return self._decide(photo_uuid, stored_hash, declared, data)
        for audit_uuid in releasable:
            await release_if_trusted(self.database, audit_uuid)
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
        rows = await self.database.fetch(
            f"SELECT {column} AS media_key, uploaded_by FROM photo WHERE uuid = ?",  # noqa: S608
            photo_uuid,
        )
        if not rows or not await _may_see(
            self.database, caller, photo_uuid, rows[0]["uploaded_by"]
        ):
            raise NotFound(_("There is no such photo."))
        key: str = rows[0]["media_key"]
        data: bytes = await anyio.to_thread.run_sync(self.store.get, key)
        return data


async def _may_see(
    database: Database, caller: Caller, photo_uuid: uuid_module.UUID, uploader: int | None
) -> bool:
    """Its uploader sees a photo, and whoever may see an audit of that uploader (or any audit,
    for a photo an admin uploaded) that references it: naming someone else's photo in an audit
    shows it to nobody (docs/contract.md#photos)."""
    if can_see(caller, Record(client_id=None, auditor_id=uploader)):
        return True
    rows = await database.fetch(
        "SELECT a.auditor AS auditor, a.client AS client, a.outlet AS outlet, "
        "a.status AS status, o.region AS region FROM audit_photo ap "
        "JOIN audit a ON a.id = ap.audit JOIN outlet o ON o.id = a.outlet "
        "LEFT JOIN app_user u ON u.id = ? "
        "WHERE ap.photo_uuid = ? AND (a.auditor = ? OR u.role = ?)",
        uploader,
        photo_uuid,
        uploader,
        ADMIN,
    )
    return any(can_see(caller, audit_record(row)) for row in rows)


def photo_row(photo: StoredPhoto, uploaded_by: int | None, now: dt.datetime) -> dict[str, object]:
    """The `photo` row of a stored photo, with what the trust score reads of it."""
    bands: tuple[int | None, ...] = (None,) * similarity.BANDS
    if photo.phash is not None:
        bands = similarity.bands(photo.phash)
    return {
        "uuid": photo.uuid,
        "sha256": photo.sha256,
        "media_type": photo.mime_type,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": photo.size_bytes,
        "captured_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "original_key": photo.original_key,
        "display_key": photo.display_key,
        "thumbnail_key": photo.thumbnail_key,
        "uploaded_by": uploaded_by,
        "received_at": now,
        "metadata_read": True,
        "camera_make": photo.camera_make,
        "camera_model": photo.camera_model,
        "software": photo.software,
        "phash": None if photo.phash is None else similarity.to_text(photo.phash),
        **{f"phash_b{band}": value for band, value in enumerate(bands)},
    }


async def refresh_photo_flags(
    connection: Connection, photo_uuid: uuid_module.UUID
) -> list[uuid_module.UUID]:
    """Recompute the photo flags and the trust score's photo reasons of every audit referencing
    a photo that has just arrived (the audit and its current revision).

    Returns the submitted audits among them whose client releases trusted audits by itself:
    once this transaction commits, each may be released.
    """
    releasable: list[uuid_module.UUID] = []
    for audit in await connection.fetch(SELECT_AUDITS_USING, photo_uuid):
        references = await connection.fetch(
            "SELECT photo_uuid FROM audit_photo WHERE audit = ?", audit["id"]
        )
        facts = await photo_facts(
            connection, [str(row["photo_uuid"]) for row in references], audit["uuid"]
        )
        visit = visit_flags.Visit(
            channel=audit["channel"],
            started_at=audit["started_at"],
            finished_at=audit["finished_at"],
            sent_at=None,
            received_at=audit["started_at"],
            lat=None,
            lon=None,
            accuracy_m=None,
            outlet_lat=None,
            outlet_lon=None,
            outlet_timezone=audit["timezone"],
        )
        kept = [
            flag
            for flag in json.loads(audit["flags"])
            if flag["code"] not in visit_flags.PHOTO_FLAGS
        ]
        of_photos = visit_flags.photo_flags(visit, facts)
        fresh = json.dumps(kept + of_photos, separators=(",", ":"))
        reasons = visit_trust.with_photo_reasons(
            visit_trust.from_json(audit["trust_reasons"]),
            visit_trust.photo_reasons(of_photos, facts, visit_flags.DEFAULT_RULES),
        )
        assessed = (fresh, visit_trust.score_of(reasons), visit_trust.to_json(reasons))
        await connection.execute(
            "UPDATE audit SET flags = ?, trust = ?, trust_reasons = ? WHERE id = ?",
            *assessed,
            audit["id"],
        )
        await connection.execute(
            "UPDATE audit_revision SET flags = ?, trust = ?, trust_reasons = ? "
            "WHERE audit = ? AND revision = ?",
            *assessed,
            audit["id"],
            audit["revision"],
        )
        if audit["auto_release"] and audit["status"] == SUBMITTED:
            releasable.append(audit["uuid"])
    return releasable

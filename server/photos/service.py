"""Store one uploaded photo: check its hash, inspect it, derive its images, write them all.

`store_photo` is what the `PUT /api/v1/photos/{uuid}` route calls (docs/contract.md#photos).
It is plain synchronous code with no database, so the route runs it in a worker thread
(`anyio.to_thread.run_sync`) and then records the returned `StoredPhoto` in its own tables, only
after every object is stored. Deciding 201/200/409 for the uuid is the route's job: it knows
which hash the uuid already holds; this function only stores content.

Every object is stored under the SHA-256 of its own bytes (`content_key`), so the same photo
sent for two audits, or sent twice, is stored once, and a retry after a crash rewrites nothing.

Refusals are `PhotoError`s (server errors with their HTTP status): `PhotoHashMismatch` 422,
`PhotoTooLarge` 413, `UnsupportedImage` 415, `DamagedImage` 422. Nothing is written when a photo
is refused. A store holding other bytes under one of the content keys (damage, or another tool
writing into it) is `StoredContentDiffers` 409, logged at error level: the stored object is
kept, and resending cannot help until an operator repairs it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from server.core.errors import Conflict
from server.core.i18n import _
from server.photos import pipeline
from server.photos.errors import BAD_DECLARED_HASH, HASH_MISMATCH, PhotoError, PhotoHashMismatch
from server.storage import MediaStore, ObjectConflict, content_key

__all__ = ["PhotoLimits", "StoredContentDiffers", "StoredPhoto", "store_photo"]

logger = logging.getLogger("shopscore.storage")

ORIGINALS: Final = "originals"
DISPLAY: Final = "display"
THUMBNAILS: Final = "thumbs"
_HEX_SHA256: Final = re.compile(r"[0-9a-fA-F]{64}")


STORED_CONTENT_DIFFERS: Final = _(
    "The server's media store holds different bytes under this photo's hash. "
    "An operator must repair the store; keep the photo and send it again later."
)


class StoredContentDiffers(PhotoError, Conflict):
    """Other bytes sit in the store under a key named after this content's SHA-256: damage."""

    code = "stored_content_differs"


@dataclass(frozen=True)
class PhotoLimits:
    """What an upload may weigh: bytes of the file and pixels of the image."""

    max_bytes: int = pipeline.DEFAULT_MAX_BYTES
    max_pixels: int = pipeline.DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class StoredPhoto:
    """What was stored for one photo; the caller records it in the database.

    `width`/`height` are the original's upright size; `taken_at` its EXIF capture time,
    `camera_make`, `camera_model` and `software` its EXIF texts and `phash` its perceptual hash
    (see `pipeline.Derived`). `created` is True when the original was not in the store before.
    """

    uuid: uuid_module.UUID
    sha256: str
    size_bytes: int
    format: str
    mime_type: str
    width: int
    height: int
    taken_at: datetime | None
    original_key: str
    display_key: str
    display_width: int
    display_height: int
    thumbnail_key: str
    thumbnail_width: int
    thumbnail_height: int
    created: bool
    camera_make: str | None = None
    camera_model: str | None = None
    software: str | None = None
    phash: int | None = None


def store_photo(
    store: MediaStore,
    uuid: uuid_module.UUID | str,
    data: bytes,
    declared_sha256: str,
    limits: PhotoLimits = PhotoLimits(),
) -> StoredPhoto:
    """Check, derive and store one photo; raise a `PhotoError` (nothing written) if refused.

    Raises `StoredContentDiffers` if the store holds other bytes under one of the content keys.
    """
    photo_uuid = uuid if isinstance(uuid, uuid_module.UUID) else uuid_module.UUID(uuid)
    sha256 = _check_hash(data, declared_sha256)
    info = pipeline.inspect(data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    derived = pipeline.derive(data, max_pixels=limits.max_pixels)

    original_key = content_key(ORIGINALS, sha256)
    display_key = content_key(DISPLAY, hashlib.sha256(derived.display).hexdigest(), ".jpg")
    thumbnail_key = content_key(THUMBNAILS, hashlib.sha256(derived.thumbnail).hexdigest(), ".jpg")
    try:
        # Derived images first: once the original is present, everything it needs is too.
        store.put(display_key, derived.display, content_type="image/jpeg")
        store.put(thumbnail_key, derived.thumbnail, content_type="image/jpeg")
        created = store.put(original_key, data, content_type=info.mime_type)
    except ObjectConflict as conflict:
        key = str(conflict.args[0]) if conflict.args else ""
        logger.error(
            "%r holds other bytes under content key %s (photo %s): an operator must repair it",
            store,
            key,
            photo_uuid,
            extra={"fields": {"key": key, "photo": str(photo_uuid)}},
        )
        raise StoredContentDiffers(STORED_CONTENT_DIFFERS) from conflict
    return StoredPhoto(
        uuid=photo_uuid,
        sha256=sha256,
        size_bytes=len(data),
        format=info.format,
        mime_type=info.mime_type,
        width=derived.width,
        height=derived.height,
        taken_at=derived.taken_at,
        original_key=original_key,
        display_key=display_key,
        display_width=derived.display_width,
        display_height=derived.display_height,
        thumbnail_key=thumbnail_key,
        thumbnail_width=derived.thumbnail_width,
        thumbnail_height=derived.thumbnail_height,
        created=created,
        camera_make=derived.camera_make,
        camera_model=derived.camera_model,
        software=derived.software,
        phash=derived.phash,
    )


def _check_hash(data: bytes, declared_sha256: str) -> str:
    """The lower-case SHA-256 of `data` if it is the one declared, else `PhotoHashMismatch`."""
    if not _HEX_SHA256.fullmatch(declared_sha256):
        raise PhotoHashMismatch(BAD_DECLARED_HASH, declared=declared_sha256[:80])
    actual = hashlib.sha256(data).hexdigest()
    if not hmac.compare_digest(actual, declared_sha256.lower()):
        raise PhotoHashMismatch(HASH_MISMATCH, actual=actual, declared=declared_sha256.lower())
    return actual

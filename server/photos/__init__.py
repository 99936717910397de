"""Photos: the image pipeline (`pipeline`), its refusals (`errors`) and storing (`service`).

How `PUT /api/v1/photos/{uuid}` uses it (docs/contract.md#sync-photos, #photos):

1. `check_upload_size(int(content_length))` before reading the body (the route's own request
   body limit must be above 25 MB, since Litestar's default is 10 MB).
2. If the uuid is already recorded: same SHA-256 as `X-Content-SHA256` -> 200, other -> 409.
3. `stored = await anyio.to_thread.run_sync(store_photo, store, uuid, body, declared_sha256)`
   (CPU-bound: about 80 ms of CPU for a 12 MP JPEG). It writes the original and derived
   images; then record `stored` in the database and answer 201.
4. A `PhotoError` is a `server.core.errors.ServerError` with its own status (413, 415 or 422):
   let it propagate and `server.core.problems` answers with the problem detail. Nothing was
   written. `error.translated(translation(lang))` gives the message in the caller's language.
"""

from server.photos.errors import (
    DamagedImage,
    PhotoError,
    PhotoHashMismatch,
    PhotoTooLarge,
    UnsupportedImage,
)
from server.photos.pipeline import Derived, ImageInfo, check_upload_size, derive, inspect
from server.photos.service import PhotoLimits, StoredPhoto, store_photo

__all__ = [
    "DamagedImage",
    "Derived",
    "ImageInfo",
    "PhotoError",
    "PhotoHashMismatch",
    "PhotoLimits",
    "PhotoTooLarge",
    "StoredPhoto",
    "UnsupportedImage",
    "check_upload_size",
    "derive",
    "inspect",
    "store_photo",
]

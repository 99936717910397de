"""Media storage behind one small interface: local disk by default, S3-compatible in production.

    store = LocalMediaStore("var/media")          # or S3MediaStore(endpoint, bucket, ...)
    store = media_store_from_settings(settings)   # what MEDIA_STORE and S3_* ask for
    store.put(content_key("originals", sha256), data)   # atomic, idempotent
    store.get(key); store.exists(key); store.stream(key); store.delete(key)

See `server.storage.base` for the contract every implementation follows.
"""

from server.storage.base import (
    InvalidKey,
    MediaNotFound,
    MediaStore,
    MediaStoreError,
    ObjectConflict,
    check_key,
    content_key,
)
from server.storage.from_settings import media_store_from_settings
from server.storage.local import LocalMediaStore
from server.storage.s3 import S3MediaStore

__all__ = [
    "InvalidKey",
    "LocalMediaStore",
    "MediaNotFound",
    "MediaStore",
    "MediaStoreError",
    "ObjectConflict",
    "S3MediaStore",
    "check_key",
    "content_key",
    "media_store_from_settings",
]

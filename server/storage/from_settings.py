"""The media store the settings ask for: local disk (`MEDIA_DIR`) or S3 (`MEDIA_STORE=s3`)."""

from __future__ import annotations

from server.core.settings import Settings
from server.storage.base import MediaStore
from server.storage.local import LocalMediaStore
from server.storage.s3 import S3MediaStore


def media_store_from_settings(settings: Settings) -> MediaStore:
    if settings.media_store == "s3":
        s3 = settings.s3
        assert s3 is not None, "Settings refuses MEDIA_STORE=s3 without S3 settings"
        return S3MediaStore(
            s3.endpoint_url,
            s3.bucket,
            s3.access_key_id,
            s3.secret_access_key,
            s3.region,
            prefix=s3.prefix,
        )
    return LocalMediaStore(settings.media_dir)

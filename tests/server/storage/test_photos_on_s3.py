"""The production composition: `store_photo` writing a real phone photo to S3 (moto)."""

from __future__ import annotations

import hashlib
import io
import uuid

from PIL import Image

from server.photos import store_photo
from server.storage import S3MediaStore
from tests.fixtures import PHOTOS
from tests.server.storage.conftest import S3Server

PHOTO = str(PHOTOS / "orientation_6.jpg")


def test_a_photo_stored_on_s3_twice_is_written_once(s3_server: S3Server, s3_bucket: str) -> None:
    store = S3MediaStore(
        s3_server.endpoint, s3_bucket, s3_server.access_key, s3_server.secret_key, s3_server.region
    )
    with open(PHOTO, "rb") as file:
        data = file.read()
    digest = hashlib.sha256(data).hexdigest()

    first = store_photo(store, uuid.uuid4(), data, digest)
    again = store_photo(store, uuid.uuid4(), data, digest)

    assert (True, False) == (first.created, again.created)
    assert data == store.get(first.original_key)
    with Image.open(io.BytesIO(store.get(first.display_key))) as display:
        assert (450, 600) == display.size  # upright: the raw file is 600 x 450
    client = s3_server.client()
    listed = client.list_objects_v2(Bucket=s3_bucket)["Contents"]  # type: ignore[attr-defined]
    assert sorted([first.original_key, first.display_key, first.thumbnail_key]) == sorted(
        item["Key"] for item in listed
    )

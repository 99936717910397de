"""An app whose settings say `MEDIA_STORE=s3` keeps photos in the bucket (moto in server mode).

The settings come from an environment, as in production; photos go through the HTTP API.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from server.app import create_app
from server.core.settings import Settings, SettingsError
from server.storage import content_key
from tests.fixtures import PHOTOS
from tests.server.api import Api
from tests.server.audits.helpers import new_uuid, put_photo
from tests.server.conftest import create_first_admin
from tests.server.storage.conftest import S3Server

PHOTO = PHOTOS / "orientation_6.jpg"


def s3_environment(
    database_url: str, tmp_path: Path, s3_server: S3Server, bucket: str
) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "MEDIA_DIR": str(tmp_path / "media"),
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SHOPSCORE_CHEAP_ARGON2": "1",
        "MEDIA_STORE": "s3",
        "S3_ENDPOINT_URL": s3_server.endpoint,
        "S3_BUCKET": bucket,
        "S3_REGION": s3_server.region,
        "S3_ACCESS_KEY_ID": s3_server.access_key,
        "S3_SECRET_ACCESS_KEY": s3_server.secret_key,
    }


def bucket_keys(s3_server: S3Server, bucket: str) -> list[str]:
    client: Any = s3_server.client()
    listed = client.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def bucket_object(s3_server: S3Server, bucket: str, key: str) -> bytes:
    client: Any = s3_server.client()
    body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


async def test_a_photo_put_through_the_api_is_stored_in_the_bucket_and_served_back(
    database_url: str, tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    settings = Settings.from_env(s3_environment(database_url, tmp_path, s3_server, s3_bucket))
    await create_first_admin(settings)
    data = PHOTO.read_bytes()
    photo_uuid = new_uuid()
    original_key = content_key("originals", hashlib.sha256(data).hexdigest())

    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        api = Api(client, app)
        admin = await api.admin()
        first = await put_photo(api, admin, photo_uuid, data)
        again = await put_photo(api, admin, photo_uuid, data)
        display = await client.get(f"/api/v1/photos/{photo_uuid}/display", headers=admin)

    assert (201, 200) == (first.status_code, again.status_code), first.text
    keys = bucket_keys(s3_server, s3_bucket)
    assert 3 == len(keys)  # the original, the display JPEG and the thumbnail
    assert original_key in keys
    assert data == bucket_object(s3_server, s3_bucket, original_key)
    assert 200 == display.status_code
    stored_display = next(key for key in keys if key.startswith("display/"))
    assert bucket_object(s3_server, s3_bucket, stored_display) == display.content
    with Image.open(io.BytesIO(display.content)) as image:
        assert (450, 600) == image.size  # upright: the file is 600 x 450 with orientation 6
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"MEDIA_STORE": "s3"}, ["S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]),
        ({"MEDIA_STORE": "s3", "S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "k"},
         ["S3_SECRET_ACCESS_KEY"]),
        ({"MEDIA_STORE": "s3", "S3_BUCKET": "m", "S3_ACCESS_KEY_ID": "k",
          "S3_SECRET_ACCESS_KEY": "s", "S3_ENDPOINT_URL": "s3.example.net"}, ["S3_ENDPOINT_URL"]),
        ({"MEDIA_STORE": "ftp"}, ["MEDIA_STORE"]),
    ],
)  # fmt: skip
def test_incomplete_storage_settings_name_what_is_missing(
    environ: dict[str, str], names: list[str], tmp_path: Path
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"SECRET_KEY": "k" * 40, **environ}, var_dir=tmp_path)

    message = str(refused.value)
    assert [] == [name for name in names if name not in message]


def test_s3_settings_are_read_with_defaults_and_the_secret_stays_out_of_repr(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(
        {
            "SECRET_KEY": "k" * 40,
            "MEDIA_STORE": "S3",
            "S3_BUCKET": "shop-media",
            "S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "S3_SECRET_ACCESS_KEY": "very-secret-value",
        },
        var_dir=tmp_path,
    )

    assert "s3" == settings.media_store
    assert settings.s3 is not None
    expected = ("shop-media", "AKIAEXAMPLE", None, "us-east-1", "")
    s3 = settings.s3
    assert expected == (s3.bucket, s3.access_key_id, s3.endpoint_url, s3.region, s3.prefix)
    assert "very-secret-value" not in repr(settings)

"""Other bytes already under a photo's content key: a 409 an operator can act on, never a 500.

Content keys are the SHA-256 of their bytes, so other bytes under one are damage (or another
tool writing into the store). On S3 `If-None-Match: *` refuses the overwrite; on the local disk
the hard link refuses it. Either way the upload is refused with a problem detail saying the
store needs an operator, the error is logged at error level, the stored object is left as it
was and no photo row is written.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from server.photos.service import STORED_CONTENT_DIFFERS, StoredContentDiffers
from server.storage import content_key, media_store_from_settings
from tests.fixtures import PHOTOS
from tests.server.api import Api
from tests.server.audits.helpers import count_rows, new_uuid, put_photo
from tests.server.conftest import create_first_admin
from tests.server.storage.conftest import S3Server
from tests.server.storage.test_app_on_s3 import s3_environment

PHOTO = PHOTOS / "orientation_6.jpg"
OTHER_BYTES = b"someone else's bytes"


@pytest.fixture
def storage_errors(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Records of the `shopscore.storage` logger (the app's logging does not propagate)."""
    storage = logging.getLogger("shopscore.storage")
    storage.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        storage.removeHandler(caplog.handler)


@pytest.fixture(params=["local", "s3"])
def store_settings(
    request: pytest.FixtureRequest, settings: Settings, database_url: str, tmp_path: Path
) -> Settings:
    if request.param == "local":
        return settings
    s3_server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    return Settings.from_env(s3_environment(database_url, tmp_path, s3_server, bucket))


@pytest.mark.parametrize("engine", ["sqlite"])  # the store is the subject, not the engine
async def test_other_bytes_under_the_photo_hash_are_a_conflict_for_an_operator(
    store_settings: Settings, storage_errors: pytest.LogCaptureFixture
) -> None:
    settings = store_settings
    await create_first_admin(settings)
    data = PHOTO.read_bytes()
    original_key = content_key("originals", hashlib.sha256(data).hexdigest())
    store = media_store_from_settings(settings)
    store.put(original_key, OTHER_BYTES)
    photo_uuid = new_uuid()

    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        api = Api(client, app)
        admin = await api.admin()
        response = await put_photo(api, admin, photo_uuid, data)
        display = await client.get(f"/api/v1/photos/{photo_uuid}/display", headers=admin)

    assert 409 == response.status_code, response.text
    assert "application/problem+json" == response.headers["content-type"]
    problem = response.json()
    assert STORED_CONTENT_DIFFERS == problem["detail"]
    expected_error = {
        "item": None,
        "code": StoredContentDiffers.code,
        "message": STORED_CONTENT_DIFFERS,
    }
    assert [expected_error] == problem["errors"]
    assert OTHER_BYTES == store.get(original_key)
    assert 0 == await count_rows(settings, "photo")
    assert 404 == display.status_code
    errors = [record for record in storage_errors.records if record.levelno == logging.ERROR]
    assert 1 == len(errors)
    assert original_key in errors[0].getMessage()

"""Reports read thumbnails from the app's own media store: with `MEDIA_STORE=s3`, the bucket.

The report programme is seeded through the HTTP API of an app whose settings say S3 (moto in
server mode), so its one photo exists only in the bucket; the outlet PDF must embed that
photo's thumbnail exactly as stored (a DCTDecode image stream, not re-encoded), both from the
API route and from the dashboard's download route.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from tests.reports.pdf import image_streams
from tests.server.analytics.test_dashboard_http import log_in
from tests.server.api import Api
from tests.server.conftest import create_first_admin
from tests.server.reporting.seed import seed_reports
from tests.server.storage.conftest import S3Server
from tests.server.storage.test_app_on_s3 import bucket_keys, bucket_object, s3_environment

JPEG = ("/DCTDecode",)  # embedded as stored, not decoded and re-encoded


@pytest.mark.parametrize("engine", ["sqlite"])  # the store is the subject, not the engine
async def test_the_outlet_report_embeds_the_thumbnail_stored_in_the_bucket(
    database_url: str, tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    settings = Settings.from_env(s3_environment(database_url, tmp_path, s3_server, s3_bucket))
    await create_first_admin(settings)

    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        api = Api(client, app)
        programme = await seed_reports(api)
        outlet = programme.ids["outlet_own"]
        from_api = await client.get(
            f"/api/v1/outlets/{outlet}/report.pdf?lang=en",
            headers=programme.headers["outlet_manager"],
        )
        await log_in(api, "outlet_manager@example.test")
        from_dashboard = await client.get(f"/outlets/{outlet}/report.pdf")

    keys = bucket_keys(s3_server, s3_bucket)
    [thumbnail_key] = [key for key in keys if key.startswith("thumbs/")]
    thumbnail = bucket_object(s3_server, s3_bucket, thumbnail_key)
    for response in (from_api, from_dashboard):
        assert 200 == response.status_code, response.text
        embedded = [data for names, data in image_streams(response.content) if names == JPEG]
        assert [thumbnail] == [data for data in embedded if data == thumbnail]
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.jpg"))

"""One seeded report programme per engine for the whole folder: the report tests only read.

Seeding through the API costs seconds, so it runs once per engine; each test gets its own app
and client on that database (and the CLI tests their own copy of the media folder to break).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from tests.server.api import Api
from tests.server.reporting.seed import ReportWorld, seed_reports
from tests.server.seeded import seeded_database

SECRET_KEY = "reporting-secret-key-" + "x" * 32


@pytest.fixture(scope="package", params=["sqlite", "postgres"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, ReportWorld]]:
    yield from seeded_database(request, tmp_path_factory, "reporting", SECRET_KEY, seed_reports)


@pytest.fixture
def programme(seeded: tuple[Settings, ReportWorld]) -> ReportWorld:
    return seeded[1]


@pytest.fixture
def seeded_settings(seeded: tuple[Settings, ReportWorld]) -> Settings:
    return seeded[0]


@pytest.fixture
async def reader(seeded: tuple[Settings, ReportWorld]) -> AsyncIterator[Api]:
    """A fresh app and client on the folder's seeded database."""
    app = create_app(seeded[0])
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)

"""One seeded programme per engine for the whole module: the analytics tests only read.

Seeding (16 audits PUT and approved through the API) costs seconds, so it runs once per
engine; each test then gets its own app and client on that database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from tests.server.analytics.seed import Programme, seed_programme
from tests.server.api import Api
from tests.server.seeded import seeded_database


async def _seed(api: Api) -> Programme:
    return await seed_programme(api, pending=1)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Programme]]:
    yield from seeded_database(
        request, tmp_path_factory, "analytics", "analytics-secret-key-" + "x" * 32, _seed
    )


@pytest.fixture
def programme(seeded: tuple[Settings, Programme]) -> Programme:
    return seeded[1]


@pytest.fixture
async def reader(seeded: tuple[Settings, Programme]) -> AsyncIterator[Api]:
    """A fresh app and client on the module's seeded database."""
    app = create_app(seeded[0])
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)

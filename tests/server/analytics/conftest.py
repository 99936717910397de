"""One seeded programme per engine for the whole module: the analytics tests only read.

Seeding (16 audits PUT and approved through the API) costs seconds, so it runs once per
engine; each test then gets its own app and client on that database.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Argon2Parameters, Settings
from tests.server.analytics.seed import Programme, seed_programme
from tests.server.api import Api
from tests.server.conftest import TEMPLATE_DATABASE, create_first_admin
from tests.server.postgres import PostgresServer

_numbers = itertools.count(1)


def _settings(database_url: str, root: Path) -> Settings:
    return Settings(
        database_url=database_url,
        media_dir=root / "media",
        secret_key="analytics-secret-key-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
    )


async def _seed(settings: Settings) -> Programme:
    await create_first_admin(settings)
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        return await seed_programme(Api(client, app), pending=1)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Programme]]:
    root = tmp_path_factory.mktemp("analytics")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = root / "shopscore.db"
        shutil.copyfile(template, path)
        settings = _settings(f"sqlite:///{path}", root)
        yield settings, asyncio.run(_seed(settings))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"analytics_{os.getpid()}_{next(_numbers)}"
    server.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    try:
        settings = _settings(server.url(name), root)
        yield settings, asyncio.run(_seed(settings))
    finally:
        server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def programme(seeded: tuple[Settings, Programme]) -> Programme:
    return seeded[1]


@pytest.fixture
async def reader(seeded: tuple[Settings, Programme]) -> AsyncIterator[Api]:
    """A fresh app and client on the module's seeded database."""
    app = create_app(seeded[0])
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)

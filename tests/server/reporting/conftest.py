"""One seeded report programme per engine for the whole folder: the report tests only read.

Seeding through the API costs seconds, so it runs once per engine; each test gets its own app
and client on that database (and the CLI tests their own copy of the media folder to break).
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
from tests.server.api import Api
from tests.server.conftest import TEMPLATE_DATABASE, create_first_admin
from tests.server.postgres import PostgresServer
from tests.server.reporting.seed import ReportWorld, seed_reports

_numbers = itertools.count(1)
SECRET_KEY = "reporting-secret-key-" + "x" * 32


def _settings(database_url: str, root: Path) -> Settings:
    return Settings(
        database_url=database_url,
        media_dir=root / "media",
        secret_key=SECRET_KEY,
        argon2=Argon2Parameters.cheap_for_tests(),
    )


async def _seed(settings: Settings) -> ReportWorld:
    await create_first_admin(settings)
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        return await seed_reports(Api(client, app))


@pytest.fixture(scope="package", params=["sqlite", "postgres"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, ReportWorld]]:
    root = tmp_path_factory.mktemp("reporting")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = root / "shopscore.db"
        shutil.copyfile(template, path)
        settings = _settings(f"sqlite:///{path}", root)
        yield settings, asyncio.run(_seed(settings))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"reporting_{os.getpid()}_{next(_numbers)}"
    server.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    try:
        settings = _settings(server.url(name), root)
        yield settings, asyncio.run(_seed(settings))
    finally:
        server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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

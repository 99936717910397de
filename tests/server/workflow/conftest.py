"""Fixtures of the workflow suite: the review world is built once per engine, then copied.

Building the world over HTTP takes seconds; the workflow tests only add audits to it. So the
first test on an engine builds it into a database that then serves as the template of every
later test's database (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL),
exactly as the core suite does with the empty migrated schema. Tokens stay valid in the copies
because the settings (and so the signing key) are the same.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Argon2Parameters, Settings
from tests.server.api import Api, World
from tests.server.conftest import TEMPLATE_DATABASE, create_first_admin
from tests.server.postgres import PostgresServer
from tests.server.workflow.helpers import ReviewWorld, build_review_world

WORLD_DATABASE = "workflow_world_template"
_database_numbers = itertools.count(1)


def _settings(database_url: str, media_dir: Path) -> Settings:
    """The same settings as the core suite's `settings` fixture, for any database."""
    return Settings(
        database_url=database_url,
        media_dir=media_dir,
        secret_key="test-secret-key-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
        login_failures_per_account=3,
        login_failures_per_address=6,
    )


def _build_world(database_url: str, media_dir: Path) -> World:
    async def build() -> World:
        settings = _settings(database_url, media_dir)
        await create_first_admin(settings)
        app = create_app(settings)
        async with AsyncTestClient(app=app) as client:
            review = await build_review_world(Api(client, app))
            return review.world

    return asyncio.run(build())


@pytest.fixture(scope="session")
def built_worlds() -> dict[str, tuple[str, World]]:
    """engine -> (template location, world); filled on first use of each engine."""
    return {}


@pytest.fixture
def database_url(
    engine: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    built_worlds: dict[str, tuple[str, World]],
) -> Iterator[str]:
    """A copy of the database holding the review world (overrides the core fixture)."""
    if engine == "sqlite":
        if engine not in built_worlds:
            empty: Path = request.getfixturevalue("sqlite_template")
            folder = tmp_path_factory.mktemp("workflow-world")
            template = folder / "world.db"
            shutil.copyfile(empty, template)
            world = _build_world(f"sqlite:///{template}", folder / "media")
            built_worlds[engine] = (str(template), world)
        path = tmp_path / "shopscore.db"
        shutil.copyfile(built_worlds[engine][0], path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    if engine not in built_worlds:
        server.sql(f"CREATE DATABASE {WORLD_DATABASE} TEMPLATE {TEMPLATE_DATABASE}")
        world = _build_world(server.url(WORLD_DATABASE), tmp_path_factory.mktemp("pg-media"))
        built_worlds[engine] = (WORLD_DATABASE, world)
    name = f"workflow_{os.getpid()}_{next(_database_numbers)}"
    server.sql(f"CREATE DATABASE {name} TEMPLATE {WORLD_DATABASE}")
    try:
        yield server.url(name)
    finally:
        server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    """The app on this test's copy of the world (its admin is already there)."""
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)


@pytest.fixture
def review(api: Api, engine: str, built_worlds: dict[str, tuple[str, World]]) -> ReviewWorld:
    """The review world inside this test's own database copy."""
    return ReviewWorld(api, copy.deepcopy(built_worlds[engine][1]))

"""A programme seeded once through the API on one engine, for suites that only read it.

Seeding costs seconds, so a suite seeds once per engine (its `seeded` fixture, parametrised
`sqlite` / `postgres`) and gives each test its own app and client on that database.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Argon2Parameters, Settings
from tests.server.api import Api
from tests.server.conftest import TEMPLATE_DATABASE, create_first_admin
from tests.server.postgres import PostgresServer

World = TypeVar("World")
_numbers = itertools.count(1)


def seeded_database(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    secret_key: str,
    seed: Callable[[Api], Awaitable[World]],
) -> Iterator[tuple[Settings, World]]:
    """Settings of a new database on the engine `request.param` names, and what `seed` made
    of it over HTTP; the PostgreSQL database is dropped afterwards."""
    root = tmp_path_factory.mktemp(name)

    def settings_for(database_url: str) -> Settings:
        return Settings(
            database_url=database_url,
            media_dir=root / "media",
            secret_key=secret_key,
            argon2=Argon2Parameters.cheap_for_tests(),
        )

    async def seeded(settings: Settings) -> World:
        await create_first_admin(settings)
        app = create_app(settings)
        async with AsyncTestClient(app=app) as client:
            return await seed(Api(client, app))

    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = root / "shopscore.db"
        shutil.copyfile(template, path)
        settings = settings_for(f"sqlite:///{path}")
        yield settings, asyncio.run(seeded(settings))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    database = f"{name}_{os.getpid()}_{next(_numbers)}"
    server.sql(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE_DATABASE}")
    try:
        settings = settings_for(server.url(database))
        yield settings, asyncio.run(seeded(settings))
    finally:
        server.sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

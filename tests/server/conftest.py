"""Fixtures of the server suite: every test runs on SQLite and on a real PostgreSQL.

The schema is migrated once per engine per session into a template; each test gets a fresh
copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests never see
each other's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.auth.passwords import Passwords
from server.core.database import Database, migrate
from server.core.settings import Argon2Parameters, Settings
from server.users.schemas import UserCreate
from server.users.service import UserService
from tests.server.api import ADMIN_EMAIL, PASSWORD, Api
from tests.server.postgres import PostgresServer, start_postgres

if TYPE_CHECKING:
    from tests.server.storage.conftest import S3Server

TEMPLATE_DATABASE = "shopscore_template"
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_postgres()
    except (FileNotFoundError, OSError) as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but could not start: {error}")
        pytest.skip(f"POSTGRESQL TESTS SKIPPED: no usable PostgreSQL ({error})")
    try:
        server.sql(f"CREATE DATABASE {TEMPLATE_DATABASE}")
        asyncio.run(migrate(Database(server.url(TEMPLATE_DATABASE))))
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One moto server (S3 protocol) for the session; `s3_bucket` gives each test a bucket."""
    from moto.server import ThreadedMotoServer

    from tests.server.storage.conftest import S3Server, free_loopback_port

    port = free_loopback_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(endpoint=f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    asyncio.run(migrate(Database(f"sqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Settings:
    """The whole demo (`make demo`'s programme and audits) on SQLite, loaded once for the
    session: the tests that use it only read its figures."""
    from server.demo import load_demo

    root = tmp_path_factory.mktemp("demo")
    shutil.copyfile(sqlite_template, root / "shopscore.db")
    settings = Settings(
        database_url=f"sqlite:///{root / 'shopscore.db'}",
        media_dir=root / "media",
        secret_key="demo-test-secret-key-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
    )
    assert asyncio.run(load_demo(settings))
    return settings


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def database_url(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database for one test."""
    if engine == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "shopscore.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    server.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    try:
        yield server.url(name)
    finally:
        server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def empty_database_url(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A database with no tables at all."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"empty_{os.getpid()}_{next(_database_numbers)}"
    server.sql(f"CREATE DATABASE {name}")
    try:
        yield server.url(name)
    finally:
        server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        secret_key="test-secret-key-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
        login_failures_per_account=3,
        login_failures_per_address=6,
    )


async def create_first_admin(settings: Settings) -> None:
    """What `shopscore user create` does, before the app runs (as an operator would)."""
    database = Database(settings.database_url)
    await database.start()
    try:
        users = UserService(database, Passwords(settings.argon2))
        await users.create_user(
            None, UserCreate(email=ADMIN_EMAIL, name="Admin", role="admin", password=PASSWORD)
        )
    finally:
        await database.close()


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    """The app on a fresh database holding one admin; the client runs the lifespan."""
    await create_first_admin(settings)
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)

"""Fixtures of the hardening suites: a seeded SQLite world, stored-state snapshots, a live server.

The world (two clients, regions, outlets, a user of every role, templates, waves, visits) is
built once per module through the real HTTP API (`tests.server.api.build_world`) on a migrated
SQLite file; the suites then talk to a fresh app, in-process or over HTTP, on that same file.
Tokens stay valid across apps because every app is built from the same `Settings`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.database import Database, migrate
from server.core.settings import Argon2Parameters, Settings
from tests.server.api import Api, World, build_world
from tests.server.conftest import create_first_admin

SECRET_KEY = "hardening-secret-key-" + "x" * 32
SERVER_START_SECONDS = 30


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hardening-template") / "template.db"
    asyncio.run(migrate(Database(f"sqlite:///{path}")))
    return path


def hardening_settings(root: Path, template: Path) -> Settings:
    """Settings on a fresh copy of the migrated database; login throttling kept out of the way."""
    root.mkdir(parents=True, exist_ok=True)
    database = root / "shopscore.db"
    shutil.copyfile(template, database)
    return Settings(
        database_url=f"sqlite:///{database}",
        media_dir=root / "media",
        secret_key=SECRET_KEY,
        argon2=Argon2Parameters.cheap_for_tests(),
        login_failures_per_account=1000,
        login_failures_per_address=100_000,
        log_level="CRITICAL",
    )


def seed_world(settings: Settings) -> World:
    """The first admin and the shared test world, created through the API of a throwaway app."""

    async def seed() -> World:
        await create_first_admin(settings)
        app = create_app(settings)
        async with AsyncTestClient(app=app) as client:
            return await build_world(Api(client, app))

    return asyncio.run(seed())


@dataclasses.dataclass(frozen=True)
class Seeded:
    settings: Settings
    world: World


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Seeded:
    settings = hardening_settings(tmp_path_factory.mktemp("hardening"), migrated_sqlite)
    return Seeded(settings, seed_world(settings))


def clone_seeded(seeded: Seeded, root: Path) -> Seeded:
    """A copy of the seeded database and media under `root`, for a suite that changes them."""
    root.mkdir(parents=True, exist_ok=True)
    database = root / "shopscore.db"
    with (
        contextlib.closing(sqlite3.connect(seeded.settings.sqlite_path)) as source,
        contextlib.closing(sqlite3.connect(database)) as target,
    ):
        source.backup(target)
    if seeded.settings.media_dir.exists():
        shutil.copytree(seeded.settings.media_dir, root / "media")
    settings = dataclasses.replace(
        seeded.settings, database_url=f"sqlite:///{database}", media_dir=root / "media"
    )
    return Seeded(settings, seeded.world)


@dataclasses.dataclass(frozen=True)
class StoredState:
    """Row count of every table and a digest of every file under the media directory."""

    row_counts: dict[str, int]
    media_digest: str


def stored_state(settings: Settings) -> StoredState:
    with contextlib.closing(sqlite3.connect(settings.sqlite_path)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        counts = {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in tables
        }
    digest = hashlib.sha256()
    media = settings.media_dir
    if media.exists():
        for path in sorted(media.rglob("*")):
            digest.update(str(path.relative_to(media)).encode())
            if path.is_file():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return StoredState(counts, digest.hexdigest())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server(settings: Settings, log_path: Path) -> Iterator[str]:
    """`shopscore serve` in a subprocess on the settings' database; yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "MEDIA_DIR": str(settings.media_dir),
        "SECRET_KEY": settings.secret_key,
        "SHOPSCORE_CHEAP_ARGON2": "1",
        "LOGIN_FAILURES_PER_ACCOUNT": str(settings.login_failures_per_account),
        "LOGIN_FAILURES_PER_ADDRESS": str(settings.login_failures_per_address),
        "LOG_LEVEL": "WARNING",
    }
    shopscore = Path(sys.executable).with_name("shopscore")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(shopscore), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=log_path.parent,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
                try:
                    httpx.get(base_url + "/schema/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

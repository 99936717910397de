"""The `shopscore` command line and the demo programme, on both engines."""

# asserts are written as `expected == actual`

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from server.core.database import Database
from server.core.settings import Settings
from server.demo import load_demo
from server.organisation.tables import Client, Outlet
from server.templates.tables import ChecklistTemplate
from server.users.tables import User
from server.waves.tables import Assignment, Wave


def shopscore(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SHOPSCORE_CHEAP_ARGON2": "1",
        "SECRET_KEY": "cli-test-secret-" + "y" * 32,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_migrate_user_create_and_starters(database_url: str, tmp_path: Path) -> None:
    assert 0 == shopscore(database_url, tmp_path, "migrate").returncode
    created = shopscore(
        database_url, tmp_path, "user", "create", "--role", "admin",
        "--email", "Root@Agency.test", "--password", "long enough password",
    )  # fmt: skip
    assert 0 == created.returncode, created.stderr
    duplicate = shopscore(
        database_url, tmp_path, "user", "create", "--role", "admin",
        "--email", "root@agency.test", "--password", "long enough password",
    )  # fmt: skip
    assert 1 == duplicate.returncode
    assert "already exists" in duplicate.stderr
    first = shopscore(database_url, tmp_path, "templates", "load-starters")
    assert 0 == first.returncode, first.stderr
    again = shopscore(database_url, tmp_path, "templates", "load-starters")
    assert "nothing new" in again.stdout
    database = Database(database_url)
    await database.start()
    try:
        assert ["root@agency.test"] == [row["email"] for row in await User.select(User.email)]
        statuses = {row["status"] for row in await ChecklistTemplate.select()}
        assert {"published"} == statuses
        assert 4 == await ChecklistTemplate.count()
    finally:
        await database.close()


# The full demo load (audits included) takes tens of seconds per engine; the SQLite load is
# checked in the default run by tests/server/test_demo.py.
@pytest.mark.slow
async def test_demo_is_realistic_and_idempotent(settings: Settings) -> None:
    assert await load_demo(settings)
    database = Database(settings.database_url)
    await database.start()
    try:
        counts = [await table.count() for table in (Client, Outlet, User, Wave, Assignment)]
        roles = {row["role"] for row in await User.select(User.role)}
    finally:
        await database.close()
    assert [2, 40, 22, 4] == counts[:4]
    assert counts[4] > 100
    assert {"admin", "reviewer", "auditor", "head_office", "regional_manager",
            "outlet_manager"} == roles  # fmt: skip
    assert not await load_demo(settings)
    await database.start()
    try:
        assert counts == [await table.count() for table in (Client, Outlet, User, Wave, Assignment)]
    finally:
        await database.close()


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    first = Settings.from_env({}, var_dir=tmp_path / "var")
    second = Settings.from_env({}, var_dir=tmp_path / "var")
    assert first.secret_key == second.secret_key
    assert 0o600 == stat.S_IMODE((tmp_path / "var" / "secret_key").stat().st_mode)
    assert f"sqlite:///{tmp_path / 'var'}/shopscore.db" == first.database_url
    assert "explicit" == Settings.from_env({"SECRET_KEY": "explicit"}, tmp_path).secret_key

"""The `shopscore` command line and the demo programme, on both engines; `make demo`, `make mobile`.

What the command line decides before touching a database (a taken port, the roles, a missing
display) runs as a real subprocess in an empty folder under tmp_path.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.__main__ import missing_display
from server.access.caller import ROLES
from server.core.database import Database
from server.core.settings import Settings
from server.demo import load_demo
from server.organisation.tables import Client, Outlet
from server.templates.tables import ChecklistTemplate
from server.users.tables import User
from server.waves.tables import Assignment, Wave

REPOSITORY = Path(__file__).resolve().parents[2]
# Variables that point the command somewhere else than the folder it runs in.
OWN_VARIABLES = ("DATABASE_URL", "MEDIA_DIR", "MEDIA_STORE", "SECRET_KEY")


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


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another server is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _fresh_folder_command(
    tmp_path: Path, *command: str, drop: tuple[str, ...] = OWN_VARIABLES
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `command` in tmp_path without the variables `drop`; the result and its seconds."""
    environment = {name: value for name, value in os.environ.items() if name not in drop}
    started = time.perf_counter()
    done = subprocess.run(
        command, env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    return done, time.perf_counter() - started


def test_demo_on_a_taken_port_stops_before_loading_anything(
    tmp_path: Path, taken_port: int
) -> None:
    done, seconds = _fresh_folder_command(
        tmp_path, sys.executable, "-m", "server.cli", "demo", "--port", str(taken_port)
    )
    assert 1 == done.returncode
    assert f"port {taken_port} on 127.0.0.1 is already in use" in done.stderr
    assert "Nothing was loaded" in done.stderr
    assert f"make demo PORT={taken_port + 1}" in done.stderr or "is free): make demo PORT=" in (
        done.stderr
    )
    assert "shopscore demo --port" in done.stderr
    # Loading the demo takes tens of seconds; refusing is the interpreter's start-up.
    assert seconds < 15
    assert [] == list(tmp_path.iterdir())  # no ./var (database, secret key), no ./out


def test_demo_suggests_a_free_port(tmp_path: Path, taken_port: int) -> None:
    done, _seconds = _fresh_folder_command(
        tmp_path, sys.executable, "-m", "server.cli", "demo", "--port", str(taken_port)
    )
    suggested = int(done.stderr.split("is free")[0].rsplit("(", 1)[1])
    assert taken_port < suggested
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", suggested))


def test_make_demo_passes_port_and_host_from_its_command_line(tmp_path: Path) -> None:
    def demo_command(*arguments: str, **environment: str) -> str:
        done = subprocess.run(
            ["make", "--no-print-directory", "-n", "-C", str(REPOSITORY), "demo", *arguments],
            env={**os.environ, **environment}, capture_output=True, text=True, timeout=60,
            check=True,
        )  # fmt: skip
        return next(line for line in done.stdout.splitlines() if "shopscore demo" in line)

    given = demo_command("PORT=8123", "HOST=0.0.0.0")
    assert given.split("shopscore demo")[1].split() == ["--host", "0.0.0.0", "--port", "8123"]
    assert [] == demo_command().split("shopscore demo")[1].split()
    # A shell that exports HOST (the machine's name) must not move the demo off 127.0.0.1.
    assert [] == demo_command(HOST="workstation", PORT="9").split("shopscore demo")[1].split()


def test_user_create_names_the_roles_in_help_and_errors(tmp_path: Path) -> None:
    command = (sys.executable, "-m", "server.cli", "user", "create")
    helped, _seconds = _fresh_folder_command(tmp_path, *command, "--help")
    assert 0 == helped.returncode
    assert "{" + ",".join(ROLES) + "}" in helped.stdout
    wrong, _seconds = _fresh_folder_command(
        tmp_path, *command, "--role", "manager", "--email", "a@b.test", "--password", "x" * 12
    )
    assert 2 == wrong.returncode
    assert "invalid choice: 'manager'" in wrong.stderr
    assert all(role in wrong.stderr for role in ROLES)
    assert [] == list(tmp_path.iterdir())


def test_mobile_without_a_display_says_what_to_do_and_stops(tmp_path: Path) -> None:
    done, seconds = _fresh_folder_command(
        tmp_path, sys.executable, "-m", "mobile", drop=("DISPLAY", "WAYLAND_DISPLAY")
    )
    assert 0 != done.returncode
    assert "xvfb-run make mobile" in done.stderr
    assert seconds < 15


@pytest.mark.parametrize(
    ("environ", "platform", "refused"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ""}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({}, "freebsd14", True),
        ({"ANDROID_ARGUMENT": "/data/app"}, "linux", False),
        ({"KIVY_BUILD": "ios"}, "darwin", False),
        ({}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_the_field_app_needs_a_display_only_where_one_can_be_missing(
    environ: dict[str, str], platform: str, refused: bool
) -> None:
    assert refused == (missing_display(environ, platform) is not None)

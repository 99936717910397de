"""Fixtures of the field app's tests: a private Xvfb display for the real Kivy window."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mobile.live_server import RunningServer, migrated_database, start_seeded_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "mobile"


def free_display_number() -> int:
    for number in range(120, 400):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """Start Xvfb on a free display for the whole session; stop it at the end."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (apt-get install xvfb); the UI tests need it")
    number = free_display_number()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "800x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"Xvfb did not start on :{number}")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(5)


@pytest.fixture
def kivy_env(xvfb_display: str, tmp_path: Path) -> dict[str, str]:
    """The environment of one app subprocess: our display, a private KIVY_HOME, quiet logs."""
    environment = dict(os.environ)
    environment.update(
        DISPLAY=xvfb_display,
        KIVY_NO_ARGS="1",
        KIVY_NO_CONSOLELOG="1",
        KIVY_NO_FILELOG="1",
        KIVY_HOME=str(tmp_path / "kivy-home"),
    )
    return environment


@pytest.fixture(scope="session")
def server_blueprint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated database with the first admin, copied by every ``server``."""
    return migrated_database(tmp_path_factory.mktemp("server-blueprint"))


@pytest.fixture
def server(tmp_path: Path, server_blueprint: Path) -> Iterator[RunningServer]:
    """A real ``shopscore serve`` with an admin, an auditor and one visit to make."""
    running = start_seeded_server(tmp_path / "server", server_blueprint)
    yield running
    running.stop()

"""Fixtures of the field app's tests: a private Xvfb display for the real Kivy window."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mobile.live_server import RunningServer, migrated_database, start_seeded_server
from tests.mobile.xvfb import NoDisplay, start_xvfb

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "mobile"


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A private Xvfb for the whole session; stopped at the end."""
    try:
        server, display = start_xvfb()
    except NoDisplay as missing:
        pytest.fail(f"{missing}; the UI tests need it")
    yield display
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

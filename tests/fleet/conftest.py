"""Fixtures of the fleet tests: the migrated server database every test's servers copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mobile.live_server import migrated_database


@pytest.fixture(scope="session")
def fleet_blueprint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the latest schema with the first admin, made once per session."""
    return migrated_database(tmp_path_factory.mktemp("fleet-blueprint"))

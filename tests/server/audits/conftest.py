"""Fixtures of the sync tests: the shared world (clients, outlets, people, assignments)."""

from __future__ import annotations

import pytest

from tests.server.api import Api, World, build_world


@pytest.fixture
async def world(api: Api) -> World:
    return await build_world(api)

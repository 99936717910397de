"""Fixtures of the security checks: the server suite's fixtures on SQLite only (these checks
are about HTTP, tokens and headers, not SQL dialects), with a client whose peer address each
request may choose, as a trusted reverse proxy would set it (uvicorn --forwarded-allow-ips).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.enums import ScopeType
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from server.app import create_app
from server.core.settings import Settings
from tests.server import conftest as server_fixtures
from tests.server.api import Api

# The server suite's fixtures, shared rather than copied.
sqlite_template = server_fixtures.sqlite_template
database_url = server_fixtures.database_url
settings = server_fixtures.settings

PEER_HEADER = "x-test-peer"


@pytest.fixture
def engine() -> str:
    return "sqlite"


class ChosenPeer:
    """Sets the ASGI client address from the `x-test-peer` request header, if any."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            for name, value in scope["headers"]:
                if name == PEER_HEADER.encode():
                    scope["client"] = (value.decode(), 50000)
        await self.app(scope, receive, send)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    await server_fixtures.create_first_admin(settings)
    app = create_app(settings)
    async with AsyncTestClient(app=ChosenPeer(app)) as client:
        yield Api(client, app)  # type: ignore[arg-type]

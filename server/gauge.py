"""Whether the request being served is the only client of this process right now.

The SQLite write path asks it before a write. When one client alone is sending, for example
one phone syncing its outbox, the whole transaction runs on the event loop's own thread:
nothing else waits for the loop, so blocking it during the millisecond of the fsync delays
nobody and saves two thread wake-ups. Otherwise the COMMIT goes to the database thread and
the loop serves the other clients meanwhile (server/audits/sql.py).

Counting the requests in progress is not enough. While the loop waits for an fsync, the
requests of other clients wait in their sockets, and the app does not see them yet. So the
gauge also remembers when a request last came from another connection than the one before
it. Within `quiet_seconds` of that, other clients are taken to be active.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

# Phones send their next audit within milliseconds of an answer on a LAN, tens of
# milliseconds over a mobile network.
QUIET_SECONDS = 0.25


class RequestGauge:
    """HTTP requests in progress, and when the connection sending them last changed."""

    def __init__(
        self, quiet_seconds: float = QUIET_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.in_flight = 0
        self._quiet_seconds = quiet_seconds
        self._clock = clock
        self._last_client: object = None
        self._client_changed_at = -quiet_seconds

    def alone(self) -> bool:
        """Whether at most one request (the caller's own) is in progress and no other
        connection has sent one for `quiet_seconds`."""
        return (
            self.in_flight <= 1 and self._clock() - self._client_changed_at >= self._quiet_seconds
        )

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """ASGI middleware counting the HTTP requests that pass through `app`."""

        async def count_requests(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            client = scope.get("client")  # (host, port): one per connection
            if client != self._last_client:
                self._last_client = client
                self._client_changed_at = self._clock()
            self.in_flight += 1
            try:
                await app(scope, receive, send)
            finally:
                self.in_flight -= 1

        return count_requests

"""Whether the request being served is the only client of this process right now.

The SQLite write path asks it before a write. When one client alone is sending, for example
one phone syncing its outbox, the whole transaction runs on the event loop's own thread:
nothing else waits for the loop, so blocking it during the millisecond of the fsync delays
nobody and saves the hand-off to the writer process and back. Otherwise the write goes to
the writer process and the loop serves the other clients meanwhile (server/audits/sql.py).

Counting the requests in progress is not enough. While the loop waits for an fsync, the
requests of other clients wait in their sockets, and the app does not see them yet. So the
gauge also remembers when a request last came from another connection than the one before
it. Within `quiet_seconds` of that, other clients are taken to be active. A wrong guess is
cheap: another client's request waits for one fsync, then it is in flight and the next
writes go to the writer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

# Several phones sending at once alternate within milliseconds on a LAN; a phone that sends
# alone after others did waits only this long for its writes to run on the loop.
QUIET_SECONDS = 0.05


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

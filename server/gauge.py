"""How many HTTP requests this process is serving right now.

The SQLite write path uses it to choose where a write transaction runs: on the event loop's
own thread when the request doing it is the only one in the process (nothing else is waiting
for the loop, so blocking it for the millisecond or two of the write delays nobody, and two
thread wake-ups are saved), on the database thread otherwise, so that other requests go on
while the write waits for its fsync.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send


class RequestGauge:
    """A count of HTTP requests in progress, kept by `count_requests_middleware`."""

    def __init__(self) -> None:
        self.in_flight = 0

    def alone(self) -> bool:
        """Whether at most one request (the caller's own) is in progress."""
        return self.in_flight <= 1

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """ASGI middleware counting the HTTP requests that pass through `app`."""

        async def count_requests(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            self.in_flight += 1
            try:
                await app(scope, receive, send)
            finally:
                self.in_flight -= 1

        return count_requests

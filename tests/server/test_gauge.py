"""Whether one client alone is being served (server/core/gauge.py)."""

from __future__ import annotations

import asyncio

import pytest

from server.core.gauge import RequestGauge
from tests.server.api import Api


async def test_requests_are_counted_while_in_progress_and_uncounted_after() -> None:
    gauge = RequestGauge()
    seen: list[int] = []
    app = gauge.middleware(_recording_app(gauge, seen, asyncio.Barrier(3)))

    await asyncio.gather(*(app(_http_scope(), _receive, _ignore) for _ in range(3)))
    await app({"type": "lifespan"}, _receive, _ignore)

    # The three ran at once (each saw all three), the lifespan scope was not counted.
    assert [3, 3, 3, 0] == seen
    assert 0 == gauge.in_flight
    assert gauge.alone()


@pytest.mark.parametrize("engine", ["sqlite"])  # the middleware, not the engine, is tested
async def test_the_app_counts_its_own_requests(api: Api) -> None:
    """Through the real app: its response is sent while the request counts as in flight."""
    gauge = api.context.requests
    at_response: list[tuple[int, int]] = []

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            at_response.append((int(str(message["status"])), gauge.in_flight))

    scope = {**_http_scope(), "path": "/api/v1/me", "raw_path": b"/api/v1/me"}
    scope.update(headers=[], query_string=b"", scheme="http", server=("test", 80))
    await api.app(scope, _receive, send)  # type: ignore[arg-type]

    assert [(401, 1)] == at_response
    assert 0 == gauge.in_flight


async def test_a_failing_request_is_uncounted_too() -> None:
    gauge = RequestGauge()

    async def failing(scope: object, receive: object, send: object) -> None:
        assert 1 == gauge.in_flight
        assert gauge.alone()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await gauge.middleware(failing)(_http_scope(), _receive, _ignore)  # type: ignore[arg-type]
    assert 0 == gauge.in_flight


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_one_connection_sending_in_turn_is_alone_once_the_others_are_quiet() -> None:
    clock = Clock()
    gauge = RequestGauge(quiet_seconds=0.25, clock=clock)
    alone_inside: list[bool] = []

    async def app(scope: object, receive: object, send: object) -> None:
        alone_inside.append(gauge.alone())

    counted = gauge.middleware(app)  # type: ignore[arg-type]
    phone, other = ("10.0.0.1", 50001), ("10.0.0.2", 50002)
    for client, advance in [(phone, 0), (phone, 0.1), (phone, 0.2), (other, 0.01), (phone, 0.01),
                            (phone, 0.1), (phone, 0.2)]:  # fmt: skip
        clock.now += advance
        await counted({**_http_scope(), "client": client}, _receive, _ignore)  # type: ignore[arg-type]

    # A new connection counts as another client for 0.25 s, and so does every change.
    assert [False, False, True, False, False, False, True] == alone_inside


async def test_two_requests_at_once_are_not_alone_even_from_one_connection() -> None:
    gauge = RequestGauge(quiet_seconds=0.0)
    seen: list[bool] = []
    barrier = asyncio.Barrier(2)

    async def app(scope: object, receive: object, send: object) -> None:
        await barrier.wait()
        seen.append(gauge.alone())
        await barrier.wait()

    counted = gauge.middleware(app)  # type: ignore[arg-type]
    await asyncio.gather(*(counted(_http_scope(), _receive, _ignore) for _ in range(2)))  # type: ignore[arg-type]

    assert [False, False] == seen
    assert gauge.alone()


def _recording_app(gauge: RequestGauge, seen: list[int], barrier: asyncio.Barrier):  # type: ignore[no-untyped-def]
    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            seen.append(gauge.in_flight)
            return
        await barrier.wait()  # all three requests are in progress here...
        seen.append(gauge.in_flight)
        await barrier.wait()  # ...and none ends before each has looked

    return app


def _http_scope() -> dict[str, object]:
    return {"type": "http", "method": "GET", "path": "/"}


async def _receive() -> dict[str, object]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _ignore(message: object) -> None:
    return None

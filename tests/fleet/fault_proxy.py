"""A TCP fault proxy on loopback: forwards connections to a server and drops some of them.

Each accepted connection is, with probability ``drop_rate``, dropped at one random point:

- ``before``: closed at once, nothing is forwarded (the server never hears of it);
- ``request``: cut after a random part of the request (headers and body) reached the server;
- ``response``: the whole request reaches the server, which does the work, and its answer is
  cut after a random number of bytes, zero included (the phone never learns the outcome).

The proxy reads just enough HTTP/1.1 (the end of the headers and ``Content-Length``) to pick
a cut point inside the message rather than somewhere past its end. When the upstream server
is down (killed), the connection is closed like a dropped one. It runs its own asyncio loop in
a daemon thread, so the test's threads (the phones) are free to block.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

FAULT_KINDS = ("before", "request", "response")
HEADER_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
CHUNK = 65536


@dataclass
class ProxyCounts:
    """What the proxy did: connections seen, and faults injected by kind."""

    connections: int = 0
    upstream_down: int = 0
    faults: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        by_kind = ", ".join(f"{kind} {self.faults[kind]}" for kind in FAULT_KINDS)
        return (
            f"{self.connections} connections, {sum(self.faults.values())} dropped ({by_kind}),"
            f" {self.upstream_down} refused while the server was down"
        )


class FaultProxy:
    """Listens on a free loopback port and forwards to ``127.0.0.1:upstream_port``."""

    def __init__(self, upstream_port: int, *, drop_rate: float = 0.1, seed: int = 1) -> None:
        self.upstream_port = upstream_port
        self.drop_rate = drop_rate
        self.random = random.Random(seed)
        self.counts = ProxyCounts()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault proxy did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, limit=CHUNK)
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()

    def _pick_fault(self) -> str | None:
        self.counts.connections += 1
        if self.random.random() >= self.drop_rate:
            return None
        return self.random.choice(FAULT_KINDS)

    async def _handle(
        self, phone_in: asyncio.StreamReader, phone_out: asyncio.StreamWriter
    ) -> None:
        fault = self._pick_fault()
        if fault == "before":
            self.counts.faults[fault] += 1
            await _close(phone_out)
            return
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            self.counts.upstream_down += 1
            await _close(phone_out)
            return
        upload = asyncio.create_task(
            self._pump(phone_in, server_out, cut=fault == "request", fault=fault)
        )
        download = asyncio.create_task(
            self._pump(server_in, phone_out, cut=fault == "response", fault=fault)
        )
        done, _pending = await asyncio.wait({upload, download}, return_when="FIRST_COMPLETED")
        if download not in done and not upload.result():
            # The phone sent its whole request and stopped: let the server's answer finish.
            await asyncio.wait({download}, timeout=60)
        # Otherwise the server closed (or was killed) or a cut was made: stop both ways.
        for task in (upload, download):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task
        await _close(server_out)
        await _close(phone_out)

    async def _pump(
        self,
        source: asyncio.StreamReader,
        target: asyncio.StreamWriter,
        *,
        cut: bool,
        fault: str | None,
    ) -> bool:
        """Copy one direction; return True when the connection was cut here on purpose."""
        head = b""
        cut_at: int | None = None
        sent = 0
        while True:
            try:
                chunk = await source.read(CHUNK)
            except OSError:
                return False
            if not chunk:
                with contextlib.suppress(OSError):
                    target.write_eof()
                return False
            if cut and cut_at is None:
                head += chunk
                cut_at = self._cut_point(head)
                if cut_at is None:
                    continue  # the headers are not complete yet: keep them back
                chunk, head = head, b""
            if cut_at is not None and sent + len(chunk) > cut_at:
                target.write(chunk[: cut_at - sent])
                with contextlib.suppress(OSError):
                    await target.drain()
                assert fault is not None
                self.counts.faults[fault] += 1
                _abort(target)
                return True
            target.write(chunk)
            sent += len(chunk)
            try:
                await target.drain()
            except OSError:
                return False

    def _cut_point(self, head: bytes) -> int | None:
        """A random offset inside the HTTP message whose start is ``head`` (None: need more)."""
        end = head.find(HEADER_END)
        if end < 0:
            return None if len(head) < CHUNK else self.random.randrange(len(head))
        header_length = end + len(HEADER_END)
        found = CONTENT_LENGTH.search(head[:header_length])
        total = header_length + (int(found.group(1)) if found else 0)
        return self.random.randrange(total)


def _abort(writer: asyncio.StreamWriter) -> None:
    transport = writer.transport
    with contextlib.suppress(OSError, RuntimeError):
        transport.abort()


async def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, RuntimeError):
        writer.close()
        await writer.wait_closed()

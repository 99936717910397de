"""Figures kept between requests for as long as the data they rest on is unchanged.

One mechanism for every figure analytics keeps (the league table, the outlet results of the
waves a page shows, the estimates of a network, auditor severity): `KEPT_FIGURES`, figures by
key, each stored with a fingerprint read from the database before the figure's data was read. A
request reads the fingerprint again; the figure is used only while it is the same, else
computed and stored anew. Every server process on the same database reads the same
fingerprints.

The fingerprints, cheapest first (docs/contract.md#estimates):

- `data_version()`: the head of the audit log. Every change of the data (a visit sent, released
  or corrected, a dispute opened or settled, an outlet or region edited, a client's workflow
  settings) records an entry in the transaction that makes it, and the chain's head (sequence
  and hash) moves on commit. One indexed row: a kept league costs one query.
- what a figure rests on, for when the head has moved: a few aggregates of the data itself
  (`server.analytics.results.rests_on`), so that a change elsewhere (a visit sent for review, a
  corrective action, another client's outlet) keeps the league; outlets' codes and names are
  labels kept apart on their own last edit (`server.analytics.results.outlet_labels`), so that
  a renamed outlet keeps the league's figures.
- the sums a network's estimates rest on (`server.analytics.wave_estimates`), whose computation
  takes seconds: a change of another wave does not fit the model again.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import anyio.to_thread

from server.auditlog.service import HEAD
from server.workflow.tables import ScoreRollup

KEPT: Final = 64
T = TypeVar("T")


class Kept:
    """Figures by key, each with the fingerprint of the data it was computed from; the least
    recently used go first. One computation per key at a time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: collections.OrderedDict[Any, tuple[Any, Any]] = collections.OrderedDict()
        self.locks: dict[Any, asyncio.Lock] = {}

    def get(self, key: Any, fingerprint: Any) -> tuple[bool, Any]:
        entry = self.entries.get(key)
        if entry is None or entry[0] != fingerprint:
            return False, None
        self.entries.move_to_end(key)
        return True, entry[1]

    def put(self, key: Any, fingerprint: Any, value: Any) -> None:
        self.entries[key] = (fingerprint, value)
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            evicted, _entry = self.entries.popitem(last=False)
            self.locks.pop(evicted, None)

    async def computed(self, key: Any, fingerprint: Any, compute: Callable[[], T]) -> T:
        """The kept figure, or `compute()` run in a worker thread (CPU-bound figures)."""

        async def in_thread() -> T:
            return await anyio.to_thread.run_sync(compute)

        return await self.read(key, fingerprint, in_thread)

    async def read(self, key: Any, fingerprint: Any, compute: Callable[[], Awaitable[T]]) -> T:
        """The kept figure, or what `compute()` reads and works out (figures read from the
        database, on the event loop)."""
        found, value = self.get(key, fingerprint)
        if found:
            return value  # type: ignore[no-any-return]
        lock = self.locks.setdefault(key, asyncio.Lock())
        async with lock:
            found, value = self.get(key, fingerprint)
            if found:
                return value  # type: ignore[no-any-return]
            computed = await compute()
            self.put(key, fingerprint, computed)
            return computed


KEPT_FIGURES = Kept(KEPT)


def database() -> int:
    """Which database figures are read from, for their keys: the engine (test suites open
    several databases in one process)."""
    return id(ScoreRollup._meta.db)


async def data_version() -> tuple[Any, ...]:
    """The head of the audit log (sequence and hash), and which database it was read from."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(HEAD)
    head = (int(rows[0]["sequence"]), str(rows[0]["entry_hash"])) if rows else (0, "")
    return (database(), *head)

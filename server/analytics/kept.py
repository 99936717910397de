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

Leagues are also kept fresh ahead of requests (`keep_fresh`, every `LEAGUE_REFRESH_SECONDS`):
each server process remembers the leagues asked of it in the last `ASKED_WITHIN_SECONDS`, and
when the audit log's head moves (a change made by any process) works them out again in the
background, so that the next request finds them kept instead of paying for the estimates' fit
and the simulated ranks itself (spaced out so as to take at most BACKGROUND_SHARE of the
process's time while the data keeps changing). It is the same computation a request would run,
under the same key and lock: a request arriving meanwhile waits for it and takes its result.

Leagues asked are also recorded in the database (`league_asked`, by the same background task,
not by the request, which may be reading a snapshot; at most every NOTE_EVERY_SECONDS per league
and process), so that a server process starting works out the latest of those asked in the last
ASKED_KEPT_DAYS before anybody asks again (`AnalyticsService.work_out_asked`), and keeps them
fresh from then on as if they had just been asked.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import anyio.to_thread

from server.auditlog.service import HEAD
from server.core.database import number_of
from server.workflow.tables import ScoreRollup

KEPT: Final = 64
# Leagues asked within this long are worked out again after a change; at most REMEMBERED.
ASKED_WITHIN_SECONDS: Final = 15 * 60
REMEMBERED: Final = 8
# The most of a process's time that working figures out ahead of their requests may take.
BACKGROUND_SHARE: Final = 0.25
# A league asked is recorded in the database at most this often per process and league.
NOTE_EVERY_SECONDS: Final = 10 * 60
# Leagues recorded as asked within this many days are worked out when a server process starts.
ASKED_KEPT_DAYS: Final = 7
T = TypeVar("T")

logger = logging.getLogger("shopscore.analytics")


@dataclasses.dataclass(slots=True)
class Asked:
    """A figure somebody asked for: how to work it out again, on which database (its engine,
    held so that no other engine can take its place), when (monotonic seconds) it was last
    asked, and when that was last recorded in the database (-inf: not by this process)."""

    again: Callable[[], Awaitable[object]]
    engine: object
    at: float
    noted: float


class Kept:
    """Figures by key, each with the fingerprint of the data it was computed from; the least
    recently used go first. One computation per key at a time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: collections.OrderedDict[Any, tuple[Any, Any]] = collections.OrderedDict()
        self.locks: dict[Any, asyncio.Lock] = {}
        self.asked: collections.OrderedDict[Any, Asked] = collections.OrderedDict()
        # Askings to write to the database: key -> (engine, write).
        self.unrecorded: dict[Any, tuple[object, Callable[[], Awaitable[object]]]] = {}

    def clear(self) -> None:
        """Forget every figure and every asking, as a process that has just started."""
        self.entries.clear()
        self.locks.clear()
        self.asked.clear()
        self.unrecorded.clear()

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

    def remember(
        self,
        key: Any,
        again: Callable[[], Awaitable[object]],
        at: float,
        record: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """Note that the figure `key` was asked for at `at`; `again()` works it out (or finds
        it still kept) when `refresh` runs. The REMEMBERED most recently asked are kept.
        `record()` writes the asking to the database; it is run by `record` (not in the
        request, which may be reading a snapshot), the first time, then once every
        NOTE_EVERY_SECONDS."""
        current = engine()
        before = self.asked.get(key)
        noted = before.noted if before and before.engine is current else -math.inf
        if record is not None and at - noted >= NOTE_EVERY_SECONDS:
            noted = at
            self.unrecorded[key] = (current, record)
        self.asked[key] = Asked(again, current, at, noted)
        self.asked.move_to_end(key)
        while len(self.asked) > REMEMBERED:
            forgotten, _asked = self.asked.popitem(last=False)
            self.unrecorded.pop(forgotten, None)

    async def record(self) -> int:
        """Write to the database the askings remembered since the last call (those made on
        the database now in use); one that fails is logged. How many were written. Cancelled
        (the server stopping), the askings not yet written stay for the next call: the last,
        as the background task stops."""
        current, written = engine(), 0
        for key, entry in list(self.unrecorded.items()):
            on, write = entry
            if on is current:
                try:
                    await write()  # an upsert: written twice if cancelled after its commit
                except Exception:
                    logger.exception("could not record a figure asked")
                else:
                    written += 1
            if self.unrecorded.get(key) is entry:  # not asked again while being written
                del self.unrecorded[key]
        return written

    async def refresh(self, since: float) -> int:
        """Work out again each figure asked for on this database at or after `since`, the most
        recently asked first, and forget those asked before; one that fails is logged and
        forgotten. How many were worked out again or found still kept."""
        current, refreshed = engine(), 0
        for key, asked in reversed(list(self.asked.items())):
            if asked.engine is not current:
                continue
            if asked.at >= since:
                try:
                    await asked.again()
                except Exception:
                    logger.exception("could not work out a figure again ahead of its request")
                else:
                    refreshed += 1
                    continue
            # Asked too long ago, or failing: asked for again, it is remembered again.
            if self.asked.get(key) is asked:
                del self.asked[key]
        return refreshed


KEPT_FIGURES = Kept(KEPT)


def engine() -> object:
    """The engine figures are read from (test suites open several databases in one process)."""
    return ScoreRollup._meta.db


def database() -> int:
    """Which database figures are read from, for their keys."""
    return number_of(engine())


async def data_version() -> tuple[Any, ...]:
    """The head of the audit log (sequence and hash), and which database it was read from."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(HEAD)
    head = (int(rows[0]["sequence"]), str(rows[0]["entry_hash"])) if rows else (0, "")
    return (database(), *head)


async def keep_fresh(
    every_seconds: float,
    kept: Kept = KEPT_FIGURES,
    first: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Until cancelled: `first()` once (a process starting), then every `every_seconds`, write
    the askings to record (`Kept.record`) and, when the audit log's head has moved since the
    last look, work out again the figures asked for in the last ASKED_WITHIN_SECONDS (a
    server's background task; one indexed row read a look while nothing changes). However it
    is stopped, even during `first()`, the askings not yet written are written as it stops."""
    seen: tuple[Any, ...] | None = None
    pause = every_seconds
    try:
        if first is not None:
            await first()
        while True:
            await asyncio.sleep(pause)
            await kept.record()
            started = time.monotonic()
            try:
                version = await data_version()
                if version != seen:
                    seen = version
                    await kept.refresh(started - ASKED_WITHIN_SECONDS)
            except Exception:
                logger.exception("could not look for changes of the data")
            pause = pause_after(every_seconds, time.monotonic() - started)
    finally:  # stopped: what was asked meanwhile is still recorded
        await kept.record()


def pause_after(every_seconds: float, busy_seconds: float) -> float:
    """How long `keep_fresh` waits before its next look: `every_seconds`, or longer after a
    long refresh, so that working leagues out ahead takes at most BACKGROUND_SHARE of the
    process's time however often the data changes (visits released one after another)."""
    return max(every_seconds, busy_seconds * (1 - BACKGROUND_SHARE) / BACKGROUND_SHARE)

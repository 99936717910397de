"""Where sync's SQLite write transactions run (server/audits/sql.py, `SqlRunner.write`).

Alone in the process, a write runs on the event loop's thread (no hand-off to the database
thread and back); with other requests in flight it runs on the database thread, so they go
on meanwhile. A write that finds another process holding SQLite's write lock never blocks
the loop: it goes to the database thread, which waits for the lock with the busy timeout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server.audits.sql import Busy, SqlRunner, Statement
from server.db import DEFAULT_BUSY_TIMEOUT_MS, Database, enable_wal

INSERT = Statement(
    "INSERT INTO written (thread) VALUES (writer_thread()) RETURNING id", returns_key=True
)


@dataclass
class Loop:
    """Whether the runner is told that the loop is free (no other request in flight)."""

    free: bool = True
    asked: list[bool] = field(default_factory=list)

    def is_free(self) -> bool:
        self.asked.append(self.free)
        return self.free


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "placement.db"
    enable_wal(path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE written (id INTEGER PRIMARY KEY, thread TEXT)")
    return path


@pytest.fixture
def loop_state() -> Loop:
    return Loop()


@pytest.fixture
async def runner(path: Path, loop_state: Loop) -> AsyncIterator[SqlRunner]:
    runner = SqlRunner(Database(f"sqlite:///{path}"), loop_is_free=loop_state.is_free)
    # Open the writer connection and let statements name the thread they run on.
    connection = (await runner._sqlite_connection())._connection
    connection.create_function("writer_thread", 0, lambda: threading.current_thread().name)
    yield runner
    await runner.close()


def written_by(path: Path, row_id: int) -> str:
    with sqlite3.connect(path) as connection:
        thread: str = connection.execute(
            "SELECT thread FROM written WHERE id = ?", (row_id,)
        ).fetchone()[0]
    return thread


async def test_a_write_alone_in_the_process_runs_on_the_loop_thread(
    runner: SqlRunner, path: Path, loop_state: Loop
) -> None:
    row_id = await runner.write([INSERT])

    assert threading.current_thread().name == written_by(path, row_id)
    assert [True] == loop_state.asked


async def test_with_other_requests_in_flight_the_write_runs_on_the_database_thread(
    runner: SqlRunner, path: Path, loop_state: Loop
) -> None:
    loop_state.free = False

    row_id = await runner.write([INSERT])

    assert written_by(path, row_id).startswith("audits-db")


async def test_a_write_that_meets_another_writer_waits_off_the_loop(
    runner: SqlRunner, path: Path
) -> None:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    loop = asyncio.get_running_loop()
    loop.call_later(0.4, holder.execute, "ROLLBACK")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        row_id = await runner.write([INSERT])
    finally:
        ticker.cancel()
        holder.close()

    assert written_by(path, row_id).startswith("audits-db")
    # The loop kept running while the write waited ~0.4 s for the lock (~40 ticks).
    assert ticks >= 20, ticks
    connection = (await runner._sqlite_connection())._connection
    assert DEFAULT_BUSY_TIMEOUT_MS == connection.execute("PRAGMA busy_timeout").fetchone()[0]


async def test_a_lock_held_past_the_busy_timeout_is_busy_and_nothing_is_written(path: Path) -> None:
    runner = SqlRunner(
        Database(f"sqlite:///{path}"), sqlite_busy_timeout_ms=150, loop_is_free=lambda: True
    )
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Busy):
            await runner.write([Statement("INSERT INTO written (thread) VALUES ('x')")])
        connection = (await runner._sqlite_connection())._connection
        assert 150 == connection.execute("PRAGMA busy_timeout").fetchone()[0]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        await runner.close()
    with sqlite3.connect(path) as reader:
        assert 0 == reader.execute("SELECT count(*) FROM written").fetchone()[0]


async def test_values_are_stored_as_sqlite3_with_piccolos_adapters_stores_them(path: Path) -> None:
    """Booleans and datetimes are bound without the adapter protocol: the same stored values."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE typed (id INTEGER PRIMARY KEY, a, b, c, d, e)")
    moment = dt.datetime(2026, 1, 6, 10, 15, 30, 250, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    naive = dt.datetime(2026, 1, 6, 10, 15)
    values = (True, False, moment, naive, uuid.UUID(int=7))
    insert = "INSERT INTO typed (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)"
    runner = SqlRunner(Database(f"sqlite:///{path}"))
    try:
        await runner.write([Statement(insert, values), Statement(insert, many=[values, values])])
    finally:
        await runner.close()
    with sqlite3.connect(path) as connection:
        connection.execute(insert, values)  # through the adapters Piccolo registers
        rows = connection.execute(
            "SELECT typeof(a), a, typeof(b), b, typeof(c), c, typeof(d), d, typeof(e), e "
            "FROM typed ORDER BY id"
        ).fetchall()
    assert 4 == len(rows)
    assert [rows[3]] * 4 == rows
    assert ("integer", 1, "integer", 0, "text", "2026-01-06 08:15:30.000250+00:00") == rows[0][:6]

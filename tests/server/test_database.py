"""SQLite write transactions of `server.core.database.Database`: statements on the loop, the
COMMIT in the commit thread, each transaction kept or rolled back on its own."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.core.database import Database, UniqueViolation


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    await database.start()
    async with database.transaction() as connection:
        await connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT UNIQUE)")
    yield database
    await database.close()


async def notes(database: Database) -> list[str]:
    return [row["text"] for row in await database.fetch("SELECT text FROM note ORDER BY id")]


async def test_the_commit_runs_off_the_loop_and_the_block_ends_once_it_is_on_disk(
    database: Database,
) -> None:
    threads: list[str] = []
    database.write_connection().set_trace_callback(
        lambda statement: (
            threads.append(threading.current_thread().name) if statement == "COMMIT" else None
        )
    )

    async with database.transaction() as connection:
        await connection.insert("note", {"text": "first"})

    assert [name for name in threads if name == threading.current_thread().name] == []
    assert len(threads) == 1
    # Another connection (another process would be the same) reads it at once.
    other = sqlite3.connect(database.path or "")
    assert other.execute("SELECT text FROM note").fetchall() == [("first",)]
    other.close()


async def test_a_failed_transaction_among_concurrent_ones_rolls_back_alone(
    database: Database,
) -> None:
    async def write(text: str) -> None:
        async with database.transaction() as connection:
            await connection.insert("note", {"text": text})
            if text == "b":
                await connection.insert("note", {"text": "a"})  # a unique key taken

    results = await asyncio.gather(*(write(text) for text in "abcd"), return_exceptions=True)

    assert [type(result) for result in results] == [type(None), UniqueViolation] + [type(None)] * 2
    assert await notes(database) == ["a", "c", "d"]


async def test_a_caller_cancelled_during_its_commit_leaves_the_connection_to_the_next(
    database: Database,
) -> None:
    async def write(text: str) -> None:
        async with database.transaction() as connection:
            await connection.insert("note", {"text": text})

    for attempt in range(20):
        task = asyncio.ensure_future(write(f"cancelled {attempt}"))
        await asyncio.sleep(0)  # the task runs up to its COMMIT
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await write(f"next {attempt}")

    stored = await notes(database)
    # The cancelled transaction is all there or not at all; the next one always is.
    assert [text for text in stored if text.startswith("next")] == [
        f"next {attempt}" for attempt in range(20)
    ]
    assert not database.write_connection().in_transaction

"""SQLite write transactions of `server.core.database.Database`: statements on the loop, the
COMMIT in the commit thread, transactions that wait for their turn committed together (group
commit), each kept or rolled back on its own; each database the process opens is told apart
from every other, also from one opened before and gone."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.core.database import GROUP_LIMIT, Database, UniqueViolation, number_of


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    await database.start()
    async with database.transaction() as connection:
        await connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT UNIQUE)")
    yield database
    await database.close()


def test_a_database_opened_after_another_is_gone_is_told_apart_from_it(tmp_path: Path) -> None:
    """What is kept per database is keyed by its number: an `id()` of the engine is taken again
    by an engine made after another is freed, and a new server found the figures of the old."""
    numbers, ids = [], set()
    for _ in range(20):
        engine = Database(f"sqlite:///{tmp_path / 'test.db'}").engine
        numbers.append(number_of(engine))
        ids.add(id(engine))
        del engine
        gc.collect()
    assert len(ids) < 20  # the case told apart: an id taken again
    assert len(set(numbers)) == 20
    with pytest.raises(TypeError, match="not an engine"):
        number_of(object())


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


def count_commits(database: Database) -> list[str]:
    """A list that grows by one for every COMMIT the write connection runs."""
    commits: list[str] = []
    database.write_connection().set_trace_callback(
        lambda statement: commits.append(statement) if statement == "COMMIT" else None
    )
    return commits


async def write(database: Database, text: str, hold: bool = False, fail: bool = False) -> None:
    async with database.transaction() as connection:
        await connection.insert("note", {"text": text})
        if hold:  # the others come meanwhile and wait for their turn
            await asyncio.sleep(0.02)
        if fail:
            await connection.insert("note", {"text": text})  # its own unique key again


async def test_transactions_that_wait_for_their_turn_share_one_commit(database: Database) -> None:
    commits = count_commits(database)

    await asyncio.gather(write(database, "a", hold=True), *(write(database, t) for t in "bcde"))

    assert await notes(database) == list("abcde")
    assert len(commits) == 1


async def test_a_group_holds_at_most_its_limit(database: Database) -> None:
    commits = count_commits(database)
    texts = [f"note {n}" for n in range(GROUP_LIMIT + 8)]

    await asyncio.gather(
        write(database, texts[0], hold=True), *(write(database, t) for t in texts[1:])
    )

    assert sorted(await notes(database)) == sorted(texts)
    assert len(commits) == 2


async def test_a_failed_transaction_of_a_group_is_rolled_back_alone(database: Database) -> None:
    commits = count_commits(database)

    results = await asyncio.gather(
        write(database, "a", hold=True),
        write(database, "b"),
        write(database, "c", fail=True),
        write(database, "d"),
        return_exceptions=True,
    )

    assert [type(result) for result in results] == [type(None)] * 2 + [UniqueViolation] + [
        type(None)
    ]
    assert await notes(database) == ["a", "b", "d"]
    assert len(commits) == 1


async def test_a_unique_key_taken_in_the_group_is_seen_committed_when_its_error_is(
    database: Database,
) -> None:
    seen: list[list[str]] = []

    async def second() -> None:
        try:
            await write(database, "a")
        except UniqueViolation:
            seen.append(await notes(database))  # what a second try reads

    # The third one, waiting after it, is the one that commits the group.
    await asyncio.gather(write(database, "a", hold=True), second(), write(database, "z"))

    assert seen[0][0] == "a"
    assert await notes(database) == ["a", "z"]


async def test_a_failed_commit_is_the_error_of_every_transaction_of_its_group(
    database: Database,
) -> None:
    async with database.transaction() as connection:
        await connection.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, "
            "note INTEGER REFERENCES note (id) DEFERRABLE INITIALLY DEFERRED)"
        )

    async def orphan() -> None:
        async with database.transaction() as connection:
            # Checked only by the COMMIT: a deferred key to a note that does not exist.
            await connection.insert("child", {"note": 999})

    results = await asyncio.gather(
        write(database, "a", hold=True), orphan(), write(database, "b"), return_exceptions=True
    )

    assert all(isinstance(result, sqlite3.IntegrityError) for result in results), results
    assert await notes(database) == []
    assert not database.write_connection().in_transaction
    await write(database, "next")
    assert await notes(database) == ["next"]


async def test_a_transaction_cancelled_while_it_waits_leaves_no_group_uncommitted(
    database: Database,
) -> None:
    waiting: list[asyncio.Task[None]] = []

    async def first() -> None:
        async with database.transaction() as connection:
            await connection.insert("note", {"text": "first"})
            await asyncio.sleep(0.02)  # the second one comes and waits
            # Cancelled once this block has ended and handed the group to it.
            asyncio.get_running_loop().call_soon(waiting[0].cancel)

    first_task = asyncio.ensure_future(first())
    await asyncio.sleep(0.005)
    waiting.append(asyncio.ensure_future(write(database, "second")))

    await asyncio.wait_for(first_task, timeout=5)
    results = await asyncio.gather(waiting[0], return_exceptions=True)

    assert isinstance(results[0], asyncio.CancelledError)
    assert await notes(database) == ["first"]
    assert not database.write_connection().in_transaction

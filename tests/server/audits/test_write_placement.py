"""How sync's SQLite write transactions run (server/audits/sql.py, `SqlRunner.write`).

When one client alone is sending, a write runs whole on the event loop's thread. Otherwise
its statements run on the loop's thread and its COMMIT (the fsync) on the database thread,
so the loop serves other requests while the disk works. Writes that arrive
meanwhile are committed together, each undone alone if it fails, and each writer learns its
outcome only once the COMMIT is done. A write that finds another process holding SQLite's
write lock never blocks the loop: it goes to the database thread, which waits for the lock
with the busy timeout.
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

from server.audits.sql import Busy, SqlRunner, Statement, UniqueViolation
from server.db import DEFAULT_BUSY_TIMEOUT_MS, Database, enable_wal

INSERT = Statement(
    "INSERT INTO written (thread) VALUES (writer_thread()) RETURNING id", returns_key=True
)


@dataclass
class Loop:
    """Whether the runner is told that the loop is free (one client alone sending)."""

    free: bool = False
    asked: list[bool] = field(default_factory=list)

    def is_free(self) -> bool:
        self.asked.append(self.free)
        return self.free


@pytest.fixture
def loop_state() -> Loop:
    return Loop()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "placement.db"
    enable_wal(path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE written (id INTEGER PRIMARY KEY, thread TEXT)")
        connection.execute("CREATE TABLE tagged (tag TEXT PRIMARY KEY)")
        connection.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER "
            "REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    return path


@pytest.fixture
def statements_run() -> list[tuple[str, str]]:
    """(SQL, thread name) of every statement the writer connection runs, in order."""
    return []


@pytest.fixture
async def runner(
    path: Path, statements_run: list[tuple[str, str]], loop_state: Loop
) -> AsyncIterator[SqlRunner]:
    runner = SqlRunner(Database(f"sqlite:///{path}"), loop_is_free=loop_state.is_free)
    # Open the writer connection and let statements name the thread they run on.
    connection = (await runner._sqlite_connection())._connection
    connection.create_function("writer_thread", 0, lambda: threading.current_thread().name)
    connection.set_trace_callback(
        lambda sql: statements_run.append((sql, threading.current_thread().name))
    )
    yield runner
    await runner.close()


def written_by(path: Path, row_id: int) -> str:
    with sqlite3.connect(path) as connection:
        thread: str = connection.execute(
            "SELECT thread FROM written WHERE id = ?", (row_id,)
        ).fetchone()[0]
    return thread


def rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def commits(statements_run: list[tuple[str, str]]) -> list[str]:
    """The thread of each COMMIT."""
    return [thread for sql, thread in statements_run if sql == "COMMIT"]


async def test_a_write_of_a_client_alone_runs_whole_on_the_loop_thread(
    runner: SqlRunner, path: Path, statements_run: list[tuple[str, str]], loop_state: Loop
) -> None:
    loop_state.free = True

    row_id = await runner.write([INSERT])

    assert threading.current_thread().name == written_by(path, row_id)
    assert [threading.current_thread().name] == commits(statements_run)
    assert [True] == loop_state.asked


async def test_with_other_clients_statements_run_on_the_loop_and_the_commit_off_it(
    runner: SqlRunner, path: Path, statements_run: list[tuple[str, str]], loop_state: Loop
) -> None:
    row_id = await runner.write([INSERT])

    assert threading.current_thread().name == written_by(path, row_id)
    [commit_thread] = commits(statements_run)
    assert commit_thread.startswith("audits-db")
    assert [False] == loop_state.asked


async def test_a_write_during_another_writes_commit_joins_the_queue_even_if_alone(
    runner: SqlRunner, path: Path, statements_run: list[tuple[str, str]], loop_state: Loop
) -> None:
    first = asyncio.create_task(runner.write([INSERT]))
    while not commits(statements_run):
        await asyncio.sleep(0)
    loop_state.free = True  # the gauge may say so, but a COMMIT is still on its way

    second = await runner.write([INSERT])

    assert 1 == await first
    assert 2 == second
    assert all(thread.startswith("audits-db") for thread in commits(statements_run))


async def test_writes_arriving_together_share_one_commit_and_each_gets_its_key(
    runner: SqlRunner, path: Path, statements_run: list[tuple[str, str]]
) -> None:
    keys = await asyncio.gather(*(runner.write([INSERT]) for _ in range(5)))

    assert [1, 2, 3, 4, 5] == sorted(keys)
    assert 5 == len(rows(path, "written"))
    assert 1 == len(commits(statements_run))


async def test_writes_arriving_during_a_commit_go_into_the_next_one(
    runner: SqlRunner, path: Path, statements_run: list[tuple[str, str]]
) -> None:
    first = asyncio.create_task(runner.write([INSERT]))
    while not commits(statements_run):  # the first COMMIT is on its way
        await asyncio.sleep(0)
    later = [asyncio.create_task(runner.write([INSERT])) for _ in range(4)]

    await asyncio.gather(first, *later)

    assert 2 == len(commits(statements_run))
    assert 5 == len(rows(path, "written"))


async def test_a_failing_write_is_undone_alone_and_the_others_of_its_commit_are_kept(
    runner: SqlRunner, path: Path, statements_run: list[tuple[str, str]]
) -> None:
    def tag(name: str) -> list[Statement]:
        return [Statement("INSERT INTO tagged (tag) VALUES (?)", (name,)), INSERT]

    results = await asyncio.gather(
        runner.write(tag("a")),
        runner.write([*tag("b"), Statement("INSERT INTO tagged (tag) VALUES ('a')")]),
        runner.write(tag("c")),
        return_exceptions=True,
    )

    assert isinstance(results[1], UniqueViolation)
    assert [("a",), ("c",)] == rows(path, "tagged")  # nothing of the second write
    assert {results[0], results[2]} == {row[0] for row in rows(path, "written")}
    assert 1 == len(commits(statements_run))


async def test_a_commit_that_fails_fails_every_write_in_it_and_keeps_nothing(
    runner: SqlRunner, path: Path
) -> None:
    """A deferred foreign key is only checked at COMMIT: the whole batch is refused."""
    results = await asyncio.gather(
        runner.write([INSERT]),
        runner.write([Statement("INSERT INTO child (parent) VALUES (42)")]),
        return_exceptions=True,
    )

    assert all(isinstance(result, sqlite3.IntegrityError) for result in results), results
    assert [] == rows(path, "written")
    assert [] == rows(path, "child")
    # The connection is usable again at once.
    assert 1 == await runner.write([INSERT])


async def test_only_failing_writes_roll_back_without_a_commit(
    runner: SqlRunner, path: Path, statements_run: list[tuple[str, str]]
) -> None:
    duplicate = Statement("INSERT INTO tagged (tag) VALUES ('same')")
    await runner.write([duplicate])

    results = await asyncio.gather(
        runner.write([duplicate]), runner.write([duplicate]), return_exceptions=True
    )

    assert all(isinstance(result, UniqueViolation) for result in results)
    assert 1 == len(commits(statements_run))  # the first write's only
    assert [("same",)] == rows(path, "tagged")


@pytest.mark.parametrize("alone", [True, False])
async def test_a_write_that_meets_another_writer_waits_off_the_loop(
    runner: SqlRunner, path: Path, loop_state: Loop, alone: bool
) -> None:
    loop_state.free = alone
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
    runner = SqlRunner(Database(f"sqlite:///{path}"), sqlite_busy_timeout_ms=150)
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

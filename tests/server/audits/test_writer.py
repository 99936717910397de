"""How sync's SQLite write transactions run (server/audits/writer.py, `SqlRunner.write`).

When one client alone is sending, a write runs whole on the event loop's thread, on the
server's own connection. Otherwise it goes to the writer process, which group-commits every
job that has arrived: each job undone alone if it fails, every writer answered only after
the COMMIT. Another process holding SQLite's write lock never blocks the loop.

Which connection ran a write is seen with a trace callback on the server's own connection;
jobs are made to arrive together by holding the write lock while they are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import decimal
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from server.audits.sql import Busy, SqlRunner, Statement, UniqueViolation
from server.core.database import DEFAULT_BUSY_TIMEOUT_MS, Database, enable_wal

INSERT = Statement("INSERT INTO written (tag) VALUES ('x') RETURNING id", returns_key=True)
ROOT = Path(__file__).resolve().parents[3]


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
    path = tmp_path / "writer.db"
    enable_wal(path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE written (id INTEGER PRIMARY KEY, tag TEXT)")
        connection.execute("CREATE TABLE tagged (tag TEXT PRIMARY KEY)")
        connection.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER "
            "REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    return path


@pytest.fixture
def run_here() -> list[str]:
    """Every statement the server's own connection runs (the writer process's are not)."""
    return []


@pytest.fixture
async def runner(path: Path, run_here: list[str], loop_state: Loop) -> AsyncIterator[SqlRunner]:
    runner = SqlRunner(Database(f"sqlite:///{path}"), loop_is_free=loop_state.is_free)
    connection = (await runner._sqlite_connection())._connection
    connection.set_trace_callback(run_here.append)
    yield runner
    await runner.close()


def rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def writer_of(runner: SqlRunner) -> Any:
    assert runner._writer is not None
    return runner._writer


@contextlib.contextmanager
def write_lock_held(path: Path) -> Iterator[sqlite3.Connection]:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


async def together(runner: SqlRunner, path: Path, *jobs: list[Statement]) -> list[Any]:
    """Outcomes of `jobs` written in one transaction of the writer process: they are sent
    while it waits for the write lock over a job of its own, so they are all in its pipe when
    it next reads."""
    await runner.write([INSERT])  # the writer process is up
    commits = writer_of(runner).commits
    with write_lock_held(path):
        blocker = asyncio.create_task(runner.write([Statement("DELETE FROM written")]))
        await asyncio.sleep(0.2)  # the writer read it and waits for the lock
        tasks = [asyncio.create_task(runner.write(job)) for job in jobs]
        await asyncio.sleep(0.05)
    await blocker
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert commits + 2 == writer_of(runner).commits  # the blocker's, then the jobs'
    return outcomes


async def test_a_write_of_a_client_alone_runs_whole_on_the_servers_own_connection(
    runner: SqlRunner, path: Path, run_here: list[str], loop_state: Loop
) -> None:
    loop_state.free = True

    row_id = await runner.write([INSERT])

    assert [(row_id, "x")] == rows(path, "written")
    assert INSERT.sql in run_here
    assert "COMMIT" in run_here
    assert [True] == loop_state.asked
    assert 0 == writer_of(runner).commits


async def test_with_other_clients_a_write_goes_to_the_writer_process(
    runner: SqlRunner, path: Path, run_here: list[str], loop_state: Loop
) -> None:
    row_id = await runner.write([INSERT])

    assert [(row_id, "x")] == rows(path, "written")
    assert INSERT.sql not in run_here
    assert 1 == writer_of(runner).commits
    assert writer_of(runner).pid != os.getpid()
    assert [False] == loop_state.asked


async def test_a_write_while_the_writer_works_joins_it_even_if_alone(
    runner: SqlRunner, path: Path, run_here: list[str], loop_state: Loop
) -> None:
    with write_lock_held(path):
        first = asyncio.create_task(runner.write([INSERT]))
        await asyncio.sleep(0.1)
        loop_state.free = True  # the gauge may say so, but a job is still on its way
        second = asyncio.create_task(runner.write([INSERT]))
        await asyncio.sleep(0.05)

    assert (1, 2) == (await first, await second)
    assert INSERT.sql not in run_here


async def test_writes_arriving_together_share_one_commit_and_each_gets_its_key(
    runner: SqlRunner, path: Path
) -> None:
    keys = await together(runner, path, *([[INSERT]] * 5))

    assert 5 == len(set(keys))
    assert sorted(keys) == [row[0] for row in rows(path, "written")]


async def test_concurrent_writes_are_all_stored_with_distinct_keys(
    runner: SqlRunner, path: Path
) -> None:
    keys = await asyncio.gather(*(runner.write([INSERT]) for _ in range(40)))

    assert list(range(1, 41)) == sorted(keys)
    assert writer_of(runner).commits < 40  # at least some shared a COMMIT


async def test_jobs_larger_than_the_pipe_buffer_arrive_whole_and_in_order(
    runner: SqlRunner, path: Path
) -> None:
    """A pipe holds 64 KiB; each of these jobs is ~450 KB, so most of it waits for the writer
    to read."""
    tags = [[f"{job}-{row:04d}-" + "x" * 200 for row in range(2000)] for job in range(3)]
    insert = "INSERT INTO written (tag) VALUES (?)"

    await asyncio.gather(
        *(runner.write([Statement(insert, many=[(tag,) for tag in job])]) for job in tags)
    )

    assert [tag for job in tags for tag in job] == [row[1] for row in rows(path, "written")]


async def test_a_failing_write_is_undone_alone_and_the_others_of_its_commit_are_kept(
    runner: SqlRunner, path: Path
) -> None:
    def tag(name: str) -> list[Statement]:
        return [Statement("INSERT INTO tagged (tag) VALUES (?)", (name,)), INSERT]

    first, second, third = await together(
        runner,
        path,
        tag("a"),
        [*tag("b"), Statement("INSERT INTO tagged (tag) VALUES ('a')")],
        tag("c"),
    )

    assert isinstance(second, UniqueViolation)
    assert [("a",), ("c",)] == rows(path, "tagged")  # nothing of the second write
    assert {first, third} == {row[0] for row in rows(path, "written")}


async def test_a_commit_that_fails_fails_every_write_in_it_and_keeps_nothing(
    runner: SqlRunner, path: Path
) -> None:
    """A deferred foreign key is only checked at COMMIT: the whole batch is refused."""
    results = await together(
        runner, path, [INSERT], [Statement("INSERT INTO child (parent) VALUES (42)")]
    )

    assert all(isinstance(result, sqlite3.IntegrityError) for result in results), results
    assert [] == rows(path, "written")
    assert [] == rows(path, "child")
    await runner.write([INSERT])  # the writer goes on
    assert 1 == len(rows(path, "written"))


async def test_only_failing_writes_roll_back_and_change_nothing(
    runner: SqlRunner, path: Path
) -> None:
    duplicate = Statement("INSERT INTO tagged (tag) VALUES ('same')")
    await runner.write([duplicate])

    results = await together(runner, path, [duplicate], [duplicate])

    assert all(isinstance(result, UniqueViolation) for result in results)
    assert [("same",)] == rows(path, "tagged")


@pytest.mark.parametrize("alone", [True, False])
async def test_a_write_of_a_client_alone_fails_alone(
    runner: SqlRunner, path: Path, loop_state: Loop, alone: bool
) -> None:
    loop_state.free = alone
    await runner.write([Statement("INSERT INTO tagged (tag) VALUES ('same')")])

    with pytest.raises(UniqueViolation):
        await runner.write([INSERT, Statement("INSERT INTO tagged (tag) VALUES ('same')")])

    assert [] == rows(path, "written")
    assert 1 == await runner.write([INSERT])


@pytest.mark.parametrize("alone", [True, False])
async def test_a_write_that_meets_another_writer_waits_without_blocking_the_loop(
    runner: SqlRunner, path: Path, run_here: list[str], loop_state: Loop, alone: bool
) -> None:
    loop_state.free = alone
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    with write_lock_held(path) as holder:
        asyncio.get_running_loop().call_later(0.4, holder.execute, "ROLLBACK")
        try:
            row_id = await runner.write([INSERT])
        finally:
            ticker.cancel()

    assert [(row_id, "x")] == rows(path, "written")
    assert INSERT.sql not in run_here  # the writer process waited for the lock
    # The loop kept running while the write waited ~0.4 s for the lock (~40 ticks).
    assert ticks >= 20, ticks
    connection = (await runner._sqlite_connection())._connection
    assert DEFAULT_BUSY_TIMEOUT_MS == connection.execute("PRAGMA busy_timeout").fetchone()[0]


async def test_a_lock_held_past_the_busy_timeout_is_busy_and_nothing_is_written(path: Path) -> None:
    runner = SqlRunner(Database(f"sqlite:///{path}"), sqlite_busy_timeout_ms=150)
    try:
        with write_lock_held(path):
            started = time.monotonic()
            with pytest.raises(Busy):
                await runner.write([INSERT])
            assert 0.1 < time.monotonic() - started < 5
    finally:
        await runner.close()
    assert [] == rows(path, "written")


async def test_a_writer_that_dies_fails_the_waiting_writes_and_the_next_write_starts_another(
    runner: SqlRunner, path: Path
) -> None:
    await runner.write([INSERT])
    first_pid = writer_of(runner).pid
    with write_lock_held(path):
        waiting = asyncio.create_task(runner.write([INSERT]))
        await asyncio.sleep(0.1)
        os.kill(first_pid, signal.SIGKILL)
        with pytest.raises(Busy, match="writer stopped"):
            await waiting

    assert 2 == await runner.write([INSERT])
    assert writer_of(runner).pid not in (None, first_pid)
    assert [1, 2] == [row[0] for row in rows(path, "written")]


async def test_ctrl_c_and_sigterm_to_the_process_group_leave_the_writer_to_the_server(
    runner: SqlRunner, path: Path
) -> None:
    """The server ends its writer itself, after the requests in flight."""
    await runner.write([INSERT])
    pid = writer_of(runner).pid
    os.kill(pid, signal.SIGINT)
    os.kill(pid, signal.SIGTERM)
    await asyncio.sleep(0.1)

    assert 2 == await runner.write([INSERT])
    assert pid == writer_of(runner).pid


async def test_closing_lets_the_writer_finish_what_it_was_sent(
    runner: SqlRunner, path: Path
) -> None:
    await runner.write([INSERT])
    pid = writer_of(runner).pid
    with write_lock_held(path) as holder:
        tasks = [asyncio.create_task(runner.write([INSERT])) for _ in range(3)]
        await asyncio.sleep(0.05)
        asyncio.get_running_loop().call_later(0.2, holder.execute, "ROLLBACK")
        await runner.close()

    assert [2, 3, 4] == sorted(await asyncio.gather(*tasks))
    assert 4 == len(rows(path, "written"))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # ended and reaped


def test_the_writer_dies_with_the_server(path: Path) -> None:
    """kill -9 of the server takes its writer process with it: no writer is left holding the
    database for the next server."""
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from server.audits.sql import SqlRunner, Statement
        from server.core.database import Database

        async def main():
            runner = SqlRunner(Database("sqlite:///{path}"))
            await runner.write([Statement("INSERT INTO written (tag) VALUES ('x')")])
            print(runner._writer.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    server = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert -signal.SIGKILL == server.returncode, server.stderr
    writer_pid = int(server.stdout)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(writer_pid):
        time.sleep(0.05)
    assert not _running(writer_pid)
    assert [(1, "x")] == rows(path, "written")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("alone", [True, False])
async def test_values_are_stored_as_sqlite3_with_piccolos_adapters_stores_them(
    path: Path, alone: bool
) -> None:
    """Both ways store what `sqlite3` stores through the adapters Piccolo registers."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE typed (id INTEGER PRIMARY KEY, a, b, c, d, e, f)")
    moment = dt.datetime(2026, 1, 6, 10, 15, 30, 250, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    naive = dt.datetime(2026, 1, 6, 10, 15)
    values = (True, False, moment, naive, uuid.UUID(int=7), decimal.Decimal("87.50"))
    insert = "INSERT INTO typed (a, b, c, d, e, f) VALUES (?, ?, ?, ?, ?, ?)"
    runner = SqlRunner(Database(f"sqlite:///{path}"), loop_is_free=lambda: alone)
    try:
        await runner.write([Statement(insert, values), Statement(insert, many=[values, values])])
    finally:
        await runner.close()
    with sqlite3.connect(path) as connection:
        connection.execute(insert, values)  # through the adapters Piccolo registers
        stored = connection.execute(
            "SELECT typeof(a), a, typeof(b), b, typeof(c), c, typeof(d), d, typeof(e), e, "
            "typeof(f), f FROM typed ORDER BY id"
        ).fetchall()
    assert 4 == len(stored)
    assert [stored[3]] * 4 == stored
    assert ("integer", 1, "integer", 0, "text", "2026-01-06 08:15:30.000250+00:00") == stored[0][:6]

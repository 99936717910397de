"""Raw SQL on the hot path of sync: one writer connection, group-committed transactions.

Piccolo opens a new SQLite connection (and a new thread) for every query outside a
transaction and never sets `synchronous`, which made saving audits about 25 times slower
than plain `sqlite3` (PITFALLS). Ingest therefore talks to the database through this small
layer instead:

- SQLite: one persistent `sqlite3` connection per app for writes, with the durability PRAGMAs
  of `server.db`; write transactions are `BEGIN IMMEDIATE`, so another server process waits
  instead of failing at commit. One asyncio lock serialises transactions on the connection
  (SQLite has one writer at a time anyway).
- PostgreSQL: a connection of Piccolo's asyncpg pool, in an asyncpg transaction.

The ingest hot path crosses to the database thread as few times as it can: all its reads in
one `fetch_batch` (`Database.fetch_batch`: on SQLite a separate WAL reader connection used on
the event loop's thread, no hop at all), the whole write transaction as one `write` of
`Statement`s. A statement that meets a locked database or a serialization failure raises
`Busy`: the caller answers 503, never 409.

SQLite writes are group-committed. The statements run on the event loop's thread: they need
the GIL throughout, and on another thread they would wait for it between rows while the loop
serves requests. The COMMIT, which waits for the disk (fsync) with the GIL released, runs on
the database thread, and the loop serves other requests meanwhile. Writes that arrive during
a COMMIT wait for it, then go into the next transaction together, each in its own savepoint
(a write that fails is undone alone), made durable by one COMMIT. Every writer learns its
outcome only after that COMMIT. When one client alone is sending (`loop_is_free`, see
server/gauge.py), its write runs whole on the loop's thread, COMMIT included: nobody waits
for the loop, and the two thread wake-ups of the hand-off are saved. A write never waits for
another process's lock on the loop: BEGIN IMMEDIATE is tried without waiting, and if the lock
is taken the write (or the whole batch) goes to the database thread, which waits for it with
the busy timeout.

SQL is written once with `?` placeholders; they become `$1, $2...` for PostgreSQL. Values are
plain Python objects (UUID, aware datetime, Decimal, bool): asyncpg encodes them natively and
Piccolo registers the same `sqlite3` adapters it uses itself, so rows look alike either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, Protocol

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import convert_datetime_in

from server.db import DEFAULT_BUSY_TIMEOUT_MS, SQLITE_PRAGMAS, Database

Row = tuple[Any, ...]


class UniqueViolation(Exception):
    """An INSERT hit a unique key: someone stored the same thing first."""


class Busy(Exception):
    """The database could not take the write now (locked, deadlock, serialization): transient."""


class ChangedUnderfoot(Exception):
    """A guarded statement changed another number of rows than expected: a lost race."""


class _Key:
    """Placeholder for the key the `returns_key` statement of a `write` produced."""

    def __repr__(self) -> str:
        return "KEY"


KEY: Final = _Key()


@dataclasses.dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a write transaction.

    `params` (or every row of `many`, run with executemany) may contain `KEY`, replaced by
    the key of the transaction: the first column returned by the statement marked
    `returns_key`, or the key given to `write`. `expect_changes` guards an optimistic UPDATE.
    """

    sql: str
    params: tuple[Any, ...] = ()
    many: list[tuple[Any, ...]] | None = None
    returns_key: bool = False
    expect_changes: int | None = None


def _bind(values: Sequence[Any], key: Any) -> tuple[Any, ...]:
    return tuple([key if value is KEY else value for value in values])  # a list: 2x a generator


class _SQLiteValues:
    """Parameters of one SQLite transaction in the form `sqlite3` stores without adapting.

    A bool is a subclass of int, so `sqlite3` looks for an adapter before storing it as 0/1
    (~1 us each, and an audit has one per answer); a datetime goes through Piccolo's adapter
    (~3 us), and an audit repeats its few timestamps across its rows. Here each becomes what
    the adapter would have made of it, each datetime once per transaction: the same stored
    values, about 0.1 ms less per audit.
    """

    def __init__(self, key: Any) -> None:
        self.key = key
        self._texts: dict[int, str] = {}

    def bind(self, values: Sequence[Any]) -> tuple[Any, ...]:
        bound = []
        for value in values:
            kind = type(value)
            if kind is bool:
                value = int(value)
            elif kind is dt.datetime:
                text = self._texts.get(id(value))
                if text is None:
                    text = self._texts[id(value)] = convert_datetime_in(value)
                value = text
            elif value is KEY:
                value = self.key
            bound.append(value)
        return tuple(bound)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


class Reader(Protocol):
    """Anything that runs a read query: a `Connection`, or `Database` itself (its shared
    read connection, which on SQLite works on the event loop's thread)."""

    async def fetch(self, sql: str, *params: Any) -> list[Row]: ...


class Connection(Reader, Protocol):
    async def execute(self, sql: str, *params: Any) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


@functools.lru_cache(maxsize=256)
def numbered_placeholders(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2...` (our SQL has no `?` in literals)."""
    parts = sql.split("?")
    numbered = [parts[0]]
    for index, part in enumerate(parts[1:], start=1):
        numbered.append(f"${index}{part}")
    return "".join(numbered)


@dataclasses.dataclass(frozen=True, slots=True)
class WriteJob:
    """The statements of one `SqlRunner.write` and the key they start with."""

    statements: Sequence[Statement]
    key: Any = None


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one job of a batch: its key, or the exception that undid it."""

    value: Any = None
    error: Exception | None = None


class _SQLiteConnection:
    def __init__(
        self, connection: sqlite3.Connection, executor: ThreadPoolExecutor, busy_timeout_ms: int
    ) -> None:
        self._connection = connection
        self._executor = executor
        self._busy_timeout_ms = busy_timeout_ms

    async def _run(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        with _translated_sqlite_errors():
            return self._connection.execute(sql, params).fetchall()

    def _execute(self, sql: str, params: Sequence[Any]) -> int:
        with _translated_sqlite_errors():
            return self._connection.execute(sql, params).rowcount

    def _executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        with _translated_sqlite_errors():
            self._connection.executemany(sql, rows)

    def begin(self, *, wait: bool = True) -> None:
        """BEGIN IMMEDIATE. With `wait=False`, raise `Busy` at once, having begun nothing,
        when another connection holds the write lock, instead of waiting up to the busy
        timeout."""
        connection = self._connection
        with _translated_sqlite_errors():
            if wait:
                connection.execute("BEGIN IMMEDIATE")
                return
            connection.execute("PRAGMA busy_timeout = 0")
            try:
                connection.execute("BEGIN IMMEDIATE")
            finally:
                connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")

    def apply(self, jobs: Sequence[WriteJob]) -> list[Outcome]:
        """Run each job's statements in the open transaction; the outcome of each.

        A job that fails is undone alone (a savepoint each when there are several) and its
        exception is its outcome; the others go on. A lone job that fails, or an error that
        leaves the transaction unusable, rolls the whole transaction back and is raised.
        """
        connection = self._connection
        if len(jobs) == 1:
            try:
                return [Outcome(self._statements(jobs[0].statements, jobs[0].key))]
            except BaseException:
                self.rollback()
                raise
        outcomes = []
        try:
            for job in jobs:
                connection.execute("SAVEPOINT job")
                try:
                    key = self._statements(job.statements, job.key)
                except Exception as error:  # it becomes that job's outcome
                    connection.execute("ROLLBACK TO job")
                    outcomes.append(Outcome(error=error))
                else:
                    outcomes.append(Outcome(key))
                connection.execute("RELEASE job")
        except BaseException:
            self.rollback()
            raise
        return outcomes

    def _statements(self, statements: Sequence[Statement], key: Any) -> Any:
        connection = self._connection
        values = _SQLiteValues(key)
        with _translated_sqlite_errors():
            for statement in statements:
                if statement.many is not None:
                    connection.executemany(
                        statement.sql, [values.bind(row) for row in statement.many]
                    )
                    continue
                cursor = connection.execute(statement.sql, values.bind(statement.params))
                if statement.returns_key:
                    values.key = cursor.fetchone()[0]
                elif (
                    statement.expect_changes is not None
                    and cursor.rowcount != statement.expect_changes
                ):
                    raise ChangedUnderfoot(statement.sql)
        return values.key

    def finish(self, outcomes: Sequence[Outcome]) -> None:
        """COMMIT if any job succeeded (ROLLBACK otherwise); a failed COMMIT rolls back."""
        if not any(outcome.error is None for outcome in outcomes):
            self.rollback()
            return
        try:
            with _translated_sqlite_errors():
                self._connection.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    def write_batch(self, jobs: Sequence[WriteJob]) -> list[Outcome]:
        """One IMMEDIATE transaction of every job, on the calling thread (see `apply`),
        waiting for the write lock up to the busy timeout."""
        self.begin()
        outcomes = self.apply(jobs)
        self.finish(outcomes)
        return outcomes

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        rows: list[Row] = await self._run(self._fetch, sql, params)
        return rows

    async def execute(self, sql: str, *params: Any) -> int:
        count: int = await self._run(self._execute, sql, params)
        return count

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._run(self._executemany, sql, list(rows))


@contextlib.contextmanager
def _translated_sqlite_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "UNIQUE" in str(error):
            raise UniqueViolation(str(error)) from error
        raise
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            raise Busy(str(error)) from error
        raise


@contextlib.contextmanager
def _translated_postgres_errors() -> Iterator[None]:
    import asyncpg

    try:
        yield
    except asyncpg.UniqueViolationError as error:
        raise UniqueViolation(str(error)) from error
    except (
        asyncpg.SerializationError,
        asyncpg.DeadlockDetectedError,
        asyncpg.LockNotAvailableError,
        asyncpg.TooManyConnectionsError,
    ) as error:
        raise Busy(str(error)) from error


class _PostgresConnection:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        records = await self._connection.fetch(numbered_placeholders(sql), *params)
        return [tuple(record) for record in records]

    async def execute(self, sql: str, *params: Any) -> int:
        with _translated_postgres_errors():
            status: str = await self._connection.execute(numbered_placeholders(sql), *params)
        # asyncpg answers with the command tag, e.g. "UPDATE 1" or "INSERT 0 1".
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _translated_postgres_errors():
            await self._connection.executemany(numbered_placeholders(sql), list(rows))

    async def write_now(self, statements: Sequence[Statement], key: Any) -> Any:
        for statement in statements:
            if statement.many is not None:
                await self.executemany(statement.sql, [_bind(row, key) for row in statement.many])
                continue
            params = _bind(statement.params, key)
            if statement.returns_key:
                with _translated_postgres_errors():
                    key = await self._connection.fetchval(
                        numbered_placeholders(statement.sql), *params
                    )
                continue
            changed = await self.execute(statement.sql, *params)
            if statement.expect_changes is not None and changed != statement.expect_changes:
                raise ChangedUnderfoot(statement.sql)
        return key


class SqlRunner:
    """Transactions and reads on the app's database for the audits feature."""

    def __init__(
        self,
        database: Database,
        *,
        sqlite_busy_timeout_ms: int | None = None,
        loop_is_free: Callable[[], bool] | None = None,
    ) -> None:
        """`sqlite_busy_timeout_ms` replaces the PRAGMA's 15 s wait for the write lock;
        `loop_is_free` says when a write may run whole, COMMIT included, on the event loop's
        thread (never when not given)."""
        self.database = database
        self._busy_timeout_ms = sqlite_busy_timeout_ms
        self._loop_is_free = loop_is_free
        self._sqlite: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = asyncio.Lock()
        # SQLite writes waiting for the next group commit, and the task writing them.
        self._pending: list[tuple[WriteJob, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database.is_sqlite

    def _open_sqlite(self, path: Path) -> sqlite3.Connection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        if self._busy_timeout_ms is not None:
            connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        return connection

    async def _sqlite_connection(self) -> _SQLiteConnection:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audits-db")
        if self._sqlite is None:
            assert self.database.path is not None
            loop = asyncio.get_running_loop()
            self._sqlite = await loop.run_in_executor(
                self._executor, self._open_sqlite, self.database.path
            )
        busy_timeout_ms = self._busy_timeout_ms
        if busy_timeout_ms is None:
            busy_timeout_ms = DEFAULT_BUSY_TIMEOUT_MS
        return _SQLiteConnection(self._sqlite, self._executor, busy_timeout_ms)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """One write transaction, committed when the block ends without an exception."""
        if self.is_sqlite:
            async with self._lock:
                connection = await self._sqlite_connection()
                await connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    await connection.execute("ROLLBACK")
                    raise
                await connection.execute("COMMIT")
            return
        engine = self.database.engine
        assert isinstance(engine, PostgresEngine)
        assert engine.pool is not None, "the PostgreSQL pool starts with the app"
        async with engine.pool.acquire() as raw, raw.transaction():
            yield _PostgresConnection(raw)

    async def fetch_batch(self, queries: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Row]]:
        """The rows of each query, all read from one snapshot in one trip to the database."""
        return await self.database.fetch_batch(queries)

    async def write(self, statements: Sequence[Statement], key: Any = None) -> Any:
        """Run `statements` in one write transaction and return its key (see `Statement`).

        Raises `UniqueViolation`, `ChangedUnderfoot` or `Busy`; nothing is kept then.
        """
        if self.is_sqlite:
            if self._writer is None and not self._lock.locked() and self._loop_is_free_now():
                return await self._write_alone(WriteJob(statements, key))
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending.append((WriteJob(statements, key), future))
            if self._writer is None:
                self._writer = asyncio.create_task(self._write_pending())
            return await future
        engine = self.database.engine
        assert isinstance(engine, PostgresEngine)
        assert engine.pool is not None, "the PostgreSQL pool starts with the app"
        async with engine.pool.acquire() as raw, raw.transaction():
            return await _PostgresConnection(raw).write_now(statements, key)

    def _loop_is_free_now(self) -> bool:
        return self._loop_is_free is not None and self._loop_is_free()

    async def _write_alone(self, job: WriteJob) -> Any:
        """The whole transaction on the loop's thread: nobody else waits for the loop."""
        async with self._lock:
            [outcome] = await self._write_jobs([job], commit_on_loop=True)
        return outcome.value  # a lone job that fails raises instead (`apply`)

    async def _write_jobs(self, jobs: list[WriteJob], *, commit_on_loop: bool) -> list[Outcome]:
        """One transaction of `jobs` (the lock held): statements on the loop's thread (on the
        database thread they would wait for the loop's GIL between rows), the COMMIT there
        too or on the database thread. If another process holds the write lock, the whole
        transaction goes to the database thread, which waits for it."""
        connection = await self._sqlite_connection()
        loop = asyncio.get_running_loop()
        try:
            connection.begin(wait=False)
        except Busy:
            outcomes: list[Outcome] = await loop.run_in_executor(
                self._executor, connection.write_batch, jobs
            )
            return outcomes
        outcomes = connection.apply(jobs)
        if commit_on_loop:
            connection.finish(outcomes)
        else:
            await loop.run_in_executor(self._executor, connection.finish, outcomes)
        return outcomes

    async def _write_pending(self) -> None:
        """Group commit: every write that arrived meanwhile goes into the next transaction.

        While one COMMIT waits for the disk on the database thread, the loop serves other
        requests, and the writes they reach wait here; they are then written together, each
        in its own savepoint, and made durable by one COMMIT (one fsync) instead of one each.
        """
        try:
            while self._pending:
                async with self._lock:
                    batch, self._pending = self._pending, []
                    await self._write_batch(batch)
        finally:
            self._writer = None
            left, self._pending = self._pending, []  # only if this task was cancelled
            for _job, future in left:
                future.cancel()

    async def _write_batch(self, batch: list[tuple[WriteJob, asyncio.Future[Any]]]) -> None:
        try:
            outcomes = await self._write_jobs([job for job, _future in batch], commit_on_loop=False)
        except BaseException as error:  # every writer of the batch learns of it
            for _job, future in batch:
                if not future.done():
                    if isinstance(error, Exception):
                        future.set_exception(error)
                    else:
                        future.cancel()
            if not isinstance(error, Exception):
                raise
            return
        for (_job, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue  # its request was cancelled; the write stands, as any other
            if outcome.error is None:
                future.set_result(outcome.value)
            else:
                future.set_exception(outcome.error)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        """A connection for reads outside a write transaction."""
        if self.is_sqlite:
            async with self._lock:
                yield await self._sqlite_connection()
            return
        engine = self.database.engine
        assert isinstance(engine, PostgresEngine)
        assert engine.pool is not None, "the PostgreSQL pool starts with the app"
        async with engine.pool.acquire() as raw:
            yield _PostgresConnection(raw)

    async def close(self) -> None:
        if self._sqlite is not None and self._executor is not None:
            connection, self._sqlite = self._sqlite, None
            await asyncio.get_running_loop().run_in_executor(self._executor, connection.close)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

"""Raw SQL on the hot path of sync: one writer connection, group-committed transactions.

Piccolo opens a new SQLite connection (and a new thread) for every query outside a
transaction and never sets `synchronous`, which made saving audits about 25 times slower
than plain `sqlite3` (PITFALLS). Ingest therefore talks to the database through this small
layer instead:

- SQLite: one persistent `sqlite3` connection per app for writes, with the durability PRAGMAs
  of `server.core.database`; write transactions are `BEGIN IMMEDIATE`, so another server
  process waits instead of failing at commit. One asyncio lock serialises transactions on
  the connection (SQLite has one writer at a time anyway).
- PostgreSQL: a connection of Piccolo's asyncpg pool, in an asyncpg transaction.

The ingest hot path crosses to the database thread as few times as it can: all its reads in
one `fetch_batch` (`Database.fetch_batch`: on SQLite a separate WAL reader connection used on
the event loop's thread, no hop at all), the whole write transaction as one `write` of
`Statement`s. A statement that meets a locked database or a serialization failure raises
`Busy`: the caller answers 503, never 409.

SQLite writes go to a writer process of their own (server/audits/writer.py), which
group-commits every job that has arrived: each job in its own savepoint (a write that fails
is undone alone), all made durable by one COMMIT, every writer answered only after it. The
loop only pickles the job and reads the answer, through the selector it already waits on:
on a thread, the statements would wait for the loop's GIL between rows and each hand-off for
the switch interval. When one client alone is sending (`loop_is_free`, see server/core/gauge.py)
and the writer has nothing in hand, the write runs whole on the loop's thread on this
process's own connection instead, COMMIT included: nobody waits for the loop, and the two
process wake-ups of the hand-off are saved. That write never waits for another process's
lock: BEGIN IMMEDIATE is tried without waiting, and if the lock is taken the write goes to
the writer, which waits for it with the busy timeout. `transaction` (photos, other
features) runs on this process's connection on a database thread.

SQL is written once with `?` placeholders; they become `$1, $2...` for PostgreSQL. Values are
plain Python objects (UUID, aware datetime, Decimal, bool): asyncpg encodes them natively and
Piccolo registers the same `sqlite3` adapters it uses itself, so rows look alike either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, Protocol

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import convert_datetime_in

from server.audits.writer import (
    KEY,
    Busy,
    ChangedUnderfoot,
    Job,
    Outcome,
    Statement,
    Transactions,
    UniqueViolation,
    WriterProcess,
    bind_key,
    translated_sqlite_errors,
)
from server.core.database import DEFAULT_BUSY_TIMEOUT_MS, SQLITE_PRAGMAS, Database

__all__ = [
    "KEY",
    "Busy",
    "ChangedUnderfoot",
    "Connection",
    "Reader",
    "Row",
    "SqlRunner",
    "Statement",
    "UniqueViolation",
    "numbered_placeholders",
]

Row = tuple[Any, ...]


class _SQLiteValues:
    """Parameters of one SQLite job in the form `sqlite3` stores without adapting, so that
    the writer process (which has no adapters of its own) stores what this process would.

    A datetime goes through Piccolo's adapter (~3 us), and an audit repeats its few
    timestamps across its rows: each is converted once per job. A bool becomes 0/1 (its
    adapter look-up costs ~1 us, and an audit has one per answer); other types (UUID,
    Decimal) go through the adapters Piccolo registered. `KEY` stays for the writer.
    """

    def __init__(self) -> None:
        self._texts: dict[int, str] = {}

    def bind(self, values: Sequence[Any]) -> tuple[Any, ...]:
        bound = []
        for value in values:
            kind = type(value)
            if kind in _NATIVE:
                pass
            elif kind is bool:
                value = int(value)
            elif kind is dt.datetime:
                text = self._texts.get(id(value))
                if text is None:
                    text = self._texts[id(value)] = convert_datetime_in(value)
                value = text
            elif value is not KEY:
                value = sqlite3.adapt(value, sqlite3.PrepareProtocol, value)
            bound.append(value)
        return tuple(bound)

    def job(self, statements: Sequence[Statement]) -> Job:
        """The statements as the writer process takes them (plain tuples pickle ~5x faster
        than dataclasses)."""
        bind = self.bind
        return [
            (
                statement.sql,
                bind(statement.params),
                None if statement.many is None else [bind(row) for row in statement.many],
                statement.returns_key,
                statement.expect_changes,
            )
            for statement in statements
        ]


_NATIVE: Final = frozenset({int, float, str, bytes, type(None)})


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
        with translated_sqlite_errors():
            return self._connection.execute(sql, params).fetchall()

    def _execute(self, sql: str, params: Sequence[Any]) -> int:
        with translated_sqlite_errors():
            return self._connection.execute(sql, params).rowcount

    def _executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        with translated_sqlite_errors():
            self._connection.executemany(sql, rows)

    def run_alone(self, key: Any, job: Job) -> list[Outcome]:
        """The job in a transaction of its own on the calling thread; `Busy` at once, having
        begun nothing, if another connection holds the write lock."""
        return Transactions(self._connection, self._busy_timeout_ms).run([(key, job)], wait=False)

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        rows: list[Row] = await self._run(self._fetch, sql, params)
        return rows

    async def execute(self, sql: str, *params: Any) -> int:
        count: int = await self._run(self._execute, sql, params)
        return count

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._run(self._executemany, sql, list(rows))


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
                await self.executemany(
                    statement.sql, [bind_key(row, key) for row in statement.many]
                )
                continue
            params = bind_key(statement.params, key)
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
        self._writer: WriterProcess | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database.is_sqlite

    def _open_sqlite(self, path: Path) -> sqlite3.Connection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in self._pragmas():
            connection.execute(pragma)
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
        return _SQLiteConnection(self._sqlite, self._executor, self._sqlite_busy_timeout_ms())

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

        Raises `UniqueViolation`, `ChangedUnderfoot` or `Busy`; nothing is kept then. On
        SQLite the writer process runs it (server/audits/writer.py), group-committed with the
        writes that arrive meanwhile; or, for a client alone, this process on the loop's
        thread (see the module's docstring).
        """
        if self.is_sqlite:
            writer = self._writer
            if writer is None:
                assert self.database.path is not None
                writer = self._writer = WriterProcess(
                    self.database.path, self._pragmas(), self._sqlite_busy_timeout_ms()
                )
            writer.start()  # so that it is ready when writes come together
            job = _SQLiteValues().job(statements)
            if (
                writer.idle
                and not self._lock.locked()
                and self._loop_is_free is not None
                and self._loop_is_free()
            ):
                async with self._lock:
                    connection = await self._sqlite_connection()
                    try:
                        [(value, error)] = connection.run_alone(key, job)
                    except Busy:
                        pass  # another process holds the lock: the writer waits for it
                    else:
                        if error is not None:
                            raise error
                        return value
            return await writer.write(job, key)
        engine = self.database.engine
        assert isinstance(engine, PostgresEngine)
        assert engine.pool is not None, "the PostgreSQL pool starts with the app"
        async with engine.pool.acquire() as raw, raw.transaction():
            return await _PostgresConnection(raw).write_now(statements, key)

    def _pragmas(self) -> list[str]:
        pragmas = list(SQLITE_PRAGMAS)
        if self._busy_timeout_ms is not None:
            pragmas.append(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        return pragmas

    def _sqlite_busy_timeout_ms(self) -> int:
        if self._busy_timeout_ms is None:
            return DEFAULT_BUSY_TIMEOUT_MS
        return int(self._busy_timeout_ms)

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
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await writer.close()
        if self._sqlite is not None and self._executor is not None:
            connection, self._sqlite = self._sqlite, None
            await asyncio.get_running_loop().run_in_executor(self._executor, connection.close)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

"""Raw SQL on the hot path of sync: one connection per transaction, batched statements.

Piccolo opens a new SQLite connection (and a new thread) for every query outside a
transaction and never sets `synchronous`, which made saving audits about 25 times slower
than plain `sqlite3` (PITFALLS). Ingest therefore talks to the database through this small
layer instead:

- SQLite: one persistent `sqlite3` connection per app, used from one dedicated thread, with
  the durability PRAGMAs of `server.db`; write transactions are `BEGIN IMMEDIATE`, so another
  server process waits instead of failing at commit. One asyncio lock serialises
  transactions on the connection (SQLite has one writer at a time anyway).
- PostgreSQL: a connection of Piccolo's asyncpg pool, in an asyncpg transaction.

The ingest hot path crosses to the database thread as few times as it can: all its reads in
one `fetch_batch` (`Database.fetch_batch`: on SQLite a separate WAL reader connection used on
the event loop's thread, no hop at all), the whole write transaction as one `write` of
`Statement`s (on SQLite a single hop to the database thread from BEGIN IMMEDIATE to COMMIT;
on PostgreSQL one pooled connection in one transaction). A statement that meets a locked
database or a serialization failure raises `Busy`: the caller answers 503, never 409.

When the request writing is the only one in the process (`loop_is_free`), the SQLite write
runs on the event loop's thread instead: nobody waits for the loop, and the two thread
wake-ups of the hand-off (0.1 ms idle, milliseconds on a loaded machine) are saved. It then
does not wait for the write lock: if another process holds it, the write goes to the
database thread, which waits for it as usual.

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

    def write_now(self, statements: Sequence[Statement], key: Any, *, wait: bool = True) -> Any:
        """One IMMEDIATE transaction of `statements`, on the calling thread; the key.

        With `wait=False`, raise `Busy` at once, having written nothing, when another
        connection holds the write lock, instead of waiting up to the busy timeout.
        """
        connection = self._connection
        with _translated_sqlite_errors():
            if wait:
                connection.execute("BEGIN IMMEDIATE")
            else:
                connection.execute("PRAGMA busy_timeout = 0")
                try:
                    connection.execute("BEGIN IMMEDIATE")
                finally:
                    connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            try:
                values = _SQLiteValues(key)
                for statement in statements:
                    if statement.many is not None:
                        connection.executemany(
                            statement.sql, [values.bind(row) for row in statement.many]
                        )
                        continue
                    cursor = connection.execute(statement.sql, values.bind(statement.params))
                    if statement.returns_key:
                        key = values.key = cursor.fetchone()[0]
                    elif (
                        statement.expect_changes is not None
                        and cursor.rowcount != statement.expect_changes
                    ):
                        raise ChangedUnderfoot(statement.sql)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        return key

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
        `loop_is_free` says when an SQLite write may run on the event loop's thread (never
        when not given)."""
        self.database = database
        self._busy_timeout_ms = sqlite_busy_timeout_ms
        self._loop_is_free = loop_is_free
        self._sqlite: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = asyncio.Lock()

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
            async with self._lock:
                connection = await self._sqlite_connection()
                if self._loop_is_free is not None and self._loop_is_free():
                    try:
                        return connection.write_now(statements, key, wait=False)
                    except Busy:
                        pass  # another process is writing: wait for it off the loop
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(
                    self._executor, connection.write_now, statements, key
                )
        engine = self.database.engine
        assert isinstance(engine, PostgresEngine)
        assert engine.pool is not None, "the PostgreSQL pool starts with the app"
        async with engine.pool.acquire() as raw, raw.transaction():
            return await _PostgresConnection(raw).write_now(statements, key)

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

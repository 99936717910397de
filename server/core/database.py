"""The one way to the database, SQLite (embedded) or PostgreSQL (production), for every feature.

`Database` is the only place that knows the engines. It offers three things:

- `fetch(sql, *params)`: the rows of one read, outside any transaction;
- `snapshot()`: a connection whose reads all see one state of the data;
- `transaction()`: the connection of a write transaction. Every write of the server goes
  through it; a nested call joins the transaction already open. Its `lock(name)` makes a
  read-then-write take turns with other transactions' (the audit log's chain appends so).

SQL is written once with `?` placeholders (PostgreSQL gets `$1, $2, ...`). Rows are read by
column name (`row["status"]`) and hold the same Python types on both engines: aware datetimes,
UUIDs, booleans, Decimals, dates. Piccolo queries (`await Outlet.select()`) run on the same
connections: inside `transaction()` or `snapshot()` they join it; outside, a Piccolo read runs
like `fetch` and a Piccolo write in a transaction of its own. Piccolo's own
`engine.transaction()` (migrations use it) is this `transaction()` too.

SQLite: plain `sqlite3` connections used on the event loop's thread, with the durability
PRAGMAs (WAL, `synchronous=FULL`) on each. A statement takes tens of microseconds, less than
handing it to a thread and back, so statements run on the loop. The COMMIT is the exception:
it waits for the disk (the fsync that makes an acknowledged audit survive a crash, hundreds of
microseconds), so it runs in the commit thread while the loop serves other requests, and the
transaction's block ends only once it has. Write transactions of this process take turns (an
asyncio lock) on one connection, and are committed in groups: one that ends while others wait
for their turn leaves its changes to be committed with theirs, and the last of them (or the
`GROUP_LIMIT`th) commits them all with one COMMIT, so that when many phones send at once one
fsync makes several transactions durable. Each transaction of a group is a SAVEPOINT: one that
fails is rolled back alone, the others are kept. Every block still ends only once its changes
are on disk; a COMMIT that fails is the error of every transaction of its group. A group
begins `IMMEDIATE`; while another process holds SQLite's write lock, it waits for it
asynchronously, the loop serving other requests meanwhile, for up to `busy_timeout_ms`, then
raises `Busy`. Reads use separate, query-only connections: in WAL mode a reader never waits
for the writer.

PostgreSQL: asyncpg connections of Piccolo's pool; transactions are asyncpg transactions,
snapshots REPEATABLE READ, READ ONLY.

Errors: a unique key violated raises `UniqueViolation`; a database too busy to answer in time
(write lock not free, serialization failure, deadlock, no connection) raises `Busy`, which
the API answers with 503 and Retry-After.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import dataclasses
import functools
import hashlib
import itertools
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

os.environ.setdefault("PICCOLO_CONF", "server.core.piccolo_conf")

DEFAULT_BUSY_TIMEOUT_MS = 15_000
SQLITE_PRAGMAS = ("PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL")
# Piccolo's own connection settings: declared column types come back as Python types.
SQLITE_TYPES = sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
# How long a write waits between two attempts to take another process's write lock.
LOCK_POLL_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)
# At most this many write transactions share one COMMIT (each one's block waits for it).
GROUP_LIMIT = 32


class DatabaseError(Exception):
    """A statement the database refused for a reason the caller can act on."""


class UniqueViolation(DatabaseError):
    """A row with the same unique key exists already (someone else stored it first)."""


class Busy(DatabaseError):
    """The database could not run the statement in time; nothing was changed."""


class Row(Protocol):
    """One row: by column name (`row["id"]`) or position (`row[0]`)."""

    def __getitem__(self, key: str | int, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


@functools.lru_cache(maxsize=512)
def numbered_placeholders(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2...` (the server's SQL has no `?` in literals)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${index}{part}" for index, part in enumerate(parts[1:], 1))


class Connection:
    """The connection of a transaction or snapshot: reads and writes with `?` placeholders."""

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        raise NotImplementedError

    async def execute(self, sql: str, *params: Any) -> int:
        """Run one statement; the number of rows it changed."""
        raise NotImplementedError

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    async def lock(self, name: str) -> None:
        """Hold the lock `name` until this write transaction ends, waiting while another
        transaction holds it: for a read-then-write that must not interleave with another
        transaction's, such as appending to the audit log's chain. SQLite: nothing to do, write
        transactions already take turns. PostgreSQL: a transaction-level advisory lock."""
        raise NotImplementedError

    async def insert(self, table: str, row: Mapping[str, Any], returning: str | None = None) -> Any:
        """Insert one row given as {column: value}; the `returning` column's value, if asked."""
        sql = _insert_sql(table, tuple(row))
        if returning is None:
            await self.execute(sql, *row.values())
            return None
        rows = await self.fetch(f"{sql} RETURNING {returning}", *row.values())
        return rows[0][0]

    async def update(
        self, table: str, values: Mapping[str, Any], where: str, *where_params: Any
    ) -> int:
        """Set the columns of `values` on the rows `where` selects; how many rows changed."""
        columns = ", ".join(f"{name} = ?" for name in values)
        return await self.execute(
            f"UPDATE {table} SET {columns} WHERE {where}",  # noqa: S608 - names are the server's own
            *values.values(),
            *where_params,
        )

    async def insert_many(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows that all name the same columns, in one batched statement."""
        if rows:
            columns = tuple(rows[0])
            await self.executemany(
                _insert_sql(table, columns), [tuple(row[name] for name in columns) for row in rows]
            )


def marks(count: int) -> str:
    """`?, ?, ?`: the placeholders of an `IN (...)` list of `count` values."""
    return ", ".join("?" * count)


@functools.lru_cache(maxsize=128)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names are the server's own


@contextlib.contextmanager
def _sqlite_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "UNIQUE constraint failed" in str(error):
            raise UniqueViolation(str(error)) from error
        raise
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise Busy(str(error)) from error
        raise


def _undo_member(writer: sqlite3.Connection) -> None:
    """Roll back one transaction of a group (its SAVEPOINT); when even that fails, the whole
    group, whose transactions then all fail."""
    if not writer.in_transaction:
        return
    try:
        writer.execute("ROLLBACK TO member")
        writer.execute("RELEASE member")
    except sqlite3.Error:
        if writer.in_transaction:
            writer.execute("ROLLBACK")


def _sqlite_commit(connection: sqlite3.Connection) -> None:
    with _sqlite_errors():
        connection.execute("COMMIT")


class _SQLiteConnection(Connection):
    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        with _sqlite_errors():
            return self.raw.execute(sql, params).fetchall()

    async def execute(self, sql: str, *params: Any) -> int:
        with _sqlite_errors():
            return self.raw.execute(sql, params).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _sqlite_errors():
            self.raw.executemany(sql, rows)

    async def lock(self, name: str) -> None:
        return None


@contextlib.contextmanager
def _postgres_errors() -> Iterator[None]:
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


class _PostgresConnection(Connection):
    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        with _postgres_errors():
            rows: list[Row] = await self.raw.fetch(numbered_placeholders(sql), *params)
        return rows

    async def execute(self, sql: str, *params: Any) -> int:
        with _postgres_errors():
            status: str = await self.raw.execute(numbered_placeholders(sql), *params)
        # asyncpg answers with the command tag, e.g. "UPDATE 1" or "INSERT 0 1".
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with _postgres_errors():
            await self.raw.executemany(numbered_placeholders(sql), list(rows))

    async def lock(self, name: str) -> None:
        with _postgres_errors():
            await self.raw.execute("SELECT pg_advisory_xact_lock($1)", _advisory_key(name))


@functools.lru_cache(maxsize=32)
def _advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock's 64-bit key for `name`, the same in every process."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class _PiccoloOnSQLite:
    """The part of aiosqlite's connection Piccolo's SQLite engine uses, run on our connection.

    Piccolo sets `row_factory` and calls `execute`, awaited or as an async context manager
    whose cursor has `fetchall()`; its rows are dicts.
    """

    row_factory: Any = None

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> _PiccoloResult:
        if sql.startswith("PRAGMA foreign_keys"):  # Piccolo sends it before every query
            return _PiccoloResult([])
        cursor = self._raw.cursor()
        cursor.row_factory = dict_factory
        with _sqlite_errors():
            return _PiccoloResult(cursor.execute(sql, parameters).fetchall())


class _PiccoloResult:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __await__(self) -> Any:
        return self._itself().__await__()

    async def _itself(self) -> _PiccoloResult:
        return self

    async def __aenter__(self) -> _PiccoloResult:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def fetchall(self) -> list[Any]:
        return self._rows


@dataclasses.dataclass(slots=True)
class _Group:
    """Write transactions of this process committed by one COMMIT (SQLite)."""

    committed: asyncio.Future[None]
    members: int = 0
    kept: int = 0

    def settle(self, failure: BaseException | None) -> None:
        """The outcome of the group's COMMIT, for every transaction awaiting it."""
        if failure is None:
            self.committed.set_result(None)
        else:
            self.committed.set_exception(failure)
            # Retrieved here, so that a group whose transactions were all cancelled meanwhile
            # logs no "exception never retrieved".
            self.committed.exception()


@dataclasses.dataclass(frozen=True, slots=True)
class _Joined:
    """An open transaction or snapshot, as Piccolo (its `connection`) and the server see it."""

    connection: Any
    ours: Connection
    writes: bool


# The transaction or snapshot open in this context, whichever `Database` opened it. Piccolo's
# queries look here (each engine's `current_transaction`), so they join it even when another
# app in the same process bound Piccolo's tables to its own engine since.
_OPEN: contextvars.ContextVar[_Joined | None] = contextvars.ContextVar(
    "shopscore_open_transaction", default=None
)


class _SQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, running every query through the `Database` that owns it."""

    def __init__(self, database: Database, path: Path) -> None:
        super().__init__(path=str(path))
        self.current_transaction = _OPEN  # type: ignore[assignment]
        self._database = database

    def transaction(self, *_args: Any, **_kwargs: Any) -> Any:
        return self._database.transaction()

    async def _run_in_new_connection(
        self, query: str, args: Any = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        return await self._database._outside_transaction(query, list(args or []))

    async def get_connection(self) -> Any:
        raise RuntimeError("Piccolo queries run through server.core.database.Database")


class _PostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine; its transactions are the `Database`'s."""

    def __init__(self, database: Database, dsn: str) -> None:
        super().__init__(config={"dsn": dsn})
        self.current_transaction = _OPEN  # type: ignore[assignment]
        self._database = database

    def transaction(self, *_args: Any, **_kwargs: Any) -> Any:
        return self._database.transaction()

    async def _run_in_pool(self, query: str, args: Any = None) -> Any:
        with _postgres_errors():
            return await super()._run_in_pool(query, args)

    async def _run_in_new_connection(self, query: str, args: Any = None) -> Any:
        with _postgres_errors():
            return await super()._run_in_new_connection(query, args)


def open_transaction() -> Connection:
    """The connection of the write transaction open in this context.

    For what must be written in the same transaction as the change that calls it (the audit
    log); outside a write transaction it is a programming error.
    """
    joined = _OPEN.get()
    if joined is None or not joined.writes:
        raise RuntimeError("call this inside Database.transaction()")
    return joined.ours


def enable_wal(path: Path) -> None:
    """Switch the file to WAL mode (kept in the file, so once is enough)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()


_NUMBERS = itertools.count(1)


def number_of(engine: object) -> int:
    """Which of the databases this process opened `engine` belongs to (for keys of what is
    kept per database: unlike `id()`, a number is never taken again by a database opened after
    another is gone)."""
    if not isinstance(engine, (_SQLiteEngine, _PostgresEngine)):
        raise TypeError(f"not an engine of server.core.database.Database: {engine!r}")
    return engine._database.number


class Database:
    """The engine behind every query, with the transactions and snapshots every service uses."""

    def __init__(self, database_url: str, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.number = next(_NUMBERS)
        self.url = database_url
        self.busy_timeout_ms = busy_timeout_ms
        self.path: Path | None
        self.engine: _SQLiteEngine | _PostgresEngine
        if database_url.startswith("sqlite:"):
            self.path = Path(database_url.removeprefix("sqlite:///"))
            self.engine = _SQLiteEngine(self, self.path)
        elif database_url.startswith(("postgresql:", "postgres:")):
            self.path = None
            self.engine = _PostgresEngine(self, database_url)
        else:
            raise ValueError(f"unsupported DATABASE_URL scheme: {database_url.split(':')[0]}")
        self._write_lock = asyncio.Lock()
        # Write transactions waiting for the lock, and the group of those that have had it.
        self._arriving = 0
        self._group: _Group | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._writer: sqlite3.Connection | None = None
        self._commit_thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._idle_readers: list[sqlite3.Connection] = []

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def bind(self) -> None:
        """Make this engine the one Piccolo uses for every table and for migrations."""
        from piccolo.apps.migrations.tables import Migration

        from server.core import piccolo_conf

        piccolo_conf.DB = self.engine  # type: ignore[assignment]
        # Piccolo's own migration table too, or a second database in the same process would
        # read the first one's migration history.
        Migration._meta.db = self.engine
        for app_config in piccolo_conf.APP_REGISTRY.app_configs.values():
            for table in app_config.table_classes:
                table._meta.db = self.engine

    async def start(self) -> None:
        """Bind, prepare the SQLite file or open the PostgreSQL pool."""
        self.bind()
        if self.path is not None:
            enable_wal(self.path)
        else:
            assert isinstance(self.engine, PostgresEngine)
            await self.engine.start_connection_pool(min_size=1, max_size=10)

    async def close(self) -> None:
        # A group left by a cancelled transaction is committed before the connection closes.
        await asyncio.gather(*self._closing, return_exceptions=True)
        readers, self._idle_readers = self._idle_readers, []
        for reader in readers:
            reader.close()
        if self._commit_thread is not None:
            self._commit_thread.shutdown()
            self._commit_thread = None
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
        if isinstance(self.engine, PostgresEngine) and self.engine.pool is not None:
            await self.engine.close_connection_pool()

    # --- reads -------------------------------------------------------------------------------

    async def fetch(self, sql: str, *params: Any) -> list[Row]:
        """The rows of one read query, outside any transaction."""
        joined = self._joined()
        if joined is not None:
            return await joined.ours.fetch(sql, *params)
        if self.path is not None:
            reader = self._reader()
            try:
                with _sqlite_errors():
                    return reader.execute(sql, params).fetchall()
            finally:
                self._idle_readers.append(reader)
        async with self._postgres_connection() as raw:
            return await _PostgresConnection(raw).fetch(sql, *params)

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        """A connection whose reads (Piccolo's too) all see one state of the data."""
        joined = self._joined()
        if joined is not None:
            yield joined.ours
            return
        if self.path is not None:
            reader = self._reader()
            reader.execute("BEGIN")
            try:
                ours: Connection = _SQLiteConnection(reader)
                with self._joining(_Joined(_PiccoloOnSQLite(reader), ours, writes=False)):
                    yield ours
            finally:
                reader.execute("COMMIT")
                self._idle_readers.append(reader)
            return
        async with (
            self._postgres_connection() as raw,
            raw.transaction(isolation="repeatable_read", readonly=True),
        ):
            ours = _PostgresConnection(raw)
            with self._joining(_Joined(raw, ours, writes=False)):
                yield ours

    # --- writes ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """One write transaction, committed when the block ends without an exception.

        A call inside an open transaction joins it. Raises `UniqueViolation` or `Busy` (the
        transaction is then rolled back, nothing kept).
        """
        joined = self._joined()
        if joined is not None:
            if not joined.writes:
                raise RuntimeError("a write transaction cannot start inside a snapshot")
            yield joined.ours
            return
        if self.path is not None:
            group, writer = await self._join_group()
            ours: Connection = _SQLiteConnection(writer)
            try:
                with self._joining(_Joined(_PiccoloOnSQLite(writer), ours, writes=True)):
                    yield ours
                writer.execute("RELEASE member")
            except BaseException as error:
                await self._leave(group, writer, kept=False)
                if isinstance(error, Exception) and group.kept:
                    # What failed may be a unique key taken by another transaction of the
                    # group: once that is committed, a second try reads it.
                    await asyncio.wait([group.committed])
                raise
            await self._leave(group, writer, kept=True)
            await asyncio.shield(group.committed)
            return
        async with self._postgres_connection() as raw:
            with _postgres_errors():
                async with raw.transaction():
                    ours = _PostgresConnection(raw)
                    with self._joining(_Joined(raw, ours, writes=True)):
                        yield ours

    # --- engines -----------------------------------------------------------------------------

    def _joined(self) -> _Joined | None:
        return _OPEN.get()

    @contextlib.contextmanager
    def _joining(self, joined: _Joined) -> Iterator[None]:
        token = _OPEN.set(joined)
        try:
            yield
        finally:
            _OPEN.reset(token)

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, detect_types=SQLITE_TYPES
        )
        connection.row_factory = sqlite3.Row
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        return connection

    def _reader(self) -> sqlite3.Connection:
        if self._idle_readers:
            return self._idle_readers.pop()
        reader = self._connect()
        reader.execute("PRAGMA query_only = ON")
        # A WAL reader waits only while another connection recovers the file after a crash.
        reader.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        return reader

    def write_connection(self) -> sqlite3.Connection:
        """SQLite's one write connection of this process (transactions run on it)."""
        if self._writer is None:
            self._writer = self._connect()
            # Never wait on the loop's thread: `_begin_immediate` waits for another process's
            # write lock asynchronously.
            self._writer.execute("PRAGMA busy_timeout = 0")
        return self._writer

    async def _join_group(self) -> tuple[_Group, sqlite3.Connection]:
        """Take the write lock and a SAVEPOINT in the open group, beginning a group if none is."""
        self._arriving += 1
        try:
            await self._write_lock.acquire()
        except BaseException:
            self._arriving -= 1
            self._close_if_abandoned()
            raise
        self._arriving -= 1
        try:
            writer = self.write_connection()
            group = self._group
            if group is None:
                await self._begin_immediate()
                group = self._group = _Group(asyncio.get_running_loop().create_future())
            writer.execute("SAVEPOINT member")
        except BaseException:
            if self._group is None:
                self._write_lock.release()
            else:
                await self._close(self._group, self.write_connection())
            raise
        return group, writer

    async def _leave(self, group: _Group, writer: sqlite3.Connection, kept: bool) -> None:
        """Holding the write lock: end this transaction's turn. While others wait for theirs
        (and the group has room), the last of them commits; otherwise this one does."""
        group.members += 1
        group.kept += kept
        if not kept:
            _undo_member(writer)
        open_for_more = self._group is group and writer.in_transaction
        if open_for_more and self._arriving and group.members < GROUP_LIMIT:
            self._write_lock.release()
        else:
            await self._close(group, writer)

    async def _close(self, group: _Group, writer: sqlite3.Connection) -> None:
        """Holding the write lock: COMMIT the group (roll it back when it kept nothing), settle
        its future, release the lock. The COMMIT runs in the commit thread, the loop serving
        other requests meanwhile; once begun it is never abandoned, even by a cancelled caller."""
        if self._group is group:
            self._group = None
        try:
            if not writer.in_transaction:
                # An error of SQLite's own (a full disk, an I/O error) rolled everything back.
                group.settle(DatabaseError("the transaction was rolled back by SQLite"))
            elif not group.kept:
                writer.execute("ROLLBACK")
                group.settle(None)
            else:
                if self._commit_thread is None:
                    self._commit_thread = concurrent.futures.ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix="sqlite-commit"
                    )
                committed = self._commit_thread.submit(_sqlite_commit, writer)
                try:
                    await asyncio.shield(asyncio.wrap_future(committed))
                except Exception:  # noqa: S110 - settled below: every transaction of the group raises it
                    pass
                finally:
                    concurrent.futures.wait([committed])
                    failure = committed.exception()
                    if failure is not None and writer.in_transaction:
                        writer.execute("ROLLBACK")
                    group.settle(failure)
        finally:
            self._write_lock.release()

    def _close_if_abandoned(self) -> None:
        """A transaction cancelled while waiting for its turn may have been the one the open
        group's last member left it to: then nobody else is coming to commit it."""
        group = self._group
        if group is None or self._arriving or self._write_lock.locked():
            return

        async def close() -> None:
            await self._write_lock.acquire()
            if self._group is group:
                await self._close(group, self.write_connection())
            else:
                self._write_lock.release()

        task = asyncio.get_running_loop().create_task(close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _begin_immediate(self) -> sqlite3.Connection:
        """The write connection, in a transaction holding SQLite's write lock."""
        writer = self.write_connection()
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        for attempt in itertools.count():
            try:
                writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                if time.monotonic() >= deadline:
                    raise Busy("another process held the write lock too long") from error
                await asyncio.sleep(LOCK_POLL_SECONDS[min(attempt, len(LOCK_POLL_SECONDS) - 1)])
            else:
                return writer
        raise AssertionError("itertools.count() never ends")

    @contextlib.asynccontextmanager
    async def _postgres_connection(self) -> AsyncIterator[Any]:
        assert isinstance(self.engine, PostgresEngine)
        with _postgres_errors():
            if self.engine.pool is None:  # `shopscore migrate` and other one-off commands
                raw = await self.engine.get_new_connection()
                try:
                    yield raw
                finally:
                    await raw.close()
                return
            async with self.engine.pool.acquire() as raw:
                yield raw

    async def _outside_transaction(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        """A Piccolo query outside a transaction on SQLite: a read on a reader, a write in a
        transaction of its own."""
        first = sql.lstrip()[:6].upper()
        if first.startswith(("SELECT", "WITH")):
            reader = self._reader()
            try:
                return _PiccoloOnSQLite(reader).execute(sql, args)._rows
            finally:
                self._idle_readers.append(reader)
        async with self.transaction():
            joined = self._joined()
            assert joined is not None
            result: list[dict[str, Any]] = joined.connection.execute(sql, args)._rows
            return result


async def migrate(database: Database) -> None:
    """Apply every committed migration that has not run yet."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    database.bind()
    if database.path is not None:
        enable_wal(database.path)
    response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migration failed: {response.message}")
    if database.path is not None:
        # Fold the WAL into the file, so that the migrated file is whole on its own.
        database.write_connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

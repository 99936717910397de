"""Database engines and transactions for SQLite (embedded) and PostgreSQL (production).

Piccolo finds its engine through a module-level lookup (`piccolo_conf.DB` and each table's
`_meta.db`), so `Database.bind()` points both at the engine built from the settings: the one
place where that global is set. SQLite connections get the durability PRAGMAs on every
connection (Piccolo opens one per query outside a transaction and never sets `synchronous`);
write transactions are IMMEDIATE so concurrent writers wait instead of failing at commit.

`Database.fetch` / `fetch_batch` are the read path of per-request hot spots (the caller of
every request, the reads of audit ingest): one persistent SQLite connection used on the
event loop's thread (WAL readers never wait for the writer), or a connection of the
PostgreSQL pool, instead of Piccolo's new connection and thread per query.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

os.environ.setdefault("PICCOLO_CONF", "server.core.piccolo_conf")

DEFAULT_BUSY_TIMEOUT_MS = 15000
SQLITE_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
    f"PRAGMA busy_timeout = {DEFAULT_BUSY_TIMEOUT_MS}",
)


class DurableSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with WAL, synchronous=FULL and a busy timeout everywhere."""

    async def get_connection(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        connection = await self.get_connection()
        try:
            async with connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
            await connection.commit()
            return rows
        finally:
            await connection.close()


class _SQLiteReader:
    """One autocommit `sqlite3` connection for short reads, used on the event loop's thread.

    A WAL reader never waits for a writer, so these reads take tens of microseconds, less
    than handing them to a worker thread and back (which under CPU load costs milliseconds
    of scheduling each way). Writes never come here: they may wait for the write lock.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            for pragma in SQLITE_PRAGMAS:
                connection.execute(pragma)
            self._connection = connection
        return self._connection

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._open().execute(sql, params).fetchall()

    def fetch_batch(
        self, queries: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """Every query's rows from one snapshot (one read transaction)."""
        connection = self._open()
        connection.execute("BEGIN")
        try:
            return [connection.execute(sql, params).fetchall() for sql, params in queries]
        finally:
            connection.execute("COMMIT")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def enable_wal(path: Path) -> None:
    """Switch the file to WAL mode (persistent in the file, so once is enough)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()


class Database:
    """The engine behind every query, plus the transaction helper every service uses."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine: Engine[Any]
        if database_url.startswith("sqlite:"):
            self.path: Path | None = Path(database_url.removeprefix("sqlite:///"))
            self.engine = DurableSQLiteEngine(path=str(self.path), timeout=15)
        elif database_url.startswith(("postgresql:", "postgres:")):
            self.path = None
            self.engine = PostgresEngine(config={"dsn": database_url})
        else:
            raise ValueError(f"unsupported DATABASE_URL scheme: {database_url.split(':')[0]}")
        self._reader: _SQLiteReader | None = None

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
        # Every registered app (the core and each feature's own app), not only the core one.
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
        if self._reader is not None:
            reader, self._reader = self._reader, None
            reader.close()
        if isinstance(self.engine, PostgresEngine):
            await self.engine.close_connection_pool()

    async def fetch(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of one short read query (`?` placeholders) outside any transaction.

        Reuses one connection (SQLite, on the loop's thread) or the pool (PostgreSQL): tens
        of microseconds instead of the milliseconds of a Piccolo query opening a connection.
        """
        batch = await self.fetch_batch([(sql, params)])
        return batch[0]

    async def fetch_batch(
        self, queries: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """The rows of each short read query, all from one snapshot, in one trip."""
        if self.path is not None:
            if self._reader is None:
                self._reader = _SQLiteReader(self.path)
            if len(queries) == 1:
                sql, params = queries[0]
                return [self._reader.fetch(sql, params)]
            return self._reader.fetch_batch(queries)
        assert isinstance(self.engine, PostgresEngine)
        if self.engine.pool is None:
            connection = await self.engine.get_new_connection()
            try:
                return await _postgres_batch(connection, queries)
            finally:
                await connection.close()
        async with self.engine.pool.acquire() as connection:
            return await _postgres_batch(connection, queries)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One write transaction (IMMEDIATE on SQLite); nested calls join the outer one."""
        if isinstance(self.engine, SQLiteEngine):
            async with self.engine.transaction(transaction_type=TransactionType.immediate):
                yield
        else:
            async with self.engine.transaction():
                yield

    async def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run one statement for many rows on the current transaction's connection.

        The bulk path (CSV import, audit answers): Piccolo has no executemany, and building
        a Table object per row costs more than the insert. `sql` uses `?` placeholders.
        """
        transaction = self.engine.current_transaction.get()
        if transaction is None:
            raise RuntimeError("execute_many runs inside Database.transaction()")
        if self.is_sqlite:
            await transaction.connection.executemany(sql, rows)
        else:
            await transaction.connection.executemany(_numbered_placeholders(sql), rows)


async def _postgres_batch(
    connection: Any, queries: Sequence[tuple[str, Sequence[Any]]]
) -> list[list[tuple[Any, ...]]]:
    if len(queries) == 1:
        sql, params = queries[0]
        return [
            [
                tuple(record)
                for record in await connection.fetch(_numbered_placeholders(sql), *params)
            ]
        ]
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        return [
            [
                tuple(record)
                for record in await connection.fetch(_numbered_placeholders(sql), *params)
            ]
            for sql, params in queries
        ]


def _numbered_placeholders(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2...` (our SQL never has `?` in literals)."""
    parts = sql.split("?")
    return "".join(
        part + (f"${index}" if index < len(parts) else "")
        for index, part in enumerate(parts, start=1)
    )


async def migrate(database: Database) -> None:
    """Apply every committed migration that has not run yet."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    database.bind()
    if database.path is not None:
        enable_wal(database.path)
    response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migration failed: {response.message}")

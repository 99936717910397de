"""Migrations run forward from an empty database on SQLite and PostgreSQL, and re-running
them changes nothing."""

# asserts are written as `expected == actual`

from __future__ import annotations

import pytest
from piccolo.apps.migrations.tables import Migration

from server.core.database import Database, migrate
from server.core.piccolo_app import ALL_TABLES


async def test_migrate_from_empty_then_again(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    await migrate(database)
    await database.start()
    try:
        ran = {row["name"] for row in await Migration.select(Migration.name)}
        assert len(ran) >= 2
        for table in ALL_TABLES:
            assert await table.table_exists(), table._meta.tablename
        await migrate(database)
        assert ran == {row["name"] for row in await Migration.select(Migration.name)}
    finally:
        await database.close()


async def test_sqlite_connections_are_durable(database_url: str, engine: str) -> None:
    """Every connection, the writer's and the readers', in WAL mode with synchronous=FULL."""
    if engine != "sqlite":
        pytest.skip("PostgreSQL durability is its commit; nothing is set per connection")
    database = Database(database_url)
    await database.start()
    pragmas = ("journal_mode", "synchronous", "foreign_keys")
    try:
        async with database.transaction() as writer:
            written = [(await writer.fetch(f"PRAGMA {name}"))[0][0] for name in pragmas]
        async with database.snapshot() as reader:
            read = [(await reader.fetch(f"PRAGMA {name}"))[0][0] for name in pragmas]
    finally:
        await database.close()
    assert ["wal", 2, 1] == written
    assert ["wal", 2, 1] == read

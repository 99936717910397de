"""Migrations run forward from an empty database on SQLite and PostgreSQL, and re-running
them changes nothing."""

# asserts are written as `expected == actual`

from __future__ import annotations

from typing import Any

import pytest
from piccolo.apps.migrations.tables import Migration

from server.core.database import Database, DurableSQLiteEngine, migrate
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
    if engine != "sqlite":
        pytest.skip("PostgreSQL durability is its commit; nothing is set per connection")
    database = Database(database_url)
    await database.start()
    assert isinstance(database.engine, DurableSQLiteEngine)
    connection = await database.engine.get_connection()
    try:
        settings: dict[str, Any] = {}
        for pragma in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
            async with connection.execute(f"PRAGMA {pragma}") as cursor:
                row: Any = await cursor.fetchone()
                settings[pragma] = next(iter(row.values()))
    finally:
        await connection.close()
        await database.close()
    assert {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1} == {
        key: settings[key] for key in ("journal_mode", "synchronous", "foreign_keys")
    }
    assert settings["busy_timeout"] >= 1000

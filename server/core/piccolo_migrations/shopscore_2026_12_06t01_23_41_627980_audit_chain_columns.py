"""Additive: the audit log's hash chain columns (`sequence`, `previous_hash`, `entry_hash`).

Existing rows get 0 and empty hashes here; the next migration chains them in id order and makes
`sequence` unique (Piccolo runs a migration's raw steps before its column changes, and SQLite
cannot add a UNIQUE column to an existing table).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T01:23:41:627980"
VERSION = "1.38.0"
DESCRIPTION = "audit log hash chain columns"

NOT_NULL = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="shopscore", description=DESCRIPTION)
    for name, column_class, extra in (
        ("entry_hash", Varchar, {"length": 64, "default": ""}),
        ("previous_hash", Varchar, {"length": 64, "default": ""}),
        ("sequence", BigInt, {"default": 0}),
    ):
        manager.add_column(
            table_class_name="AuditLogEntry",
            tablename="audit_log",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={**extra, **NOT_NULL},
            schema=None,
        )
    return manager

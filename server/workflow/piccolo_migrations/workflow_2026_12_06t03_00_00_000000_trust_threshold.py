"""Additive: a client's trust threshold (`trust_threshold`, null: none, as before) and whether
its audits at or above it are released without a reviewer (`auto_release`, false: never, as
before), docs/contract.md#trust."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client workflow settings: trust threshold and automatic release"

PARAMS = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)
    for name, column_class, extra in (
        ("trust_threshold", Integer, {"default": None, "null": True}),
        ("auto_release", Boolean, {"default": False, "null": False}),
    ):
        manager.add_column(
            table_class_name="ClientWorkflowSettings",
            tablename="client_workflow_settings",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={**PARAMS, **extra},
            schema=None,
        )
    return manager

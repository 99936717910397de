"""Additive: which results a client's league orders and groups (`league_basis`, "raw" or
"adjusted"; "raw", the results as visited, as before), docs/contract.md#estimates."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client workflow settings: which results the league ranks"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ClientWorkflowSettings",
        tablename="client_workflow_settings",
        column_name="league_basis",
        db_column_name="league_basis",
        column_class_name=Varchar.__name__,
        column_class=Varchar,
        params={
            "default": "raw",
            "length": 10,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager

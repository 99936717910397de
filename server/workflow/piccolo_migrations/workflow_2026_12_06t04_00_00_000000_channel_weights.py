"""Additive: how a client's channels weigh in an outlet's wave result (`channel_weights`, JSON
{channel: weight}; "{}", every visit the same, as before), docs/contract.md#wave-result."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client workflow settings: channel weights of the wave result"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ClientWorkflowSettings",
        tablename="client_workflow_settings",
        column_name="channel_weights",
        db_column_name="channel_weights",
        column_class_name=Text.__name__,
        column_class=Text,
        params={
            "default": "{}",
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

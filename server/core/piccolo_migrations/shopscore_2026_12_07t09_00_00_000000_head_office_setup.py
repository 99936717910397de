"""Additive: `client.head_office_setup`, whether a client's head office may set up its own
programme (its regions, outlets and managers); false, as before, for every existing client."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client: head office set-up"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="shopscore", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Client",
        tablename="client",
        column_name="head_office_setup",
        db_column_name="head_office_setup",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
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

"""Additive: `client_visit_rules.live_score`, whether the client's shoppers see the live score
on the phone (true, as before, for every existing row)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client visit rules: live score"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audits", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ClientVisitRules",
        tablename="client_visit_rules",
        column_name="live_score",
        db_column_name="live_score",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": True,
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

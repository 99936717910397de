"""Additive: the rollup's willingness-to-recommend rating (`nps`, `nps_item`) and first-contact
resolution (`fcr`), all nullable, so existing rows stay valid (null = not asked)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-23T11:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "score rollup nps and first-contact resolution"

NULLABLE = {
    "default": None,
    "null": True,
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
        ("nps", Integer, {}),
        ("nps_item", Varchar, {"length": 100}),
        ("fcr", Boolean, {}),
    ):
        manager.add_column(
            table_class_name="ScoreRollup",
            tablename="score_rollup",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={**extra, **NULLABLE},
            schema=None,
        )
    return manager

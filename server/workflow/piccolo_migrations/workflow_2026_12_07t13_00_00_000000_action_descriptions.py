"""Automatic corrective actions keep no description of their own: the English sentence
("Critical failure: <the item's English text>") they were given is cleared, so that every
reader sees the item in their own language (docs/contract.md#corrective-actions)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-07T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "automatic corrective actions: no English description"


async def clear_descriptions() -> None:
    from piccolo.apps.migrations.tables import Migration

    await Migration.raw(
        "UPDATE corrective_action SET description = '' "
        "WHERE created_by IS NULL AND critical AND description LIKE 'Critical failure: %'"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)
    manager.add_raw(clear_descriptions)
    return manager

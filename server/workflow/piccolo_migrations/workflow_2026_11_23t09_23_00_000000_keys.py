"""Keys Piccolo columns cannot express: one open dispute per audit item, one corrective action
per audit item, rollup item rows per item for analytics."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T09:23:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "workflow keys"

STATEMENTS = (
    "CREATE UNIQUE INDEX dispute_open_item ON dispute (audit_uuid, item) WHERE status = 'open'",
    "CREATE UNIQUE INDEX corrective_action_audit_item ON corrective_action (audit_uuid, item)",
    "CREATE INDEX return_note_audit_revision ON return_note (audit_uuid, revision)",
    "CREATE INDEX score_rollup_item_item ON score_rollup_item (item, failed)",
    "CREATE INDEX score_rollup_client_released ON score_rollup (client, released_at)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def create_indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        for statement in STATEMENTS:
            await Migration.raw(statement)

    manager.add_raw(create_indexes)
    return manager

"""Composite unique keys Piccolo columns cannot express: outlet code per client, template
key+version, one reviewer/region/outlet link per user."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique keys"

STATEMENTS = (
    "CREATE UNIQUE INDEX outlet_client_code ON outlet (client, code)",
    "CREATE UNIQUE INDEX checklist_template_key_version ON checklist_template (key, version)",
    "CREATE UNIQUE INDEX user_region_pair ON user_region (\"user\", region)",
    "CREATE UNIQUE INDEX user_outlet_pair ON user_outlet (\"user\", outlet)",
    "CREATE UNIQUE INDEX reviewer_client_pair ON reviewer_client (\"user\", client)",
    "CREATE INDEX assignment_auditor_outlet ON assignment (auditor, outlet, due_from)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="shopscore", description=DESCRIPTION)

    async def create_indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        for statement in STATEMENTS:
            await Migration.raw(statement)

    manager.add_raw(create_indexes)
    return manager

"""Keys Piccolo columns cannot express: one audit per assignment, one row per audit revision, one reference per photo
per audit and item, and the lookup of audits by assignment and status."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit keys"

STATEMENTS = (
    "CREATE UNIQUE INDEX audit_one_per_assignment ON audit (assignment)",
    "CREATE UNIQUE INDEX audit_revision_number ON audit_revision (audit, revision)",
    "CREATE UNIQUE INDEX audit_photo_reference ON audit_photo (audit, photo_uuid, item)",
    "CREATE INDEX audit_answer_item ON audit_answer (audit, position)",
    "CREATE INDEX audit_client_status ON audit (client, status, received_at)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audits", description=DESCRIPTION)

    async def create_indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        for statement in STATEMENTS:
            await Migration.raw(statement)

    manager.add_raw(create_indexes)
    return manager

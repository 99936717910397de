"""Drop the single-column indexes that a composite index already covers.

Each column below leads a unique or composite index from the "audit keys" migration, which
serves every lookup by that column alone too (SQLite and PostgreSQL both use an index's
leading column). The extra index only made each write longer: an audit of 50 answers
maintained 50 entries of `audit_answer_audit` for nothing.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-23T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "drop covered indexes"

# (table class, table, column): the index that covers it
COVERED = (
    ("Audit", "audit", "assignment"),  # audit_one_per_assignment (assignment)
    ("Audit", "audit", "client"),  # audit_client_status (client, status, received_at)
    ("AuditRevision", "audit_revision", "audit"),  # audit_revision_number (audit, revision)
    ("AuditAnswer", "audit_answer", "audit"),  # audit_answer_item (audit, position)
    ("AuditPhoto", "audit_photo", "audit"),  # audit_photo_reference (audit, photo_uuid, item)
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audits", description=DESCRIPTION)
    for class_name, tablename, column in COVERED:
        manager.alter_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            params={"index": False},
            old_params={"index": True},
            column_class=ForeignKey,
            old_column_class=ForeignKey,
            schema=None,
        )
    return manager

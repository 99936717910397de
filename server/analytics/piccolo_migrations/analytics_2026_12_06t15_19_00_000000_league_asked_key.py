"""One row per user, filters and minimum in `league_asked` (the conflict target of
`server.analytics.queries.record_asked`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T15:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "leagues asked: one row per user, filters and minimum"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="analytics", description=DESCRIPTION)

    async def unique_key() -> None:
        from piccolo.apps.migrations.tables import Migration

        await Migration.raw(
            "CREATE UNIQUE INDEX league_asked_key ON league_asked (asked_by, filters, min_audits)"
        )

    manager.add_raw(unique_key)
    return manager

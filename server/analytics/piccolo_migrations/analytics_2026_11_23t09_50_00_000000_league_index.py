"""A covering index for the league table: count and sums of percents per client, wave, outlet
are read from the index alone (bench/analytics.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T09:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "analytics league index"

STATEMENTS = (
    "CREATE INDEX score_rollup_league ON score_rollup (client, wave, outlet, percent)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="analytics", description=DESCRIPTION)

    async def create_indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        for statement in STATEMENTS:
            await Migration.raw(statement)

    manager.add_raw(create_indexes)
    return manager

"""A covering index for wave results (server/analytics/results.py): count, sums of percents
and critical failures per client, wave, outlet, channel and checklist version are read from
the index alone. It replaces the league index, whose columns it starts with."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T04:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "analytics wave result index"

STATEMENTS = (
    "CREATE INDEX score_rollup_result ON score_rollup (client, wave, outlet, channel, "
    "template_key, template_version, percent, critical_failure)",
    "DROP INDEX IF EXISTS score_rollup_league",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="analytics", description=DESCRIPTION)

    async def create_indexes() -> None:
        from piccolo.apps.migrations.tables import Migration

        for statement in STATEMENTS:
            await Migration.raw(statement)

    manager.add_raw(create_indexes)
    return manager

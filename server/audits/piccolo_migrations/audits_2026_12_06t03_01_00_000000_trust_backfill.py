"""Index the audits' phone identifiers and answer fingerprints, and score the audits stored
before the trust score from their proof-of-visit flags.

Runs after the migration that adds the columns (Piccolo runs a migration's raw steps before its
column changes, hence a migration of its own).

- `audit_device_id` and `audit_answers_sha256` are partial indexes of the rows where the column
  is set: ingest looks up other audits by them, and an audit without them (most) adds no index
  entry. Both engines use them for `column = ?`.
- Each audit and each of its revisions gets the reasons its stored flags give
  (`server.audits.trust.flag_reasons`, the same function ingest uses) and the score they make;
  the other signals need facts that were not recorded then (the phone's identifier, camera
  details, perceptual hashes), so an audit without flags stays at 100. Rows are read in
  chunks; a database without flagged audits changes nothing.
"""

from __future__ import annotations

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T03:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trust score: partial indexes, backfill from flags"
CHUNK = 500
PARTIAL_INDEXES = (
    "CREATE INDEX audit_device_id ON audit (device_id) WHERE device_id IS NOT NULL",
    "CREATE INDEX audit_answers_sha256 ON audit (answers_sha256) WHERE answers_sha256 IS NOT NULL",
)


async def backfill_trust() -> int:
    """Score every audit and revision with flags and no reasons yet; rows changed."""
    from piccolo.apps.migrations.tables import Migration

    from server.audits import trust

    changed = 0
    # (table, the column naming its audit)
    for table, audit_column in (("audit", "id"), ("audit_revision", "audit")):
        rows = await Migration.raw(
            f"SELECT t.id AS id, t.flags AS flags, a.channel AS channel FROM {table} t "  # noqa: S608
            f"JOIN audit a ON a.id = t.{audit_column} "
            "WHERE t.flags <> '[]' AND t.trust_reasons = '[]' ORDER BY t.id"
        )
        for start in range(0, len(rows), CHUNK):
            for row in rows[start : start + CHUNK]:
                reasons = trust.flag_reasons(row["channel"], json.loads(row["flags"]))
                if not reasons:
                    continue
                await Migration.raw(
                    f"UPDATE {table} SET trust = {{}}, trust_reasons = {{}} WHERE id = {{}}",  # noqa: S608
                    trust.score_of(reasons),
                    trust.to_json(reasons),
                    row["id"],
                )
                changed += 1
    return changed


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audits", description=DESCRIPTION)

    async def backfill() -> None:
        from piccolo.apps.migrations.tables import Migration

        for statement in PARTIAL_INDEXES:
            await Migration.raw(statement)
        await backfill_trust()

    manager.add_raw(backfill)
    return manager

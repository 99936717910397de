"""Chain the audit log entries written before the chain existed, in id order, then make
`sequence` unique (docs/contract.md#audit-log).

Runs after the migration that adds the columns (Piccolo runs a migration's raw steps before its
column changes, hence a migration of its own). Entry by entry in id order, each gets the next
`sequence`, the hash of the one before as `previous_hash` (64 zeros for the first) and its own
`entry_hash`, computed by `server.auditlog.chain` as `record()` computes it for new entries.
Rows are read in chunks; an empty log does nothing but create the index.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T01:24:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit log hash chain"
CHUNK = 1000
COLUMNS = "id, at, actor, action, entity, entity_id, before, after, reason"


async def chain_existing_entries() -> int:
    """Chain every entry in id order; how many there were."""
    from server.auditlog import chain
    from server.core.database import open_transaction

    # Migrations run in `Database.transaction()`: this is its connection.
    connection = open_transaction()
    sequence, previous_hash, last_id = 0, chain.GENESIS, -1
    while True:
        rows = await connection.fetch(
            f"SELECT {COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT {CHUNK}",  # noqa: S608
            last_id,
        )
        updates = []
        for row in rows:
            sequence += 1
            entry = {name: row[name] for name in row.keys()}
            entry.update(sequence=sequence, previous_hash=previous_hash)
            previous_hash = chain.entry_hash(entry)
            updates.append((sequence, entry["previous_hash"], previous_hash, row["id"]))
        if updates:
            await connection.executemany(
                "UPDATE audit_log SET sequence = ?, previous_hash = ?, entry_hash = ? WHERE id = ?",
                updates,
            )
        if len(rows) < CHUNK:
            return sequence
        last_id = rows[-1]["id"]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="shopscore", description=DESCRIPTION)

    async def chain_and_index() -> None:
        from piccolo.apps.migrations.tables import Migration

        await chain_existing_entries()
        await Migration.raw("CREATE UNIQUE INDEX audit_log_sequence ON audit_log (sequence)")

    manager.add_raw(chain_and_index)
    return manager

"""The audit log: who changed what, when, with the record before and after (JSON), each entry
chained to the one before by its hash (docs/contract.md#audit-log, server/auditlog/chain.py)."""

from piccolo.columns import BigInt, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.users.tables import User


class AuditLogEntry(Table, tablename="audit_log"):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    at = Timestamptz(index=True)
    actor = ForeignKey(references=User, null=True)
    action = Varchar(length=40)
    entity = Varchar(length=40)
    entity_id = Varchar(length=64)
    before = Text(null=True, default=None)
    after = Text(null=True, default=None)
    reason = Text(default="")
    # The entry's place in the chain: 1, 2, 3... with no gaps. Unique through an index of the
    # chain migration (SQLite cannot add a UNIQUE column to an existing table).
    sequence = BigInt(default=0)
    # SHA-256 (hex) of the entry before (64 zeros for the first), and of this one.
    previous_hash = Varchar(length=64, default="")
    entry_hash = Varchar(length=64, default="")

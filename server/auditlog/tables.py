"""The audit log: who changed what, when, with the record before and after (JSON)."""

from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
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

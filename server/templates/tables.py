"""Checklist templates: one row per (key, version); published rows never change."""

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class ChecklistTemplate(Table, tablename="checklist_template"):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    key = Varchar(length=100)
    version = Integer()
    channel = Varchar(length=20)
    title = Varchar(length=300)
    status = Varchar(length=20, default="draft")
    body = Text()
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)
